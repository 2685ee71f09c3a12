/**
 * Issue 8, `/lab capture`: per lab, the template key asked for and the VCD catalog item name of the capture under
 * way; and the captured templates themselves. Frozen once released, like 001. Existing labs get NULLs: no capture.
 * (004 belongs to the networking work; the two touch different columns and tables.)
 */
import { type Kysely, type Migration } from 'kysely';

export function captureMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds exactly one.
      await db.schema.alterTable('labs').addColumn('capture_as', 'text').execute();
      await db.schema.alterTable('labs').addColumn('capture_name', 'text').execute();
      await db.schema
        .createTable('captured_templates')
        // The key users type; the primary key is what makes two captures into one key impossible.
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('catalog_item', 'text', (c) => c.notNull())
        .addColumn('catalog', 'text', (c) => c.notNull())
        .addColumn('base_template', 'text', (c) => c.notNull())
        // No foreign key: the template outlives its lab, whose row may be pruned some day.
        .addColumn('source_lab_id', 'text', (c) => c.notNull())
        .addColumn('captured_by', 'text', (c) => c.notNull())
        .addColumn('captured_at', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('captured_templates').execute();
      for (const column of ['capture_name', 'capture_as']) {
        await db.schema.alterTable('labs').dropColumn(column).execute();
      }
    },
  };
}
