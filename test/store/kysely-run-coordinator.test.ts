import { type RunCoordinator as CronRunCoordinator } from 'node-cron';
import { type RunCoordinator } from '../../src/labs/ports';
import { createStore } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyRunCoordinator } from '../../src/store/kysely-run-coordinator';
import { migrateToLatest } from '../../src/store/migrate';
import { databaseKinds, type TestDatabase } from './test-databases';

const kinds = databaseKinds('KyselyRunCoordinator');

const TTL_MS = 30_000;
const T0 = new Date('2025-03-04T08:00:00.000Z');

describe.each(kinds)('KyselyRunCoordinator on $name', (kind) => {
  let testDatabase: TestDatabase;
  let one: LabbotDatabase;
  let two: LabbotDatabase;
  /** The clock both replicas read; tests move it instead of sleeping. */
  let now: Date;
  let a: KyselyRunCoordinator;
  let b: KyselyRunCoordinator;

  beforeEach(async () => {
    testDatabase = await kind.create();
    // Two openDatabase calls: two pools on PostgreSQL, two connections to the file on SQLite, as two replicas.
    one = await openDatabase(testDatabase.target);
    await migrateToLatest(one);
    two = await openDatabase(testDatabase.target);
    now = T0;
    a = new KyselyRunCoordinator(one, { holder: 'replica-a', now: () => now });
    b = new KyselyRunCoordinator(two, { holder: 'replica-b', now: () => now });
  });

  afterEach(async () => {
    await Promise.all([one.close(), two.close()]);
    await testDatabase.dispose();
  });

  function advance(ms: number): void {
    now = new Date(now.getTime() + ms);
  }

  async function jobRuns(): Promise<unknown[]> {
    return one.kysely.selectFrom('job_runs').selectAll().orderBy('key').execute();
  }

  it('says true to the first caller of a key and false to everyone after, the first included', async () => {
    expect(await a.shouldRun('reaper:2025-03-04T08:00:00.000Z', TTL_MS)).toBe(true);
    expect(await b.shouldRun('reaper:2025-03-04T08:00:00.000Z', TTL_MS)).toBe(false);
    expect(await a.shouldRun('reaper:2025-03-04T08:00:00.000Z', TTL_MS)).toBe(false);
    // Another tick is another key.
    expect(await b.shouldRun('reaper:2025-03-04T08:01:00.000Z', TTL_MS)).toBe(true);
  });

  it('elects exactly one of two replicas racing on each key', async () => {
    const keys = Array.from({ length: 20 }, (_, n) => `reaper:tick-${n}`);

    const results = await Promise.all(
      keys.map(async (key) => Promise.all([a.shouldRun(key, TTL_MS), b.shouldRun(key, TTL_MS)])),
    );

    for (const [key, [fromA, fromB]] of keys.map((key, n) => [key, results[n]!] as const)) {
      expect([key, Number(fromA) + Number(fromB)]).toEqual([key, 1]);
    }
  });

  it('elects one replica again once the lease has passed, not before', async () => {
    const key = 'reaper:2025-03-04T08:00:00.000Z';
    expect(await a.shouldRun(key, TTL_MS)).toBe(true);

    advance(TTL_MS);
    expect(await Promise.all([a.shouldRun(key, TTL_MS), b.shouldRun(key, TTL_MS)])).toEqual([false, false]);

    advance(1);
    const [fromA, fromB] = await Promise.all([b.shouldRun(key, TTL_MS), a.shouldRun(key, TTL_MS)]);
    expect(Number(fromA) + Number(fromB)).toBe(1);
    expect(await jobRuns()).toEqual([
      {
        key,
        holder: fromA ? 'replica-b' : 'replica-a',
        expires_at: new Date(now.getTime() + TTL_MS).toISOString(),
        finished_at: null,
      },
    ]);
  });

  it('keeps a finished tick’s lease, so a replica whose timer fires late does not run it again', async () => {
    const key = 'reaper:2025-03-04T08:00:00.000Z';
    await a.shouldRun(key, TTL_MS);
    advance(5_000);

    await a.onComplete(key);
    advance(1_000);

    expect(await b.shouldRun(key, TTL_MS)).toBe(false);
    expect(await jobRuns()).toEqual([
      {
        key,
        holder: 'replica-a',
        expires_at: new Date(T0.getTime() + TTL_MS).toISOString(),
        finished_at: new Date(T0.getTime() + 5_000).toISOString(),
      },
    ]);
  });

  it('marks a key finished only for its holder', async () => {
    const key = 'reaper:tick';
    await a.shouldRun(key, TTL_MS);

    await b.onComplete(key);

    expect(await jobRuns()).toMatchObject([{ key, holder: 'replica-a', finished_at: null }]);
  });

  it('prunes ticks whose lease has lapsed when a run completes', async () => {
    await a.shouldRun('reaper:tick-1', TTL_MS);
    advance(TTL_MS / 2);
    await b.shouldRun('reaper:tick-2', TTL_MS);
    advance(TTL_MS / 2 + 1);
    await a.shouldRun('reaper:tick-3', TTL_MS);

    await a.onComplete('reaper:tick-3');

    expect(await jobRuns()).toMatchObject([{ key: 'reaper:tick-2' }, { key: 'reaper:tick-3' }]);
  });

  it('throws on a ttl that is not positive, so node-cron skips the tick', async () => {
    await expect(a.shouldRun('reaper:tick', 0)).rejects.toThrow(RangeError);
    expect(await jobRuns()).toEqual([]);
  });

  it('throws when the database is gone, so node-cron skips the tick', async () => {
    await two.close();

    await expect(b.shouldRun('reaper:tick', TTL_MS)).rejects.toThrow();
  });

  it('is made by createStore with the replica’s holder and clock, next to the other ports', async () => {
    const store = createStore(one, { holder: 'replica-c', now: () => now });

    expect(await store.runs.shouldRun('reaper:tick', TTL_MS)).toBe(true);
    expect(await jobRuns()).toMatchObject([{ key: 'reaper:tick', holder: 'replica-c' }]);
    expect(Object.keys(store).sort()).toEqual([
      'audit',
      'captured',
      'claims',
      'classes',
      'installation',
      'labs',
      'ledger',
      'publicIps',
      'rhythms',
      'runs',
      'sightings',
      'signals',
      'slackRequests',
    ]);
  });
});

// Compile-time: the coordinator is node-cron 4's RunCoordinator and the domain's port, with no adapter between.
export const asCron: (coordinator: KyselyRunCoordinator) => CronRunCoordinator = (coordinator) => coordinator;
export const asPort: (coordinator: KyselyRunCoordinator) => RunCoordinator = (coordinator) => coordinator;
