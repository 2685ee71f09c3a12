import { costSoFar, costTotals, currentHourlyRate, formatUsd, hourlyRate } from '../../src/labs/cost';

const rates = { vcpuHour: 0.025, memoryGbHour: 0.0045, storageGbMonth: 0.08 };
const spec = { vcpus: 4, memoryGb: 16, storageGb: 100 };

describe('labs/cost', () => {
  it('prices compute per hour and storage per month over 730 hours', () => {
    const rate = hourlyRate(spec, rates);

    expect(rate.compute).toBeCloseTo(0.172, 6);
    expect(rate.storage).toBeCloseTo(8 / 730, 6);
    expect(rate.total).toBeCloseTo(0.172 + 8 / 730, 6);
  });

  it('bills storage from creation and compute from ready, per started minute', () => {
    const createdAt = new Date('2026-11-24T09:00:00Z');
    const readyAt = new Date('2026-11-24T09:05:00Z');
    const now = new Date('2026-11-24T10:05:00.001Z');

    const cost = costSoFar({ spec, createdAt, poweredOnMs: 0, poweredOnSince: readyAt }, now, rates);

    const rate = hourlyRate(spec, rates);
    expect(cost).toBeCloseTo((66 * rate.storage + 61 * rate.compute) / 60, 9);
  });

  it('stops billing when the lab ended', () => {
    const createdAt = new Date('2026-11-24T09:00:00Z');
    const endedAt = new Date('2026-11-24T10:00:00Z');

    const lab = { spec, createdAt, poweredOnMs: 0, poweredOnSince: createdAt, endedAt };
    const atEnd = costSoFar(lab, endedAt, rates);
    const later = costSoFar(lab, new Date('2026-11-25T10:00:00Z'), rates);

    expect(later).toBe(atEnd);
  });

  it('matches a hand computation for a lab that ran, was suspended and resumed', () => {
    // Created 08:55; on 09:00-10:00 (60 min), suspended 10:00-11:30, on again from 11:30; now 12:15.
    const createdAt = new Date('2026-11-24T08:55:00Z');
    const lab = {
      spec,
      createdAt,
      poweredOnMs: 60 * 60_000,
      poweredOnSince: new Date('2026-11-24T11:30:00Z'),
    };

    const cost = costSoFar(lab, new Date('2026-11-24T12:15:00Z'), rates);

    // Storage 200 min at 100 GB x $0.08/GB-month / 730 h; CPU+RAM 105 min at 4 x $0.025 + 16 x $0.0045 per hour.
    const storagePerHour = (100 * 0.08) / 730;
    const computePerHour = 4 * 0.025 + 16 * 0.0045;
    expect(cost).toBeCloseTo((200 / 60) * storagePerHour + (105 / 60) * computePerHour, 10);
    expect(cost).toBeCloseTo(0.3375, 3);
  });

  it('bills a suspended lab for storage only', () => {
    const lab = { spec, poweredOnSince: undefined, endedAt: undefined };

    expect(currentHourlyRate(lab, rates)).toBeCloseTo((100 * 0.08) / 730, 10);
    expect(currentHourlyRate({ ...lab, poweredOnSince: new Date() }, rates)).toBeCloseTo(
      hourlyRate(spec, rates).total,
      10,
    );
  });

  it('sums cost per owner, kind and ticket', () => {
    const base = {
      spec,
      createdAt: new Date('2026-11-24T09:00:00Z'),
      poweredOnMs: 0,
      extensions: 0,
      vms: [],
      desired: 'running' as const,
      phase: 'ready' as const,
      template: 'esxi8',
      expiresAt: new Date('2026-11-25T00:00:00Z'),
    };
    const labs = [
      { ...base, id: 'demo-a', kind: 'demo', owner: 'U1', vappName: 'lab-demo-a' },
      { ...base, id: 'demo-b', kind: 'demo', owner: 'U2', vappName: 'lab-demo-b' },
      { ...base, id: 'repro-t-1', kind: 'repro', owner: 'U1', ticket: 'T-1', vappName: 'lab-repro-t-1' },
    ];
    const now = new Date('2026-11-24T10:00:00Z');
    const one = costSoFar(base, now, rates);

    expect(costTotals(labs, 'owner', now, rates)).toEqual([
      { key: 'U1', labs: 2, cost: 2 * one },
      { key: 'U2', labs: 1, cost: one },
    ]);
    expect(costTotals(labs, 'kind', now, rates).map((t) => [t.key, t.labs])).toEqual([
      ['demo', 2],
      ['repro', 1],
    ]);
    expect(costTotals(labs, 'ticket', now, rates).map((t) => t.key)).toEqual(['T-1']);
  });

  it('formats dollars with cents', () => {
    expect(formatUsd(3.1)).toBe('$3.10');
    expect(formatUsd(0.001)).toBe('$0.00');
  });
});
