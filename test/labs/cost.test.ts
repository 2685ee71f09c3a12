import { costSoFar, formatUsd, hourlyRate } from '../../src/labs/cost';

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

    const cost = costSoFar({ spec, createdAt, readyAt }, now, rates);

    const rate = hourlyRate(spec, rates);
    expect(cost).toBeCloseTo((66 * rate.storage + 61 * rate.compute) / 60, 9);
  });

  it('stops billing when the lab ended', () => {
    const createdAt = new Date('2026-11-24T09:00:00Z');
    const endedAt = new Date('2026-11-24T10:00:00Z');

    const atEnd = costSoFar({ spec, createdAt, readyAt: createdAt, endedAt }, endedAt, rates);
    const later = costSoFar(
      { spec, createdAt, readyAt: createdAt, endedAt },
      new Date('2026-11-25T10:00:00Z'),
      rates,
    );

    expect(later).toBe(atEnd);
  });

  it('formats dollars with cents', () => {
    expect(formatUsd(3.1)).toBe('$3.10');
    expect(formatUsd(0.001)).toBe('$0.00');
  });
});
