/**
 * Issue 19 item 1: the restore window. A lab the reaper would delete is suspended first and deleted only if still
 * unclaimed at `restore_until`. Existing labs get NULL: no restore window under way. Frozen once released, like 001.
 */
import { type Kysely, type Migration } from 'kysely';

export function restoreWindowMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // ISO 8601 UTC text, like every timestamp. Read with the lab, never looked up by itself: no index.
      await db.schema.alterTable('labs').addColumn('restore_until', 'text').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('labs').dropColumn('restore_until').execute();
    },
  };
}
