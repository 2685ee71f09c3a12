import { type Kysely } from 'kysely';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';
import { timestampToText } from './timestamp';

/** How often expired rows are deleted (at most); between prunes they are merely ignored. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Signed Slack requests already served, over `slack_requests_seen` (migration 010), shared by every replica on the
 * database. The key is the primary key, so two replicas receiving the same request at the same moment cannot both
 * see it as new: one INSERT does nothing.
 */
export class KyselySeenRequests {
  private readonly db: Kysely<LabbotSchema>;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(
    database: LabbotDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = database.kysely;
  }

  /**
   * Records `key` until `expiresAt`.
   * @returns true when no unexpired record of it existed (a first sighting), false for a replay.
   * @throws the driver's error when the database fails (the caller refuses the request: fail closed).
   */
  async firstSighting(key: string, expiresAt: Date): Promise<boolean> {
    const now = this.now();
    const nowText = timestampToText(now, 'now');
    if (now.getTime() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now.getTime();
      await this.db.deleteFrom('slack_requests_seen').where('expires_at', '<=', nowText).execute();
    }
    const result = await this.db
      .insertInto('slack_requests_seen')
      .values({ key, expires_at: timestampToText(expiresAt, 'expires_at') })
      // A row that expired but was not pruned yet is taken over; an unexpired one stays and the INSERT does nothing.
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ expires_at: (eb) => eb.ref('excluded.expires_at') })
          .where('slack_requests_seen.expires_at', '<=', nowText),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
