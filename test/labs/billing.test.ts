import {
  billLabs,
  billRows,
  type BillingInterval,
  type LedgerLab,
  monthForecast,
  monthOf,
  nextLedgerChange,
  periodToDate,
} from '../../src/labs/billing';
import { billCsv, csvCell } from '../../src/labs/billing-csv';
import { hourlyRate } from '../../src/labs/cost';

const rates = { vcpuHour: 0.025, memoryGbHour: 0.0045, storageGbMonth: 0.08 };
const spec = { vcpus: 4, memoryGb: 16, storageGb: 100 };
const rate = hourlyRate(spec, rates);
const at = (iso: string): Date => new Date(iso);

describe('labs/billing ledger changes', () => {
  const created = at('2026-03-31T22:00:00.000Z');
  const requested: LedgerLab = { createdAt: created, poweredOnMs: 0 };

  it('opens storage from creation for a new lab, and running from power-on', () => {
    expect(nextLedgerChange(undefined, undefined, requested)).toEqual({
      open: { state: 'storage', startedAt: created },
    });
    const on = { ...requested, poweredOnSince: at('2026-03-31T22:10:00.000Z') };
    expect(nextLedgerChange({ state: 'storage', startedAt: created }, requested, on)).toEqual({
      close: on.poweredOnSince,
      open: { state: 'running', startedAt: on.poweredOnSince },
    });
  });

  it('closes a running stretch where the powered-on time says it stopped, not at a clock', () => {
    const since = at('2026-03-31T22:10:00.000Z');
    const before = { ...requested, poweredOnSince: since };
    const suspended = { ...requested, poweredOnMs: 45 * 60_000 };
    const off = at('2026-03-31T22:55:00.000Z');

    expect(nextLedgerChange({ state: 'running', startedAt: since }, before, suspended)).toEqual({
      close: off,
      open: { state: 'storage', startedAt: off },
    });
  });

  it('changes nothing when the same lab is saved again (a restart repeating a step)', () => {
    const since = at('2026-03-31T22:10:00.000Z');
    const running = { ...requested, poweredOnSince: since };

    expect(nextLedgerChange({ state: 'running', startedAt: since }, running, running)).toEqual({});
    expect(nextLedgerChange({ state: 'storage', startedAt: created }, requested, requested)).toEqual({});
  });

  it('closes everything at the end, and reopens storage from the end when an ended lab is reopened', () => {
    const ended = { ...requested, endedAt: at('2026-04-01T01:00:00.000Z') };
    expect(nextLedgerChange({ state: 'storage', startedAt: created }, requested, ended)).toEqual({
      close: ended.endedAt,
    });
    expect(nextLedgerChange(undefined, ended, ended)).toEqual({});
    expect(nextLedgerChange(undefined, ended, requested)).toEqual({
      open: { state: 'storage', startedAt: ended.endedAt },
    });
  });

  it('never closes an interval before it started', () => {
    const since = at('2026-03-31T23:00:00.000Z');
    const ended = { ...requested, endedAt: at('2026-03-31T22:30:00.000Z') };
    expect(nextLedgerChange({ state: 'running', startedAt: since }, requested, ended)).toEqual({
      close: since,
    });
  });
});

