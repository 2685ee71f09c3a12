import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { compiledOnce } from '../../src/store/compiled-once';

interface Schema {
  t: { k: string; owner: string; v: number };
}

describe('compiledOnce', () => {
  let db: Kysely<Schema>;

  beforeEach(async () => {
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await sql`create table t (k text primary key, owner text not null, v integer not null)`.execute(db);
    await db
      .insertInto('t')
      .values([
        { k: 'a', owner: 'U1', v: 1 },
        { k: 'b', owner: 'U2', v: 2 },
        { k: 'c', owner: 'U1', v: 3 },
      ])
      .execute();
  });

  afterEach(() => db.destroy());

  it('runs the SQL compiled once with each call’s values, as building the query anew would', async () => {
    const byOwnerAbove = compiledOnce(
      db.selectFrom('t').selectAll().where('owner', '=', '').where('v', '>', 0).orderBy('k'),
    );

    for (const [owner, above] of [
      ['U1', 0],
      ['U1', 1],
      ['U2', 0],
      ['U3', 0],
    ] as const) {
      const once = await db.executeQuery(byOwnerAbove([owner, above]));
      const anew = await db
        .selectFrom('t')
        .selectAll()
        .where('owner', '=', owner)
        .where('v', '>', above)
        .orderBy('k')
        .execute();
      expect(once.rows).toEqual(anew);
    }
    expect((await db.executeQuery(byOwnerAbove(['U1', 1]))).rows.map((r) => r.k)).toEqual(['c']);
  });

  it('refuses a number of values other than the compiled query binds', () => {
    const byOwner = compiledOnce(db.selectFrom('t').selectAll().where('owner', '=', ''));

    expect(() => byOwner([])).toThrow(/takes 1 parameters, got 0/);
    expect(() => byOwner(['U1', 'U2'])).toThrow(/takes 1 parameters, got 2/);
  });
});
