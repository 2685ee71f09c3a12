/**
 * Issue 18 item 1, classrooms: a class (its trainer, template, hours and roster message) and its seats, one row per
 * student's lab (a failed lab's replacement is a second seat naming the lab it replaces). No column of `labs`
 * changes: a class lab is an ordinary lab owned by its student, found through its seat. Frozen once released.
 */
import { type Kysely, type Migration } from 'kysely';

export function classesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('classes')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('trainer', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('channel', 'text')
        .addColumn('roster_ts', 'text')
        // ISO 8601 UTC text, as every timestamp (schema.ts).
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema.createIndex('classes_trainer').on('classes').column('trainer').execute();
      await db.schema
        .createTable('class_seats')
        .addColumn('class_name', 'text', (c) => c.notNull())
        .addColumn('student', 'text', (c) => c.notNull())
        // A lab is in at most one class.
        .addColumn('lab_id', 'text', (c) => c.primaryKey())
        .addColumn('replaces', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('class_seats_class').on('class_seats').column('class_name').execute();
      // What makes "a failed lab is replaced once" hold across replicas: a second replacement cannot be inserted.
      await db.schema
        .createIndex('class_seats_replaces_uq')
        .on('class_seats')
        .column('replaces')
        .unique()
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('class_seats').execute();
      await db.schema.dropTable('classes').execute();
    },
  };
}
