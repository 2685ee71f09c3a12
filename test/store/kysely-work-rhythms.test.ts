import { emptyRhythm, observeUses, type WorkRhythm } from '../../src/reaper/work-rhythm';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyWorkRhythms } from '../../src/store/kysely-work-rhythms';
import { migrateTo, migrateToLatest } from '../../src/store/migrate';
import { databaseKinds, type TestDatabase } from './test-databases';

const at = (iso: string): Date => new Date(iso);

function worked(...isoUses: string[]): WorkRhythm {
  return observeUses(emptyRhythm(), isoUses.map(at), at(isoUses.at(-1) ?? '2026-11-16T00:00:00Z'));
}

describe.each(databaseKinds('KyselyWorkRhythms'))('work rhythms (migration 015), on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;

  beforeEach(async () => {
    testDatabase = await kind.create();
    database = await openDatabase(testDatabase.target);
  });

  afterEach(async () => {
    await database.close();
    await testDatabase.dispose();
  });

  it('adds its table after 014 and keeps one row per subject, replaced on every save', async () => {
    await migrateTo(database, '014-restore-window');
    expect(await migrateToLatest(database)).toEqual(['015-work-rhythms']);
    const store = new KyselyWorkRhythms(database);
    const monday = worked('2026-11-16T09:00:00Z', '2026-11-16T12:00:00Z', '2026-11-16T17:00:00Z');
    const tuesday = observeUses(monday, [at('2026-11-17T09:10:00Z')], at('2026-11-17T09:10:00Z'));

    await store.save(
      new Map([
        ['owner:U1', monday],
        ['lab:demo-1', monday],
      ]),
      at('2026-11-16T17:05:00Z'),
    );
    await store.save(new Map([['owner:U1', tuesday]]), at('2026-11-17T09:15:00Z'));

    const loaded = await store.load(['owner:U1', 'lab:demo-1', 'owner:U2', 'owner:U1']);
    expect(loaded).toEqual(
      new Map([
        ['owner:U1', tuesday],
        ['lab:demo-1', monday],
      ]),
    );
    expect(tuesday.cameBack).toBe(1);
    const rows = await database.kysely.selectFrom('work_rhythms').select('subject').execute();
    expect(rows.map((r) => r.subject).sort()).toEqual(['lab:demo-1', 'owner:U1']);
  });

  it('leaves an unreadable row out of load (it starts afresh), and prunes rows not saved since a time', async () => {
    await migrateToLatest(database);
    const store = new KyselyWorkRhythms(database);
    await store.save(new Map([['owner:U1', emptyRhythm()]]), at('2026-09-01T00:00:00Z'));
    await store.save(new Map([['owner:U2', emptyRhythm()]]), at('2026-11-20T00:00:00Z'));
    await database.kysely
      .updateTable('work_rhythms')
      .set({ rhythm: '{"weekdays":"broken"}' })
      .where('subject', '=', 'owner:U2')
      .execute();

    expect([...(await store.load(['owner:U1', 'owner:U2'])).keys()]).toEqual(['owner:U1']);
    expect(await store.prune(at('2026-10-01T00:00:00Z'))).toBe(1);
    expect(await store.load(['owner:U1'])).toEqual(new Map());
    expect(await store.load([])).toEqual(new Map());
  });
});
