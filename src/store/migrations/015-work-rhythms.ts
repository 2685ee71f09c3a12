/**
 * Issue 19 item 2: the reaper's working-day profiles (src/reaper/work-rhythm.ts), one row per owner and per lab: a
 * small JSON record replaced every cycle (its size does not grow with history) and pruned by age. Frozen once
 * released, like 001.
 */
import { type Kysely, type Migration } from 'kysely';

export function workRhythmsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('work_rhythms')
        // rhythmKey: `owner:<Slack user>` or `lab:<lab id>`.
        .addColumn('subject', 'text', (c) => c.primaryKey())
        // The WorkRhythm as JSON text (parseRhythm reads it back); text, not jsonb, so both dialects store it alike.
        .addColumn('rhythm', 'text', (c) => c.notNull())
        // ISO 8601 UTC text, like every timestamp; prune deletes by it.
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('work_rhythms_updated_at')
        .on('work_rhythms')
        .column('updated_at')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('work_rhythms').execute();
    },
  };
}
