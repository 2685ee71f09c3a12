/**
 * Runs a read-then-write as one transaction that no other `exclusively` call on the same key can interleave with,
 * across every process sharing the database: what makes "check the limit, then insert" atomic (issue 14).
 *
 * PostgreSQL: a transaction-scoped advisory lock on the key, taken first. Under READ COMMITTED every later statement
 * sees what the previous holder committed, and the lock is released at commit or rollback, so a crashed holder
 * never leaves it taken. Keys of other features and other labbot schemas hash into the same lock space; a collision
 * only makes two unrelated calls wait for each other.
 *
 * SQLite: `BEGIN IMMEDIATE` takes the database's single write lock before the first read, so the whole read-then-write
 * runs with no other writer in between, whatever the key (Kysely also runs one statement at a time per process).
 */
import { type Kysely, sql } from 'kysely';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';

/** First half of the two-part advisory lock key: `labb` in ASCII, so labbot's locks stand out in pg_locks. */
const LOCK_SPACE = 0x6c616262;

export async function exclusively<T>(
  database: LabbotDatabase,
  key: string,
  work: (db: Kysely<LabbotSchema>) => Promise<T>,
): Promise<T> {
  if (database.dialect === 'postgres') {
    return database.kysely.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${LOCK_SPACE}, hashtext(${key}))`.execute(trx);
      return work(trx);
    });
  }
  // One connection for the whole transaction; Kysely's transaction() would BEGIN DEFERRED, which takes the write
  // lock only at the first write and so lets another process write between our read and our write.
  return database.kysely.connection().execute(async (db) => {
    await sql`begin immediate`.execute(db);
    try {
      const result = await work(db);
      await sql`commit`.execute(db);
      return result;
    } catch (error) {
      // Also after a failed COMMIT, so the shared connection is never left inside a transaction. SQLite may already
      // have rolled back by itself (a full disk); then ROLLBACK fails, and the original error is the one to report.
      await sql`rollback`.execute(db).catch(() => undefined);
      throw error;
    }
  });
}
