/**
 * Issue 18 item 2, scheduled labs: when the owner wants the lab ready, when the controller starts its deploy, and when
 * the owner was told it would be late. Existing labs get NULLs: not scheduled. A partial index keeps finding the
 * labs still waiting cheap however many ended labs the table holds. Frozen once released, like 001.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export function scheduledLabsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds exactly one.
      await db.schema.alterTable('labs').addColumn('ready_by', 'text').execute();
      await db.schema.alterTable('labs').addColumn('deploy_at', 'text').execute();
      await db.schema.alterTable('labs').addColumn('late_warned_at', 'text').execute();
      await db.schema
        .createIndex('labs_scheduled_deploy_at_idx')
        .on('labs')
        .column('deploy_at')
        .where(sql<boolean>`phase = 'scheduled'`)
        .execute();
      // Learning a template's deploy time reads its latest ready labs.
      await db.schema
        .createIndex('labs_template_ready_at_idx')
        .on('labs')
        .columns(['template', 'ready_at'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('labs_template_ready_at_idx').execute();
      await db.schema.dropIndex('labs_scheduled_deploy_at_idx').execute();
      for (const column of ['late_warned_at', 'deploy_at', 'ready_by']) {
        await db.schema.alterTable('labs').dropColumn(column).execute();
      }
    },
  };
}
