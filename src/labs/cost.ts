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

/** Milliseconds the lab has been powered on, up to `at`. */
export function poweredOnMsAt(lab: Pick<Lab, 'poweredOnMs' | 'poweredOnSince'>, at: Date): number {
  const running = lab.poweredOnSince ? Math.max(0, at.getTime() - lab.poweredOnSince.getTime()) : 0;
  return lab.poweredOnMs + running;
}

/**
 * Cost so far, billed per started minute: storage from creation until the lab ended (or now), CPU and RAM for
 * the time it was powered on (suspended time bills storage only). A scheduled lab's storage bills from its deploy
 * time, when its vApp comes to exist, not from when it was scheduled; cancelled before then, it cost nothing.
 */
export function costSoFar(
  lab: Pick<Lab, 'spec' | 'createdAt' | 'endedAt' | 'poweredOnMs' | 'poweredOnSince'> &
    Partial<Pick<Lab, 'deployAt'>>,
  now: Date,
  rates: Rates,
): number {
  const rate = hourlyRate(lab.spec, rates);
  const end = lab.endedAt ?? now;
  const storageMinutes = billableMinutes(billingStart(lab), end);
  const computeMinutes = Math.ceil(poweredOnMsAt(lab, end) / 60_000);
  return (storageMinutes * rate.storage + computeMinutes * rate.compute) / 60;
}

/** What the lab costs per hour in its current state: everything while on, storage only while suspended or off. */
export function currentHourlyRate(
  lab: Pick<Lab, 'spec' | 'poweredOnSince' | 'endedAt'>,
  rates: Rates,
): number {
  if (lab.endedAt) {
    return 0;
  }
  const rate = hourlyRate(lab.spec, rates);
  return lab.poweredOnSince ? rate.total : rate.storage;
}

/**
 * What a lab will cost per hour once it is where its owner wants it: a lab still deploying counts at its full
 * rate, a suspended one at its storage rate, one being torn down at nothing. Spend limits use this.
 */
export function committedHourlyRate(lab: Pick<Lab, 'spec' | 'desired' | 'endedAt'>, rates: Rates): number {
  if (lab.endedAt || lab.desired === 'deleted') {
    return 0;
  }
  const rate = hourlyRate(lab.spec, rates);
  return lab.desired === 'suspended' ? rate.storage : rate.total;
}

export interface CostTotal {
  key: string;
  labs: number;
  cost: number;
}

/** Cost so far summed per owner, kind or ticket (labs without a ticket are left out of the ticket view). */
export function costTotals(
  labs: readonly Lab[],
  by: 'owner' | 'kind' | 'ticket',
  now: Date,
  rates: Rates,
): CostTotal[] {
  const totals = new Map<string, CostTotal>();
  for (const lab of labs) {
    const key = by === 'owner' ? lab.owner : by === 'kind' ? lab.kind : lab.ticket;
    if (key === undefined) {
      continue;
    }
    const total = totals.get(key) ?? { key, labs: 0, cost: 0 };
    total.labs += 1;
    total.cost += costSoFar(lab, now, rates);
    totals.set(key, total);
  }
  return [...totals.values()].sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key));
}

/** When the lab's vApp started to exist (or will): its creation, or a scheduled lab's deploy time. */
export function billingStart(lab: Pick<Lab, 'createdAt'> & Partial<Pick<Lab, 'deployAt'>>): Date {
  return lab.deployAt !== undefined && lab.deployAt > lab.createdAt ? lab.deployAt : lab.createdAt;
}

function billableMinutes(from: Date, to: Date): number {
  return Math.max(0, Math.ceil((to.getTime() - from.getTime()) / 60_000));
}

/** `$3.10`; amounts under a cent show as `$0.00`. */
export function formatUsd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
