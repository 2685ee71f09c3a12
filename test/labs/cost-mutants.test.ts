import {
  billingStart,
  committedHourlyRate,
  costSoFar,
  costTotals,
  currentHourlyRate,
  hourlyRate,
} from '../../src/labs/cost';
import { minimalLab } from '../helpers/labs';

/** The edges of src/labs/cost.ts that its table tests left open (issue 16, StrykerJS survivors). */

const rates = { vcpuHour: 0.025, memoryGbHour: 0.0045, storageGbMonth: 0.08 };
const spec = { vcpus: 4, memoryGb: 16, storageGb: 100 };
const rate = hourlyRate(spec, rates);
const T0 = new Date('2026-11-24T09:00:00Z');
const HOUR = 3_600_000;

describe('labs/cost (mutants)', () => {
  it('bills nothing per hour for an ended lab, even one still marked powered on', () => {
    expect(currentHourlyRate({ spec, endedAt: T0, poweredOnSince: T0 }, rates)).toBe(0);
    expect(currentHourlyRate({ spec, poweredOnSince: T0 }, rates)).toBe(rate.total);
    expect(currentHourlyRate({ spec }, rates)).toBe(rate.storage);
  });

  it('commits the full rate while running, storage while suspended, nothing once ended or being torn down', () => {
    expect(committedHourlyRate({ spec, desired: 'running' }, rates)).toBe(rate.total);
    expect(committedHourlyRate({ spec, desired: 'suspended' }, rates)).toBe(rate.storage);
    expect(committedHourlyRate({ spec, desired: 'deleted' }, rates)).toBe(0);
    expect(committedHourlyRate({ spec, desired: 'running', endedAt: T0 }, rates)).toBe(0);
    expect(committedHourlyRate({ spec, desired: 'suspended', endedAt: T0 }, rates)).toBe(0);
  });

  it('sorts totals by cost, highest first, and equal costs by key', () => {
    const lab = (owner: string, hours: number) =>
      minimalLab({ id: owner, owner, createdAt: T0, spec, endedAt: new Date(T0.getTime() + hours * HOUR) });

    const totals = costTotals([lab('Z', 1), lab('Y', 3), lab('C', 2), lab('A', 2)], 'owner', T0, rates);

    expect(totals.map((t) => t.key)).toEqual(['Y', 'A', 'C', 'Z']);
  });

  it('starts billing at a scheduled lab’s deploy time only when that is after its creation', () => {
    const later = new Date(T0.getTime() + HOUR);
    const earlier = new Date(T0.getTime() - HOUR);

    expect(billingStart({ createdAt: T0, deployAt: later })).toBe(later);
    expect(billingStart({ createdAt: T0, deployAt: earlier })).toBe(T0);
    expect(billingStart({ createdAt: T0 })).toBe(T0);
    const end = new Date(T0.getTime() + 2 * HOUR);
    const base = { spec, createdAt: T0, endedAt: end, poweredOnMs: 0 };
    expect(costSoFar({ ...base, deployAt: later }, end, rates)).toBeCloseTo(rate.storage, 10);
    expect(costSoFar({ ...base, deployAt: earlier }, end, rates)).toBeCloseTo(2 * rate.storage, 10);
  });
});
