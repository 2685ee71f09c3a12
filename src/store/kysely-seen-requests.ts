import { type Kysely } from 'kysely';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';
import { timestampToText } from './timestamp';

/** How often expired rows are deleted (at most); between prunes they are merely ignored. */
const PRUNE_EVERY_MS = 60_000;

/** Most sightings one statement records: two parameters each, far below SQLite's and PostgreSQL's limits. */
export const MAX_SIGHTINGS_PER_STATEMENT = 500;

interface Pending {
  key: string;
  expiresAt: string;
  resolve(first: boolean): void;
  reject(error: unknown): void;
}

/**
 * Signed Slack requests already served, over `slack_requests_seen` (migration 010), shared by every replica on the
 * database. The key is the primary key, so two replicas receiving the same request at the same moment cannot both
 * see it as new: one INSERT does nothing.
 *
 * Every signed request waits for its sighting before it is served, so sightings are written together: those asked
 * for in the same turn of the event loop, or while the previous statement runs, go into one multi-row INSERT
 * (issue 17 target 4: one statement per request was the largest part of an ack beyond Bolt's own work). A key asked
 * for twice in one statement is a first sighting once.
 */
export class KyselySeenRequests {
  private readonly db: Kysely<LabbotSchema>;
  private lastPrune = Number.NEGATIVE_INFINITY;
  private pending: Pending[] = [];
  /** A write is scheduled or running; sightings asked for meanwhile wait for the next one. */
  private writing = false;

  constructor(
    database: LabbotDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = database.kysely;
  }

  /**
   * Records `key` until `expiresAt`.
   * @returns true when no unexpired record of it existed (a first sighting), false for a replay.
   * @throws the driver's error when the database fails (the caller refuses the request: fail closed); RangeError
   * when `expiresAt` cannot be stored.
   */
  firstSighting(key: string, expiresAt: Date): Promise<boolean> {
    return new Promise((resolve, reject) => {
      // Thrown here, a RangeError rejects this sighting alone, before it joins a batch.
      const expires = timestampToText(expiresAt, 'expires_at');
      this.pending.push({ key, expiresAt: expires, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Writes the waiting sightings after the current turn of the event loop (requests whose bodies arrived in the
   * same turn share the statement), unless a write is already scheduled or running.
   */
  private schedule(): void {
    if (this.writing || this.pending.length === 0) {
      return;
    }
    this.writing = true;
    setImmediate(() => {
      void this.writeBatch().finally(() => {
        this.writing = false;
        this.schedule();
      });
    });
  }

  /** Records one batch of waiting sightings and settles each. Never rejects. */
  private async writeBatch(): Promise<void> {
    const batch = this.pending.splice(0, MAX_SIGHTINGS_PER_STATEMENT);
    try {
      const recorded = await this.record(batch);
      const answered = new Set<string>();
      for (const sighting of batch) {
        // The first of a key's sightings in the batch is the one the statement recorded; later ones are replays.
        sighting.resolve(!answered.has(sighting.key) && recorded.has(sighting.key));
        answered.add(sighting.key);
      }
    } catch (error) {
      for (const sighting of batch) {
        sighting.reject(error);
      }
    }
  }

  /** Inserts the batch's keys; returns those recorded (new, or taking over an expired row). */
  private async record(batch: readonly Pending[]): Promise<Set<string>> {
    const now = this.now();
    const nowText = timestampToText(now, 'now');
    if (now.getTime() - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now.getTime();
      await this.db.deleteFrom('slack_requests_seen').where('expires_at', '<=', nowText).execute();
    }
    // One row per key: PostgreSQL refuses an upsert that touches the same row twice.
    const rows = new Map<string, string>();
    for (const { key, expiresAt } of batch) {
      if (!rows.has(key)) {
        rows.set(key, expiresAt);
      }
    }
    const recorded = await this.db
      .insertInto('slack_requests_seen')
      .values([...rows].map(([key, expires]) => ({ key, expires_at: expires })))
      // A row that expired but was not pruned yet is taken over; an unexpired one stays and its key is not returned.
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ expires_at: (eb) => eb.ref('excluded.expires_at') })
          .where('slack_requests_seen.expires_at', '<=', nowText),
      )
      .returning('key')
      .execute();
    return new Set(recorded.map((row) => row.key));
  }
}
