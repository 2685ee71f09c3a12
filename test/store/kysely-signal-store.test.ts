import { type LabSignal } from '../../src/labs/ports';
import { createStore } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import {
  KyselySignalStore,
  SIGNAL_IDS_PER_QUERY,
  SIGNAL_ROWS_PER_INSERT,
} from '../../src/store/kysely-signal-store';
import { migrateToLatest } from '../../src/store/migrate';
import { CorruptSignalRowError } from '../../src/store/store-errors';
import { databaseKinds, type TestDatabase } from './test-databases';

const kinds = databaseKinds('KyselySignalStore');

const T0 = new Date('2025-03-04T08:00:00.000Z');

function after(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

function minute(n: number): Date {
  return after(n * 60_000);
}

describe.each(kinds)('KyselySignalStore on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;
  let signals: KyselySignalStore;

  beforeEach(async () => {
    testDatabase = await kind.create();
    database = await openDatabase(testDatabase.target);
    await migrateToLatest(database);
    signals = new KyselySignalStore(database);
  });

  afterEach(async () => {
    await database.close();
    await testDatabase.dispose();
  });

  async function count(): Promise<number> {
    const row = await database.kysely
      .selectFrom('lab_signals')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  describe('recordKeepalive', () => {
    it('records one keep-alive per lab per window and coalesces the rest', async () => {
      expect(await signals.recordKeepalive('demo-a', minute(0), 60_000)).toBe(true);
      expect(await signals.recordKeepalive('demo-a', after(30_000), 60_000)).toBe(false);
      expect(await signals.recordKeepalive('demo-a', after(59_999), 60_000)).toBe(false);
      expect(await signals.recordKeepalive('demo-b', after(30_000), 60_000)).toBe(true);
      expect(await signals.recordKeepalive('demo-a', after(60_000), 60_000)).toBe(true);

      expect(await signals.recent(['demo-a', 'demo-b'], T0)).toEqual([
        { labId: 'demo-a', at: minute(0), kind: 'keepalive' },
        { labId: 'demo-b', at: after(30_000), kind: 'keepalive' },
        { labId: 'demo-a', at: minute(1), kind: 'keepalive' },
      ]);
    });

    it('records one row for 40 concurrent calls of one lab', async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => signals.recordKeepalive('demo-a', after(i * 100), 60_000)),
      );

      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await count()).toBe(1);
    });

    it('is not fooled by other kinds of signal', async () => {
      await signals.record([{ labId: 'demo-a', at: minute(0), kind: 'cpu', value: 50 }]);

      expect(await signals.recordKeepalive('demo-a', after(1_000), 60_000)).toBe(true);
    });

    it('refuses a window that is not a positive number', async () => {
      await expect(signals.recordKeepalive('demo-a', minute(0), 0)).rejects.toThrow(RangeError);
    });
  });

  describe('record and recent', () => {
    it('round-trip signals with and without a value, leaving an absent value absent', async () => {
      const cpu: LabSignal = { labId: 'demo-1', at: minute(1), kind: 'cpu', value: 1.2345678901234567 };
      const idle: LabSignal = { labId: 'demo-1', at: minute(2), kind: 'network', value: 0 };
      const keepalive: LabSignal = { labId: 'demo-1', at: minute(3), kind: 'keepalive' };

      await signals.record([cpu, idle, keepalive]);
      const read = await signals.recent(['demo-1'], minute(0));

      expect(read).toStrictEqual([cpu, idle, keepalive]);
      expect(read[2]).not.toHaveProperty('value');
    });

    it('return signals oldest first, whatever the order they were recorded in', async () => {
      await signals.record([
        { labId: 'demo-2', at: minute(5), kind: 'cpu', value: 5 },
        { labId: 'demo-1', at: minute(1), kind: 'cpu', value: 1 },
      ]);
      await signals.record([
        { labId: 'demo-1', at: minute(3), kind: 'keepalive' },
        { labId: 'demo-2', at: minute(2), kind: 'network', value: 2 },
      ]);

      const read = await signals.recent(['demo-1', 'demo-2'], minute(0));

      expect(read.map((signal) => signal.at)).toEqual([minute(1), minute(2), minute(3), minute(5)]);
    });

    it('keep signals of the same millisecond in the order they were recorded', async () => {
      await signals.record([
        { labId: 'demo-1', at: minute(1), kind: 'network', value: 10 },
        { labId: 'demo-2', at: minute(1), kind: 'cpu', value: 20 },
      ]);
      await signals.record([{ labId: 'demo-1', at: minute(1), kind: 'cpu', value: 30 }]);

      const read = await signals.recent(['demo-2', 'demo-1'], minute(1));

      expect(read.map((signal) => signal.value)).toEqual([10, 20, 30]);
    });

    it('return only the labs asked for, from `since` on (inclusive)', async () => {
      await signals.record([
        { labId: 'demo-1', at: after(-1), kind: 'cpu', value: 1 },
        { labId: 'demo-1', at: T0, kind: 'cpu', value: 2 },
        { labId: 'demo-1', at: minute(9), kind: 'cpu', value: 3 },
        { labId: 'demo-2', at: minute(9), kind: 'cpu', value: 4 },
        { labId: 'demo-3', at: minute(9), kind: 'cpu', value: 5 },
        // Ids match exactly: no case folding, no prefix match.
        { labId: 'DEMO-1', at: minute(9), kind: 'cpu', value: 6 },
        { labId: 'demo-10', at: minute(9), kind: 'cpu', value: 7 },
      ]);

      const read = await signals.recent(['demo-1', 'demo-3', 'demo-none'], T0);

      expect(read.map((signal) => [signal.labId, signal.value])).toEqual([
        ['demo-1', 2],
        ['demo-1', 3],
        ['demo-3', 5],
      ]);
      expect(await signals.recent(['demo-1'], minute(10))).toEqual([]);
    });

    it('return nothing for no ids, and each signal once when an id repeats', async () => {
      await signals.record([{ labId: 'demo-1', at: minute(1), kind: 'keepalive' }]);

      expect(await signals.recent([], minute(0))).toEqual([]);
      expect(await signals.recent(['demo-1', 'demo-1'], minute(0))).toHaveLength(1);
    });

    it('record nothing for an empty batch', async () => {
      await signals.record([]);

      expect(await count()).toBe(0);
    });

    it('handle a pass over 5,000 labs: more signals than one INSERT takes, more ids than one IN list', async () => {
      const labCount = 5_000;
      const labIds = Array.from({ length: labCount }, (_, i) => `demo-${String(i).padStart(4, '0')}`);
      // Each lab gets a cpu and a network signal; times are scattered so that every chunk of ids holds early and
      // late signals, and only a merge across chunks can give the overall order.
      const batch: LabSignal[] = labIds.flatMap((labId, i) => [
        { labId, at: after(((i * 7919) % labCount) * 2), kind: 'cpu' as const, value: i },
        { labId, at: after(((i * 7919) % labCount) * 2 + 1), kind: 'network' as const, value: i / 4 },
      ]);
      expect(batch.length).toBeGreaterThan(SIGNAL_ROWS_PER_INSERT);
      expect(labCount).toBeGreaterThan(SIGNAL_IDS_PER_QUERY);

      await signals.record(batch);
      // Plus ids with no signals, and a signal of a lab not asked for.
      await signals.record([{ labId: 'other-lab', at: T0, kind: 'keepalive' }]);
      const read = await signals.recent([...labIds, 'demo-none'], T0);

      expect(read).toHaveLength(batch.length);
      const expected = [...batch].sort((a, b) => a.at.getTime() - b.at.getTime());
      expect(read).toStrictEqual(expected);
    });

    it('write all of a batch or none of it, even across several INSERTs', async () => {
      const batch: LabSignal[] = Array.from({ length: SIGNAL_ROWS_PER_INSERT + 1 }, (_, i) => ({
        labId: `demo-${i}`,
        at: T0,
        kind: 'keepalive',
      }));
      // The last row, in the second statement, breaks a NOT NULL constraint only the database checks.
      batch[SIGNAL_ROWS_PER_INSERT] = { ...batch[0]!, labId: null as unknown as string };

      // Matched by message, not toThrow(): better-sqlite3's errors come from the realm of the first test file that
      // loaded it in this jest worker, so they are not `instanceof Error` here.
      await expect(signals.record(batch)).rejects.toMatchObject({
        message: expect.stringMatching(/not[- ]null/i) as unknown,
      });

      expect(await count()).toBe(0);
    });

    it.each([
      ['a value that is not a number', { value: Number.NaN }, /finite number/],
      ['an infinite value', { value: Number.POSITIVE_INFINITY }, /finite number/],
      ['an invalid date', { at: new Date(Number.NaN) }, /signal of lab demo-1: at/],
      ['a date past 9999', { at: new Date('+010000-01-01T00:00:00.000Z') }, /years 0–9999/],
      ['an unknown kind', { kind: 'slack' as LabSignal['kind'] }, /unknown kind "slack"/],
    ])('refuse a batch holding %s, writing none of it', async (_name, change, message) => {
      const good: LabSignal = { labId: 'demo-1', at: minute(1), kind: 'cpu', value: 1 };

      await expect(signals.record([good, { ...good, ...change }])).rejects.toThrow(RangeError);
      await expect(signals.record([good, { ...good, ...change }])).rejects.toThrow(message);

      expect(await count()).toBe(0);
    });

    it('refuse a `since` it could not compare', async () => {
      await expect(signals.recent(['demo-1'], new Date(Number.NaN))).rejects.toThrow(RangeError);
    });

    it.each([
      ['an unknown kind', { kind: 'slack' }, 'kind'],
      ['a date in another format', { at: '2025-03-04 08:00:00' }, 'at'],
    ])('fail with CorruptSignalRowError on a row holding %s', async (_name, change, column) => {
      await database.kysely
        .insertInto('lab_signals')
        .values({ lab_id: 'demo-1', at: minute(1).toISOString(), kind: 'cpu', value: 1, ...change })
        .execute();

      const reading = signals.recent(['demo-1'], new Date(0));

      await expect(reading).rejects.toThrow(CorruptSignalRowError);
      await expect(reading).rejects.toMatchObject({ column });
    });
  });

  describe('prune', () => {
    it('deletes the signals strictly older than `before`, across labs, and says how many', async () => {
      await signals.record([
        { labId: 'demo-1', at: minute(1), kind: 'cpu', value: 1 },
        { labId: 'demo-2', at: minute(2), kind: 'keepalive' },
        { labId: 'demo-1', at: minute(3), kind: 'cpu', value: 3 },
        { labId: 'demo-2', at: minute(4), kind: 'network', value: 4 },
      ]);

      expect(await signals.prune(minute(3))).toBe(2);
      expect(await signals.prune(minute(3))).toBe(0);

      expect(await signals.recent(['demo-1', 'demo-2'], new Date(0))).toStrictEqual([
        { labId: 'demo-1', at: minute(3), kind: 'cpu', value: 3 },
        { labId: 'demo-2', at: minute(4), kind: 'network', value: 4 },
      ]);
    });

    it('returns 0 on an empty table, and refuses a date it could not compare', async () => {
      expect(await signals.prune(minute(1))).toBe(0);
      await expect(signals.prune(new Date(Number.NaN))).rejects.toThrow(RangeError);
    });
  });

  it('is part of the store createStore builds', async () => {
    const store = createStore(database, { holder: 'replica-a', now: () => T0 });

    await store.signals.record([{ labId: 'demo-1', at: minute(1), kind: 'keepalive' }]);

    expect(store.signals).toBeInstanceOf(KyselySignalStore);
    expect(await signals.recent(['demo-1'], T0)).toHaveLength(1);
  });
});
