import { type Kysely } from 'kysely';
import { type Logger, type RunCoordinator } from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';
import { leaseExpiry, timestampToText } from './timestamp';

export interface RunCoordinatorOptions {
  /** This replica's id, the same for all its coordinators and claims (e.g. `<hostname>:<pid>`). */
  holder: string;
  /** Injected clock: leases are compared with it, never with the wall clock directly. */
  now: () => Date;
}

/**
 * RunCoordinator over the `job_runs` table: one replica runs each scheduled tick. Structurally it is node-cron 4's
 * `RunCoordinator` (`shouldRun` returning a promise, `onComplete` optional), so it can be handed to
 * `setRunCoordinator` by the schedule, which owns node-cron.
 */
export class KyselyRunCoordinator implements RunCoordinator {
  private readonly db: Kysely<LabbotSchema>;
  private readonly logger: Logger | undefined;
  private readonly holder: string;
  private readonly now: () => Date;

  /** Takes an open, migrated database (it does not close it). */
  constructor(database: LabbotDatabase, options: RunCoordinatorOptions) {
    this.db = database.kysely;
    this.logger = database.logger;
    this.holder = options.holder;
    this.now = options.now;
  }

  /**
   * True for exactly one caller per key until `ttlMs` has passed, then for exactly one caller again (the lease of a
   * replica that died mid-run, or a key reused after its lease). One statement decides: an insert of the key that,
   * on conflict, takes the row over only when its lease lapsed. PostgreSQL makes a concurrent insert of the same key
   * wait for the first and then evaluate the takeover condition against the committed row; SQLite serialises
   * writers. So two replicas never both get true, however their calls interleave.
   * @throws when the database fails or `ttlMs` is not positive: node-cron then skips the tick (fails closed), which
   *   is right for a job that must not run twice.
   */
  async shouldRun(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const expiresAt = leaseExpiry(now, ttlMs, `job run ${key}`);
    const nowText = timestampToText(now, `job run ${key}: now`);
    const won = await this.db
      .insertInto('job_runs')
      .values({ key, holder: this.holder, expires_at: expiresAt, finished_at: null })
      .onConflict((conflict) =>
        conflict
          .column('key')
          .doUpdateSet({ holder: this.holder, expires_at: expiresAt, finished_at: null })
          .where('job_runs.expires_at', '<', nowText),
      )
      .returning('key')
      .executeTakeFirst();
    this.logger?.debug({ key, holder: this.holder, won: won !== undefined }, 'job run election');
    return won !== undefined;
  }

  /**
   * Records that this replica finished the key, and prunes ticks whose lease has lapsed. The finished row keeps its
   * lease rather than being deleted: node-cron's keys name one tick (`<task>:<slot time>`), and releasing it early
   * would let a replica whose timer fired late run the same tick a second time.
   */
  async onComplete(key: string): Promise<void> {
    const nowText = timestampToText(this.now(), `job run ${key}: now`);
    await this.db
      .updateTable('job_runs')
      .set({ finished_at: nowText })
      .where('key', '=', key)
      .where('holder', '=', this.holder)
      .execute();
    // A lapsed row protects nothing any more (shouldRun would take it over), so dropping it changes no answer and
    // keeps the table at about one row per job.
    await this.db.deleteFrom('job_runs').where('expires_at', '<', nowText).execute();
  }
}
