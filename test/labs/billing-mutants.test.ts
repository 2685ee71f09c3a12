import {
  billedMs,
  billedState,
  billLabs,
  billRows,
  billTotals,
  intervalCost,
  type LedgerLab,
  monthForecast,
  monthOf,
  nextLedgerChange,
  type BillingInterval,
  type LabBill,
} from '../../src/labs/billing';

/** The ledger's arithmetic (src/labs/billing.ts) at the edges of periods, states and groupings. */
describe('labs/billing arithmetic', () => {
  const at = (time: string): Date => new Date(`2026-03-10T${time}:00.000Z`);
  const period = { from: at('10:00'), to: at('12:00') };
  const interval = (
    from: string,
    to?: string,
    state: BillingInterval['state'] = 'running',
  ): BillingInterval => ({
    labId: 'demo-1',
    state,
    startedAt: at(from),
    ...(to !== undefined ? { endedAt: at(to) } : {}),
  });
  const HOUR = 3_600_000;

  describe('billedState', () => {
    const lab = { createdAt: at('09:00'), poweredOnMs: 0 };

    it('is running while powered on, storage while not, and nothing once ended', () => {
      expect(billedState({ ...lab, poweredOnSince: at('09:30') })).toBe('running');
      expect(billedState(lab)).toBe('storage');
      expect(billedState({ ...lab, poweredOnSince: at('09:30'), endedAt: at('10:00') })).toBeUndefined();
    });
  });

  describe('billedMs', () => {
    it.each([
      ['inside the period', '10:30', '11:00', at('13:00'), HOUR / 2],
      ['clipped at the period’s start', '09:00', '10:30', at('13:00'), HOUR / 2],
      ['clipped at the period’s end', '11:30', '13:00', at('13:00'), HOUR / 2],
      ['open, up to now', '11:00', undefined, at('11:15'), HOUR / 4],
      ['open, up to the period’s end', '11:00', undefined, at('13:00'), HOUR],
      ['closed, but not past now', '10:00', '12:00', at('10:45'), (3 * HOUR) / 4],
      ['before the period', '08:00', '09:00', at('13:00'), 0],
      ['after the period', '12:30', '13:00', at('13:00'), 0],
    ])('%s', (_case, from, to, now, ms) => {
      expect(billedMs(interval(from, to), period, now)).toBe(ms);
    });
  });

  describe('intervalCost', () => {
    // $2/h on (2 vCPU at $0.5 and 4 GB at $0.25), storage 73 GB at $1/month: $0.10/h.
    const spec = { vcpus: 2, memoryGb: 4, storageGb: 73 };
    const rates = { vcpuHour: 0.5, memoryGbHour: 0.25, storageGbMonth: 1 };

    it('bills the full rate while running and storage only otherwise, to the millisecond', () => {
      expect(intervalCost(interval('10:00', '10:30'), spec, rates, period, at('13:00'))).toBeCloseTo(
        1.05,
        10,
      );
      expect(
        intervalCost(interval('10:00', '10:30', 'storage'), spec, rates, period, at('13:00')),
      ).toBeCloseTo(0.05, 10);
    });

    it('splits a lab’s bill into running and storage hours, and leaves out what billed nothing', () => {
      const labs = [
        { id: 'demo-1', owner: 'U_A', kind: 'demo', template: 'esxi8', spec },
        { id: 'demo-2', owner: 'U_B', kind: 'demo', template: 'esxi8', spec },
      ];
      const bills = billLabs(
        labs,
        [
          interval('10:00', '10:30'),
          interval('10:30', '11:30', 'storage'),
          { ...interval('08:00', '09:00'), labId: 'demo-2' },
          { ...interval('10:00', '11:00'), labId: 'gone' },
        ],
        rates,
        period,
        at('13:00'),
      );
      expect(bills).toEqual([
        { lab: labs[0], runningHours: 0.5, storageHours: 1, cost: expect.closeTo(1.05 + 0.1, 10) as number },
      ]);
    });
  });

  describe('billTotals', () => {
    const bill = (id: string, owner: string, cost: number, ticket?: string): LabBill => ({
      lab: {
        id,
        owner,
        kind: 'repro',
        template: 'esxi8',
        spec: { vcpus: 1, memoryGb: 1, storageGb: 1 },
        ...(ticket ? { ticket } : {}),
      },
      runningHours: 1,
      storageHours: 0,
      cost,
    });
    const bills = [
      bill('a', 'U_B', 1, 'T-1'),
      bill('b', 'U_A', 2),
      bill('c', 'U_B', 1.5, 'T-1'),
      bill('d', 'U_C', 2.5, 'T-2'),
    ];

    it('sums per owner, most expensive first, ties by key', () => {
      expect(billTotals(bills, 'owner')).toEqual([
        { key: 'U_B', labs: 2, cost: 2.5 },
        { key: 'U_C', labs: 1, cost: 2.5 },
        { key: 'U_A', labs: 1, cost: 2 },
      ]);
    });

    it('sums per kind and per ticket, leaving out labs without a ticket', () => {
      expect(billTotals(bills, 'kind')).toEqual([{ key: 'repro', labs: 4, cost: 7 }]);
      expect(billTotals(bills, 'ticket')).toEqual([
        { key: 'T-1', labs: 2, cost: 2.5 },
        { key: 'T-2', labs: 1, cost: 2.5 },
      ]);
    });
  });

  describe('monthForecast', () => {
    const month = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') };

    it('adds the burn for the hours left in the month', () => {
      expect(monthForecast(100, 2, new Date('2026-03-31T14:00:00Z'), month)).toEqual({
        monthToDate: 100,
        forecast: 120,
      });
    });

    it('adds nothing once the month is over', () => {
      expect(monthForecast(100, 2, new Date('2026-04-02T00:00:00Z'), month)).toEqual({
        monthToDate: 100,
        forecast: 100,
      });
    });
  });
  describe('nextLedgerChange across a power cycle', () => {
    const MIN = 60_000;
    const created = at('09:00');

    it('closes a running stretch at the power-off of a lab switched off and on again between two saves', () => {
      // Saved running since 10:00 with 30 min on before; switched off at 10:20 and on again at 10:40.
      const before: LedgerLab = { createdAt: created, poweredOnMs: 30 * MIN, poweredOnSince: at('10:00') };
      const after: LedgerLab = { createdAt: created, poweredOnMs: 50 * MIN, poweredOnSince: at('10:40') };
      expect(nextLedgerChange({ state: 'running', startedAt: at('10:00') }, before, after)).toEqual({
        close: at('10:20'),
        open: { state: 'running', startedAt: at('10:40') },
      });
    });

    it('closes at the last power-on plus the time added since, when the open stretch began earlier', () => {
      // The open interval began at 10:00; the saved row was powered on again at 10:30 with 20 min on before.
      const before: LedgerLab = { createdAt: created, poweredOnMs: 20 * MIN, poweredOnSince: at('10:30') };
      const off: LedgerLab = { createdAt: created, poweredOnMs: 35 * MIN };
      expect(nextLedgerChange({ state: 'running', startedAt: at('10:00') }, before, off)).toEqual({
        close: at('10:45'),
        open: { state: 'storage', startedAt: at('10:45') },
      });
    });

    it('without a stored row, counts the powered-on time from the open stretch’s start', () => {
      const off: LedgerLab = { createdAt: created, poweredOnMs: 25 * MIN };
      expect(nextLedgerChange({ state: 'running', startedAt: at('10:00') }, undefined, off)).toEqual({
        close: at('10:25'),
        open: { state: 'storage', startedAt: at('10:25') },
      });
    });
  });

  describe('monthOf', () => {
    it('is the user’s calendar month, from its first local midnight to the next month’s', () => {
      // 2026-02-28 22:00 in UTC-5: still February there.
      expect(monthOf(new Date('2026-03-01T03:00:00Z'), -300)).toEqual({
        from: new Date('2026-02-01T05:00:00Z'),
        to: new Date('2026-03-01T05:00:00Z'),
      });
      // 2026-04-01 00:30 in UTC+1: already April.
      expect(monthOf(new Date('2026-03-31T23:30:00Z'), 60)).toEqual({
        from: new Date('2026-03-31T23:00:00Z'),
        to: new Date('2026-04-30T23:00:00Z'),
      });
    });
  });

  describe('orders', () => {
    const spec = { vcpus: 2, memoryGb: 4, storageGb: 73 };
    const rates = { vcpuHour: 0.5, memoryGbHour: 0.25, storageGbMonth: 1 };
    const lab = (id: string) => ({ id, owner: 'U_A', kind: 'demo', template: 'esxi8', spec });

    it('lists the labs most expensive first, equal costs by lab id', () => {
      const bills = billLabs(
        [lab('demo-a'), lab('demo-b'), lab('demo-c')],
        [
          { ...interval('10:00', '10:30'), labId: 'demo-c' },
          { ...interval('10:00', '10:30'), labId: 'demo-a' },
          { ...interval('10:00', '11:00'), labId: 'demo-b' },
        ],
        rates,
        period,
        at('13:00'),
      );
      expect(bills.map((b) => b.lab.id)).toEqual(['demo-b', 'demo-a', 'demo-c']);
    });

    it('sums the rows’ storage hours and sorts the rows by owner, kind, ticket and template', () => {
      const bill = (
        owner: string,
        kind: string,
        template: string,
        ticket?: string,
        storageHours = 0,
      ): LabBill => ({
        lab: {
          id: `${owner}-${kind}-${template}-${ticket ?? ''}`,
          owner,
          kind,
          template,
          spec,
          ...(ticket ? { ticket } : {}),
        },
        runningHours: 0,
        storageHours,
        cost: 1,
      });
      const rows = billRows([
        bill('U_B', 'demo', 'esxi8'),
        bill('U_A', 'repro', 'esxi8', 'T-2'),
        bill('U_A', 'repro', 'esxi8', 'T-1', 1.5),
        bill('U_A', 'repro', 'esxi7', 'T-1', 2),
        bill('U_A', 'demo', 'esxi8'),
        bill('U_A', 'repro', 'esxi8', 'T-1', 0.25),
      ]);
      expect(rows.map((r) => [r.owner, r.kind, r.ticket, r.template, r.labs, r.storageHours])).toEqual([
        ['U_A', 'demo', '', 'esxi8', 1, 0],
        ['U_A', 'repro', 'T-1', 'esxi7', 1, 2],
        ['U_A', 'repro', 'T-1', 'esxi8', 2, 1.75],
        ['U_A', 'repro', 'T-2', 'esxi8', 1, 0],
        ['U_B', 'demo', '', 'esxi8', 1, 0],
      ]);
    });
  });
});
