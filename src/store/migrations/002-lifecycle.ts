/**
 * Issue 5: the lab's lifecycle and cost fields, replica claims on labs, the run coordinator's table and an audit
 * index for "what did this user do". Frozen once released, like 001. Existing labs get the defaults: never
 * extended, never powered on as far as the meter knows, no activity recorded, unclaimed.
 */
import { type Kysely, type Migration } from 'kysely';

/** The same in both dialects: `bigint` is a 64-bit integer in PostgreSQL and has INTEGER affinity in SQLite. */
export function lifecycleMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds exactly one. NOT NULL columns need their default there.
      await db.schema
        .alterTable('labs')
        .addColumn('extensions', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('labs')
        .addColumn('powered_on_ms', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      // ISO 8601 UTC text, like every timestamp (schema.ts).
      await db.schema.alterTable('labs').addColumn('powered_on_since', 'text').execute();
      await db.schema.alterTable('labs').addColumn('last_activity_at', 'text').execute();
      await db.schema.alterTable('labs').addColumn('claimed_by', 'text').execute();
      await db.schema.alterTable('labs').addColumn('claim_expires_at', 'text').execute();

      await db.schema
        .createTable('job_runs')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addPrimaryKeyConstraint('job_runs_pkey', ['key'])
        .execute();
      // Pruning deletes lapsed ticks by expiry.
      await db.schema.createIndex('job_runs_expires_idx').on('job_runs').column('expires_at').execute();

      // The audit log is listed newest first, by lab (audit_log_lab_idx) or by actor.
      await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor', 'at']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('audit_log_actor_idx').execute();
      await db.schema.dropTable('job_runs').execute();
      for (const column of [
        'claim_expires_at',
        'claimed_by',
        'last_activity_at',
        'powered_on_since',
        'powered_on_ms',
        'extensions',
      ]) {
        await db.schema.alterTable('labs').dropColumn(column).execute();
      }
    },
  };
}
