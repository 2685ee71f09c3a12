/**
 * Issue 8: nested-ESXi networking. Per lab, its networking progress and access info (JSON text, like `vms`); and the
 * public IPs handed to labs, one row per address. Frozen once released, like the others. Existing labs get NULL:
 * no networking, as before.
 */
import { type Kysely, type Migration } from 'kysely';

export function networkMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('labs').addColumn('network', 'text').execute();
      await db.schema
        .createTable('lab_public_ips')
        // The primary key is what makes an address go to one lab only, whichever replica allocates it: a second
        // INSERT of the same address fails (or does nothing with ON CONFLICT) in both dialects.
        .addColumn('ip', 'text', (c) => c.primaryKey())
        // One address per lab: allocating again for the same lab finds its row instead of taking a second one.
        .addColumn('lab_id', 'text', (c) => c.notNull().unique())
        .addColumn('allocated_at', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lab_public_ips').execute();
      await db.schema.alterTable('labs').dropColumn('network').execute();
    },
  };
}
