import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselySeenRequests } from '../../src/store/kysely-seen-requests';
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
});