describe('labs/billing periods', () => {
  it('starts the day, ISO week and month at local midnight in the user’s time zone', () => {
    const now = at('2026-03-04T01:30:00.000Z'); // a Wednesday; 2026-03-03 20:30 in UTC-5
    expect(periodToDate('day', now).from).toEqual(at('2026-03-04T00:00:00.000Z'));
    expect(periodToDate('day', now, -300).from).toEqual(at('2026-03-03T05:00:00.000Z'));
    expect(periodToDate('week', now).from).toEqual(at('2026-03-02T00:00:00.000Z'));
    expect(periodToDate('month', now, 60).from).toEqual(at('2026-02-28T23:00:00.000Z'));
    expect(periodToDate('month', now, -300).from).toEqual(at('2026-03-01T05:00:00.000Z'));
    // 2026-02-28 22:00 in UTC-5: still February there.
    expect(periodToDate('month', at('2026-03-01T03:00:00.000Z'), -300).from).toEqual(
      at('2026-02-01T05:00:00.000Z'),
    );
    expect(periodToDate('month', now).to).toEqual(now);
    expect(monthOf(now)).toEqual({
      from: at('2026-03-01T00:00:00.000Z'),
      to: at('2026-04-01T00:00:00.000Z'),
    });
  });

  it('bills only the part of each interval inside the period, so adjoining periods add up', () => {
    const lab = { id: 'demo-1', owner: 'U1', kind: 'demo', template: 'esxi8', spec };
    const intervals: BillingInterval[] = [
      {
        labId: 'demo-1',
        state: 'running',
        startedAt: at('2026-03-31T22:00:00.000Z'),
        endedAt: at('2026-04-01T02:00:00.000Z'),
      },
      { labId: 'demo-1', state: 'storage', startedAt: at('2026-04-01T02:00:00.000Z') },
    ];
    const now = at('2026-04-01T04:00:00.000Z');
    const march = { from: at('2026-03-01T00:00:00.000Z'), to: at('2026-04-01T00:00:00.000Z') };
    const april = { from: at('2026-04-01T00:00:00.000Z'), to: now };

    const [inMarch] = billLabs([lab], intervals, rates, march, now);
    const [inApril] = billLabs([lab], intervals, rates, april, now);

    expect(inMarch?.runningHours).toBeCloseTo(2, 9);
    expect(inMarch?.storageHours).toBe(0);
    expect(inMarch?.cost).toBeCloseTo(2 * rate.total, 9);
    expect(inApril?.runningHours).toBeCloseTo(2, 9);
    expect(inApril?.storageHours).toBeCloseTo(2, 9);
    expect(inApril?.cost).toBeCloseTo(2 * rate.total + 2 * rate.storage, 9);
    expect(
      billLabs([lab], intervals, rates, { from: at('2026-02-01T00:00:00.000Z'), to: march.from }, now),
    ).toEqual([]);
  });

  it('forecasts the month from what it spent and what burns now', () => {
    const now = at('2026-03-31T00:00:00.000Z');
    expect(monthForecast(100, 2, now, monthOf(now))).toEqual({ monthToDate: 100, forecast: 148 });
    expect(monthForecast(100, 2, at('2026-04-01T00:00:00.000Z'), monthOf(now)).forecast).toBe(100);
  });
});

describe('labs/billing CSV', () => {
  it('has a row per owner, kind, ticket and template, with hours and cost', () => {
    const labs = [
      { id: 'a', owner: 'U1', kind: 'repro', ticket: 'T-1', template: 'esxi8', spec },
      { id: 'b', owner: 'U1', kind: 'repro', ticket: 'T-1', template: 'esxi8', spec },
      { id: 'c', owner: 'U2', kind: 'demo', template: 'esxi8', spec },
    ];
    const period = { from: at('2026-03-01T00:00:00.000Z'), to: at('2026-03-02T00:00:00.000Z') };
    const intervals: BillingInterval[] = labs.map((l) => ({
      labId: l.id,
      state: 'running',
      startedAt: at('2026-03-01T10:00:00.000Z'),
      endedAt: at('2026-03-01T11:30:00.000Z'),
    }));

    const csv = billCsv(billRows(billLabs(labs, intervals, rates, period, period.to)), period);

    expect(csv.split('\r\n')).toEqual([
      'period_start,period_end,owner,kind,ticket,template,labs,running_hours,storage_hours,cost_usd',
      `2026-03-01T00:00:00.000Z,2026-03-02T00:00:00.000Z,U1,repro,T-1,esxi8,2,3.00,0.00,${(3 * rate.total).toFixed(2)}`,
      `2026-03-01T00:00:00.000Z,2026-03-02T00:00:00.000Z,U2,demo,,esxi8,1,1.50,0.00,${(1.5 * rate.total).toFixed(2)}`,
      '',
    ]);
  });

  it('escapes quotes, commas and line breaks, and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
  });
});
