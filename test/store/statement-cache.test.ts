import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { type LabbotDatabase } from '../../src/store/labbot-database';
import { openSqlite } from '../../src/store/sqlite-database';
import { type CacheableDatabase, withStatementCache } from '../../src/store/statement-cache';

/** A real in-memory connection that counts what it prepares. */
function countingDatabase(): {
  database: CacheableDatabase & { raw: Database.Database };
  prepared: string[];
} {
  const raw = new Database(':memory:');
  const prepared: string[] = [];
  return {
    prepared,
    database: {
      raw,
      prepare(text: string) {
        prepared.push(text);
        return raw.prepare(text);
      },
      close: () => raw.close(),
    },
  };
}

describe('withStatementCache', () => {
  it('prepares each SQL text once and answers every later query from the same statement', async () => {
    const { database, prepared } = countingDatabase();
    const db = new Kysely<{ t: { k: string; v: number } }>({
      dialect: new SqliteDialect({ database: withStatementCache(database) }),
    });
    await sql`create table t (k text primary key, v integer not null)`.execute(db);

    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const) {
      await db.insertInto('t').values({ k, v }).execute();
    }
    const first = await db.selectFrom('t').select(['k', 'v']).where('v', '>', 1).execute();
    await db.updateTable('t').set({ v: 10 }).where('k', '=', 'c').execute();
    const second = await db.selectFrom('t').select(['k', 'v']).where('v', '>', 1).execute();

    // The reused statement reads the table as it is now, with this call's parameters.
    expect(first).toEqual([
      { k: 'b', v: 2 },
      { k: 'c', v: 3 },
    ]);
    expect(second).toEqual([
      { k: 'b', v: 2 },
      { k: 'c', v: 10 },
    ]);
    const inserts = prepared.filter((text) => text.startsWith('insert'));
    const selects = prepared.filter((text) => text.startsWith('select'));
    expect(inserts).toHaveLength(1);
    expect(selects).toHaveLength(1);
    await db.destroy();
    expect(database.raw.open).toBe(false);
  });

  it('keeps at most `max` texts, dropping the oldest first', () => {
    const { database, prepared } = countingDatabase();
    const cache = withStatementCache(database, 2);

    cache.prepare('select 1');
    cache.prepare('select 2');
    cache.prepare('select 3');
    cache.prepare('select 2');
    cache.prepare('select 1');

    expect(prepared).toEqual(['select 1', 'select 2', 'select 3', 'select 1']);
    cache.close();
  });

  it('prepares a fresh statement while the cached one is still iterating', () => {
    const { database, prepared } = countingDatabase();
    database.raw.exec('create table n (i integer); insert into n values (1), (2)');
    const cache = withStatementCache(database);
    const text = 'select i from n order by i';

    const outer = cache.prepare(text);
    const seen: number[] = [];
    for (const row of outer.iterate([]) as Iterable<{ i: number }>) {
      // Mid-iteration the cached statement is busy; reusing it would throw in better-sqlite3.
      const inner = cache.prepare(text);
      expect(inner).not.toBe(outer);
      seen.push(row.i, ...(inner.all([]) as { i: number }[]).map((r) => r.i));
    }

    expect(seen).toEqual([1, 1, 2, 2, 1, 2]);
    expect(prepared).toEqual([text, text, text]);
    expect(cache.prepare(text)).toBe(outer);
    cache.close();
  });
});

describe('the SQLite store', () => {
  let dataDir: string;
  let database: LabbotDatabase;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'labbot-statements-'));
    database = await openSqlite(dataDir);
  });

  afterEach(async () => {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads what was written since through its reused statements', async () => {
    await sql`create table t (k text)`.execute(database.kysely);
    const read = () => sql<{ n: number }>`select count(*) as n from t`.execute(database.kysely);

    expect((await read()).rows).toEqual([{ n: 0 }]);
    await sql`insert into t values (${'x'})`.execute(database.kysely);
    expect((await read()).rows).toEqual([{ n: 1 }]);
  });
});
