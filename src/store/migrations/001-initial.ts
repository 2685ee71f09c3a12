/**
 * The first schema: labs and the audit log. A migration is frozen once released: change the schema with a new
 * file, never by editing this one (databases in the field have already run it).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { type DatabaseDialect } from '../labbot-database';

/**
 * Phases after which a lab is over, as of this migration. Spelled out rather than imported from the domain: if
 * the domain's list changes, the index below does not change with it, and a new migration must rebuild it.
 */
export const LIVE_TICKET_INDEX_ENDED_PHASES = ['deleted', 'failed'] as const;

/** Builds the migration for one dialect; only the audit log's id column differs. */
export function initialMigration(dialect: DatabaseDialect): Migration {
  return {
    // The migrator is typed for any database; the schema builder needs no table types.
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('labs')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('ticket', 'text')
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('vapp_name', 'text', (c) => c.notNull())
        .addColumn('vapp_href', 'text')
        .addColumn('desired', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('task_href', 'text')
        .addColumn('channel', 'text')
        .addColumn('message_ts', 'text')
        // ISO 8601 UTC text in both dialects; schema.ts says why.
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ready_at', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('vms', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('failure_reason', 'text')
        .addColumn('spec_vcpus', 'integer', (c) => c.notNull())
        // Fractional sizes (0.5 GB) are legitimate; SQLite stores double precision as REAL.
        .addColumn('spec_memory_gb', 'double precision', (c) => c.notNull())
        .addColumn('spec_storage_gb', 'double precision', (c) => c.notNull())
        // Named so that both dialects report the same constraint name.
        .addPrimaryKeyConstraint('labs_pkey', ['id'])
        .execute();

      // `/lab list` filters by owner and sorts by creation time.
      await db.schema
        .createIndex('labs_owner_created_idx')
        .on('labs')
        .columns(['owner', 'created_at'])
        .execute();
      // The controller's and reaper's scans select by phase.
      await db.schema.createIndex('labs_phase_idx').on('labs').column('phase').execute();
      // One live lab per ticket, enforced by the database so that two concurrent `/lab repro` cannot both insert.
      // Partial unique indexes read the same in SQLite (3.8+) and PostgreSQL. Ended labs keep their ticket.
      const ended = sql.join(LIVE_TICKET_INDEX_ENDED_PHASES.map((phase) => sql.lit(phase)));
      await db.schema
        .createIndex('labs_live_ticket_uq')
        .on('labs')
        .column('ticket')
        .unique()
        .where(sql<boolean>`ticket is not null and phase not in (${ended})`)
        .execute();
      // Any lab of a ticket, live or not, for history ("what did we do for TICKET-123?").
      await db.schema.createIndex('labs_ticket_idx').on('labs').column('ticket').execute();

      await db.schema
        .createTable('audit_log')
        // An ascending id that is never reused: AUTOINCREMENT in SQLite (plain rowids can be reused after a delete),
        // an identity column in PostgreSQL, bigint there because an audit log only grows.
        .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        // No foreign key: the log also records actions on labs that never got a row (a refused request).
        .addColumn('lab_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('result', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_lab_idx').on('audit_log').columns(['lab_id', 'at']).execute();
      await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('audit_log').execute();
      await db.schema.dropTable('labs').execute();
    },
  };
}
