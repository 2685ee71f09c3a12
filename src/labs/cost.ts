import { type Lab, type LabSpec } from './lab';
import { type Rates } from './policy';

/** Average hours in a month, the conventional divisor for per-month storage prices. */
const HOURS_PER_MONTH = 730;

export interface HourlyRate {
  /** CPU and RAM: billed only while powered on. */
  compute: number;
  /** Storage: billed while the vApp exists. */
  storage: number;
  total: number;
}

/** What a lab of this size costs per hour while running. */
export function hourlyRate(spec: LabSpec, rates: Rates): HourlyRate {
  const compute = spec.vcpus * rates.vcpuHour + spec.memoryGb * rates.memoryGbHour;
  const storage = (spec.storageGb * rates.storageGbMonth) / HOURS_PER_MONTH;
  return { compute, storage, total: compute + storage };
}

/**
 * Cost so far, billed per started minute: storage from creation, compute from the moment the lab was ready
 * (powered on), both until the lab ended or now.
 */
export function costSoFar(
  lab: Pick<Lab, 'spec' | 'createdAt' | 'readyAt' | 'endedAt'>,
  now: Date,
  rates: Rates,
): number {
  const rate = hourlyRate(lab.spec, rates);
  const end = lab.endedAt ?? now;
  const storageMinutes = billableMinutes(lab.createdAt, end);
  const computeMinutes = lab.readyAt ? billableMinutes(lab.readyAt, end) : 0;
  return (storageMinutes * rate.storage + computeMinutes * rate.compute) / 60;
}

function billableMinutes(from: Date, to: Date): number {
  return Math.max(0, Math.ceil((to.getTime() - from.getTime()) / 60_000));
}

/** `$3.10`; amounts under a cent show as `$0.00`. */
export function formatUsd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
