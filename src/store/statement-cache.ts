/**
 * Prepared statements reused across queries on the SQLite connection. Kysely's SQLite driver prepares every query
 * it runs, and preparing (parsing and planning the SQL) cost more than running the statement itself: it was the
 * largest single item of a `/lab list` ack in the profile of issue 17 target 4 (docs/benchmarks.md). The store's
 * queries are a small set of SQL texts with the values as parameters, so a statement prepared once serves every
 * later query with the same text.
 */
import type Database from 'better-sqlite3';
import { type SqliteDatabase, type SqliteStatement } from 'kysely';

/**
 * SQL texts kept prepared at most. The store runs a few dozen distinct texts; those built per call (an `in` list
 * of varying length, a multi-row insert) are bounded by this, the oldest entry leaving first.
 */
export const MAX_CACHED_STATEMENTS = 256;

/** What the cache needs of a better-sqlite3 statement: Kysely's interface and whether it is mid-iteration. */
type CacheableStatement = SqliteStatement & Pick<Database.Statement, 'busy'>;

/** What the cache needs of a better-sqlite3 connection. */
export interface CacheableDatabase {
  prepare(sql: string): CacheableStatement;
  close(): unknown;
}

/**
 * The connection as Kysely's SqliteDialect takes it, preparing each SQL text once. A statement still iterating
 * (busy) is not handed out again: that query gets a fresh one, as without the cache.
 */
export function withStatementCache(
  database: CacheableDatabase,
  max: number = MAX_CACHED_STATEMENTS,
): SqliteDatabase {
  const statements = new Map<string, CacheableStatement>();
  return {
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached !== undefined && !cached.busy) {
        return cached;
      }
      const statement = database.prepare(sql);
      if (cached === undefined) {
        if (statements.size >= max) {
          // Map keeps insertion order: the first key is the oldest.
          const oldest = statements.keys().next();
          if (oldest.done !== true) {
            statements.delete(oldest.value);
          }
        }
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
