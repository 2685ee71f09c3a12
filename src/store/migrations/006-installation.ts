/**
 * Issue 14: the installation's identity and the VCD it manages (one row), and reconciliation's first sightings, so
 * that it acts only on what it saw on two passes some minutes apart, whichever replica saw it. Frozen once released,
 * like the others. An existing store gets its installation row on its next start (with a new id: its vApps, created
 * before ids existed, are retagged because it has their rows).
 */
import { type Kysely, type Migration } from 'kysely';

export function installationMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('installation')
        // Always 'this': the primary key is what makes a second installation row impossible, so replicas racing on
        // the first start agree on one id.
        .addColumn('singleton', 'text', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('vcd_endpoint', 'text', (c) => c.notNull())
        .addColumn('vcd_org', 'text', (c) => c.notNull())
        .addColumn('vcd_vdc', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('reconcile_sightings')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reconcile_sightings_pk', ['kind', 'subject'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('reconcile_sightings').execute();
      await db.schema.dropTable('installation').execute();
    },
  };
}
