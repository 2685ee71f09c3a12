/**
 * Issue 7: what the idle reaper keeps. Per lab, when it warned the owner, until when the owner snoozed it and the
 * secret of its keep-alive URL; and a short history of usage signals per lab. Frozen once released, like 001.
 * Existing labs get NULLs: never warned, not snoozed, no keep-alive token (the controller gives them one).
 */
import { type Kysely, type Migration } from 'kysely';
import { type DatabaseDialect } from '../labbot-database';

/** Builds the migration for one dialect; only the signal table's id column differs (as in 001's audit log). */
export function reaperMigration(dialect: DatabaseDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds exactly one. ISO 8601 UTC text, like every timestamp.
      await db.schema.alterTable('labs').addColumn('reap_warned_at', 'text').execute();
      await db.schema.alterTable('labs').addColumn('snoozed_until', 'text').execute();
      // Looked up by lab id (the URL names the lab), then compared, so it needs no index of its own.
      await db.schema.alterTable('labs').addColumn('keepalive_token', 'text').execute();

      await db.schema
        .createTable('lab_signals')
        // Breaks ties between signals of the same millisecond, in insertion order. Never reused, as in audit_log.
        .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        // No foreign key: a pass records thousands of signals in one statement, which one odd id must not fail, and
        // the history is pruned within a day or so anyway.
        .addColumn('lab_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        // Percent or KB/s; NULL when the signal has no value (a keep-alive call). REAL in SQLite.
        .addColumn('value', 'double precision')
        .execute();
      // The reaper reads each lab's signals since a point in time.
      await db.schema
        .createIndex('lab_signals_lab_at_idx')
        .on('lab_signals')
        .columns(['lab_id', 'at'])
        .execute();
      // Pruning deletes by age across all labs; without this it would scan the whole table on every pass.
      await db.schema.createIndex('lab_signals_at_idx').on('lab_signals').column('at').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lab_signals').execute();
      for (const column of ['keepalive_token', 'snoozed_until', 'reap_warned_at']) {
        await db.schema.alterTable('labs').dropColumn(column).execute();
      }
    },
  };
}
