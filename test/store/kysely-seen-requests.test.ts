import { type KyselyPlugin, type RootOperationNode } from 'kysely';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselySeenRequests, MAX_SIGHTINGS_PER_STATEMENT } from '../../src/store/kysely-seen-requests';
import { migrateToLatest } from '../../src/store/migrate';
import { databaseKinds, type TestDatabase } from './test-databases';

describe.each(databaseKinds('KyselySeenRequests'))('signed Slack requests seen, on $name', (kind) => {
  let testDatabase: TestDatabase;
  let databases: LabbotDatabase[];
  let now: Date;

  beforeEach(async () => {
    testDatabase = await kind.create();
    databases = [await openDatabase(testDatabase.target), await openDatabase(testDatabase.target)];
    await migrateToLatest(databases[0] as LabbotDatabase);
    now = new Date('2026-03-02T10:00:00.000Z');
  });

  afterEach(async () => {
    await Promise.all(databases.map((d) => d.close()));
    await testDatabase.dispose();
  });

  const inFive = (): Date => new Date(now.getTime() + 5 * 60_000);

  /** The database with every INSERT it is sent counted. */
  function countingInserts(database: LabbotDatabase): { database: LabbotDatabase; inserts: () => number } {
    let inserts = 0;
    const plugin: KyselyPlugin = {
      transformQuery({ node }): RootOperationNode {
        inserts += node.kind === 'InsertQueryNode' ? 1 : 0;
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    };
    return { database: { ...database, kysely: database.kysely.withPlugin(plugin) }, inserts: () => inserts };
  }

  it('sees a key once until it expires, on every replica sharing the database', async () => {
    const [a, b] = databases.map((d) => new KyselySeenRequests(d, () => now));

    expect(await a?.firstSighting('sig-1', inFive())).toBe(true);
    expect(await a?.firstSighting('sig-1', inFive())).toBe(false);
    expect(await b?.firstSighting('sig-1', inFive())).toBe(false);
    expect(await b?.firstSighting('sig-2', inFive())).toBe(true);

    now = new Date(now.getTime() + 5 * 60_000 + 1);
    expect(await b?.firstSighting('sig-1', inFive())).toBe(true);
    expect(await a?.firstSighting('sig-1', inFive())).toBe(false);
  });

  it('lets exactly one of many concurrent sightings of one key win', async () => {
    const replicas = databases.map((d) => new KyselySeenRequests(d, () => now));

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (replicas[i % 2] as KyselySeenRequests).firstSighting('sig-race', inFive()),
      ),
    );

    expect(results.filter((r) => r === true)).toHaveLength(1);
  });

  it('prunes expired rows', async () => {
    const seen = new KyselySeenRequests(databases[0] as LabbotDatabase, () => now);
    await seen.firstSighting('old', inFive());
    now = new Date(now.getTime() + 10 * 60_000);

    await seen.firstSighting('new', inFive());

    const rows = await (databases[0] as LabbotDatabase).kysely
      .selectFrom('slack_requests_seen')
      .select('key')
      .execute();
    expect(rows.map((r) => r.key)).toEqual(['new']);
  });

  it('records the sightings asked for together in one statement', async () => {
    const counted = countingInserts(databases[0] as LabbotDatabase);
    const seen = new KyselySeenRequests(counted.database, () => now);
    const keys = Array.from({ length: 20 }, (_, i) => `sig-${i}`);

    const first = await Promise.all(keys.map((key) => seen.firstSighting(key, inFive())));
    const again = await Promise.all(keys.map((key) => seen.firstSighting(key, inFive())));

    expect(first).toEqual(keys.map(() => true));
    expect(again).toEqual(keys.map(() => false));
    expect(counted.inserts()).toBe(2);
  });

  it('splits a larger crowd into statements of at most MAX_SIGHTINGS_PER_STATEMENT', async () => {
    const counted = countingInserts(databases[0] as LabbotDatabase);
    const seen = new KyselySeenRequests(counted.database, () => now);
    const keys = Array.from({ length: MAX_SIGHTINGS_PER_STATEMENT + 1 }, (_, i) => `sig-${i}`);

    const first = await Promise.all(keys.map((key) => seen.firstSighting(key, inFive())));

    expect(first.every((f) => f)).toBe(true);
    expect(counted.inserts()).toBe(2);
  });

  it('lets only the first of a key asked for twice in one statement through', async () => {
    const seen = new KyselySeenRequests(databases[0] as LabbotDatabase, () => now);

    const results = await Promise.all([
      seen.firstSighting('sig-twice', inFive()),
      seen.firstSighting('sig-other', inFive()),
      seen.firstSighting('sig-twice', inFive()),
    ]);

    expect(results).toEqual([true, true, false]);
  });

  it('refuses only the sighting whose expiry cannot be stored', async () => {
    const seen = new KyselySeenRequests(databases[0] as LabbotDatabase, () => now);

    const [good, bad] = await Promise.allSettled([
      seen.firstSighting('sig-good', inFive()),
      seen.firstSighting('sig-bad', new Date(Number.NaN)),
    ]);

    expect(good).toEqual({ status: 'fulfilled', value: true });
    expect(bad).toMatchObject({ status: 'rejected', reason: expect.any(RangeError) });
  });

  it('fails every waiting sighting when the database cannot record them (the guard then refuses)', async () => {
    const seen = new KyselySeenRequests(databases[0] as LabbotDatabase, () => now);
    await seen.firstSighting('before', inFive());
    await (databases[0] as LabbotDatabase).close();

    const results = await Promise.allSettled([
      seen.firstSighting('sig-a', inFive()),
      seen.firstSighting('sig-b', inFive()),
    ]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
