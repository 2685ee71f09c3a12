import { type ExpressionBuilder, type Kysely } from 'kysely';
import { type WorkClaims } from '../labs/ports';
import { NOT_ENDED } from './lab-filters';
import { type DatabaseDialect, type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';
import { leaseExpiry, timestampToText } from './timestamp';

/**
 * WorkClaims over the `claimed_by` and `claim_expires_at` columns of `labs`. A claim is a lease with an ISO-text
 * expiry; it has lapsed once its expiry is strictly before the caller's `now`. Replicas pass their own clock's
 * `now`, so their clocks must agree to well within the ttl (NTP does).
 */
export class KyselyWorkClaims implements WorkClaims {
  private readonly db: Kysely<LabbotSchema>;
  private readonly dialect: DatabaseDialect;

  /** Takes an open, migrated database (it does not close it). */
  constructor(database: LabbotDatabase) {
    this.db = database.kysely;
    this.dialect = database.dialect;
  }

  /**
   * Claims the lab for `holder`, or renews its claim, until `now + ttlMs`. One UPDATE whose WHERE says the claim is
   * free, already ours or lapsed: both dialects evaluate it against the latest committed row (PostgreSQL re-checks
   * it after waiting on a concurrent writer's row lock), so two replicas can never both get true.
   * @returns true when `holder` now holds the lab; false when another holder's claim is live or the lab does not
   *   exist.
   * @throws RangeError when `ttlMs` is not positive or `now` is not a storable date.
   */
  async claim(labId: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const expiresAt = leaseExpiry(now, ttlMs, `claim on lab ${labId}`);
    const nowText = timestampToText(now, `claim on lab ${labId}: now`);
    const result = await this.db
      .updateTable('labs')
      .set({ claimed_by: holder, claim_expires_at: expiresAt })
      .where('id', '=', labId)
      .where((eb) => eb.or([freeOrLapsed(eb, nowText), eb('claimed_by', '=', holder)]))
      .executeTakeFirst();
    return result.numUpdatedRows > BigInt(0);
  }

  /**
   * Claims up to `limit` active labs (not deleted or failed) that nobody holds or whose claim lapsed, oldest first.
   * Labs `holder` already holds are not returned again: renew those with `claim`.
   * @returns the ids now held by `holder`, oldest lab first; never an id another holder got from a concurrent call.
   * @throws RangeError when `limit` is not a non-negative integer, `ttlMs` is not positive or `now` is not storable.
   */
  async claimActive(holder: string, limit: number, ttlMs: number, now: Date): Promise<string[]> {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError(`claimActive: limit must be a non-negative integer, got ${limit}`);
    }
    const expiresAt = leaseExpiry(now, ttlMs, 'claimActive');
    const nowText = timestampToText(now, 'claimActive: now');
    if (limit === 0) {
      return [];
    }
    return this.dialect === 'postgres'
      ? this.claimActivePostgres(holder, limit, expiresAt, nowText)
      : this.claimActiveSqlite(holder, limit, expiresAt, nowText);
  }

  /**
   * Drops every claim `holder` holds: a replica calls it when it starts, since claims under its (stable) id can
   * only be its dead predecessor's, so it takes those labs back at once instead of waiting for them to lapse.
   * @returns how many claims were dropped.
   */
  async releaseAll(holder: string): Promise<number> {
    const result = await this.db
      .updateTable('labs')
      .set({ claimed_by: null, claim_expires_at: null })
      .where('claimed_by', '=', holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Drops `holder`'s claim on the lab, so another replica may take it at once. Does nothing when someone else holds
   * it (their claim is not ours to drop) or the lab does not exist.
   */
  async release(labId: string, holder: string): Promise<void> {
    await this.db
      .updateTable('labs')
      .set({ claimed_by: null, claim_expires_at: null })
      .where('id', '=', labId)
      .where('claimed_by', '=', holder)
      .execute();
  }

  /**
   * Locks the candidates with FOR UPDATE SKIP LOCKED, then claims them, in one transaction. Rows a concurrent
   * replica has locked are skipped rather than waited for, so replicas split the work instead of queueing on the
   * same rows; a row it claimed and committed meanwhile no longer matches when we lock it (PostgreSQL re-checks the
   * WHERE on the newest version of a row it locks), so it is never handed out twice.
   */
  private async claimActivePostgres(
    holder: string,
    limit: number,
    expiresAt: string,
    nowText: string,
  ): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const candidates = await trx
        .selectFrom('labs')
        .select('id')
        .where(NOT_ENDED)
        .where((eb) => freeOrLapsed(eb, nowText))
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      const ids = candidates.map((row) => row.id);
      if (ids.length > 0) {
        await trx
          .updateTable('labs')
          .set({ claimed_by: holder, claim_expires_at: expiresAt })
          .where('id', 'in', ids)
          .execute();
      }
      return ids;
    });
  }

  /**
   * SQLite has no row locks (and no FOR UPDATE): it serialises writers on the whole database. One UPDATE whose
   * subquery picks the candidates takes the write lock before it reads, so no other connection can claim between
   * the pick and the write. A SELECT-then-UPDATE transaction would not be safer: its deferred BEGIN reads first, and
   * a writer committing in between makes the UPDATE fail with SQLITE_BUSY_SNAPSHOT.
   */
  private async claimActiveSqlite(
    holder: string,
    limit: number,
    expiresAt: string,
    nowText: string,
  ): Promise<string[]> {
    const claimed = await this.db
      .updateTable('labs')
      .set({ claimed_by: holder, claim_expires_at: expiresAt })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('labs')
          .select('id')
          .where(NOT_ENDED)
          .where((inner) => freeOrLapsed(inner, nowText))
          .orderBy('created_at')
          .orderBy('id')
          .limit(limit),
      )
      .returning(['id', 'created_at'])
      .execute();
    // RETURNING comes in no promised order.
    return claimed
      .sort((a, b) => compareText(a.created_at, b.created_at) || compareText(a.id, b.id))
      .map((row) => row.id);
  }
}

/** Nobody holds the lab, or its holder let the claim lapse. */
function freeOrLapsed(eb: ExpressionBuilder<LabbotSchema, 'labs'>, nowText: string) {
  return eb.or([eb('claimed_by', 'is', null), eb('claim_expires_at', '<', nowText)]);
}

// Plain code-unit order, as SQLite's default BINARY collation and the ISO timestamps use.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
