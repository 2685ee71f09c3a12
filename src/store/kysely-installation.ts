import { type Kysely } from 'kysely';
import {
  type Installation,
  type InstallationStore,
  type ManagedVcd,
  type ReconcileSightings,
  type Sighting,
  type SightingKind,
} from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';
import { textToTimestamp, timestampToText } from './timestamp';

const SINGLETON = 'this';

/**
 * InstallationStore over the one-row `installation` table (migration 006), for SQLite and PostgreSQL alike. The
 * primary key on `singleton` makes the first start race-free: every replica inserts its candidate with
 * ON CONFLICT DO NOTHING and reads back the row that won.
 */
export class KyselyInstallation implements InstallationStore {
  private readonly db: Kysely<LabbotSchema>;

  /** Takes an open, migrated database (it does not close it). */
  constructor(database: LabbotDatabase) {
    this.db = database.kysely;
  }

  /** @throws RangeError for an unstorable createdAt. */
  async ensure(candidate: Installation): Promise<Installation> {
    await this.db
      .insertInto('installation')
      .values({
        singleton: SINGLETON,
        id: candidate.id,
        vcd_endpoint: candidate.vcd.endpoint,
        vcd_org: candidate.vcd.org,
        vcd_vdc: candidate.vcd.vdc,
        created_at: timestampToText(candidate.createdAt, 'installation createdAt'),
      })
      .onConflict((oc) => oc.column('singleton').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('installation')
      .selectAll()
      .where('singleton', '=', SINGLETON)
      .executeTakeFirstOrThrow();
    return {
      id: row.id,
      vcd: { endpoint: row.vcd_endpoint, org: row.vcd_org, vdc: row.vcd_vdc },
      // Written by ensure() only, so always valid; the epoch stands in rather than refusing to start.
      createdAt: textToTimestamp(row.created_at) ?? new Date(0),
    };
  }

  async moveTo(vcd: ManagedVcd): Promise<void> {
    await this.db
      .updateTable('installation')
      .set({ vcd_endpoint: vcd.endpoint, vcd_org: vcd.org, vcd_vdc: vcd.vdc })
      .where('singleton', '=', SINGLETON)
      .execute();
  }
}

/**
 * ReconcileSightings over `reconcile_sightings` (migration 006). The primary key (kind, subject) keeps the first
 * sighting when two replicas see the same thing: the later INSERT does nothing.
 */
export class KyselyReconcileSightings implements ReconcileSightings {
  private readonly db: Kysely<LabbotSchema>;

  constructor(database: LabbotDatabase) {
    this.db = database.kysely;
  }

  /** @throws RangeError for an unstorable date. */
  async sight(kind: SightingKind, subject: string, now: Date): Promise<Sighting> {
    const inserted = await this.db
      .insertInto('reconcile_sightings')
      .values({ kind, subject, first_seen_at: timestampToText(now, `${kind} sighting of ${subject}`) })
      .onConflict((oc) => oc.columns(['kind', 'subject']).doNothing())
      .executeTakeFirst();
    const isNew = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    const row = await this.db
      .selectFrom('reconcile_sightings')
      .select('first_seen_at')
      .where('kind', '=', kind)
      .where('subject', '=', subject)
      .executeTakeFirst();
    // A row that cannot be read counts as seen now: the wait starts over, which only delays an act.
    return { at: (row && textToTimestamp(row.first_seen_at)) ?? now, isNew };
  }

  async clear(kind: SightingKind, subject: string): Promise<void> {
    await this.db
      .deleteFrom('reconcile_sightings')
      .where('kind', '=', kind)
      .where('subject', '=', subject)
      .execute();
  }

  async list(kind: SightingKind): Promise<string[]> {
    const rows = await this.db
      .selectFrom('reconcile_sightings')
      .select('subject')
      .where('kind', '=', kind)
      .orderBy('subject')
      .execute();
    return rows.map((r) => r.subject);
  }
}
