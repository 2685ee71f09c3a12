/**
 * Issue 14 (items 3 and 7). Frozen once released, like the others.
 *
 * * One live lab per ticket whatever its case: the live-ticket index compares `upper(ticket)` (an expression index,
 *   partial as before; both dialects have them), so `TKT-2` and `tkt-2` cannot both have a live lab. Should a database already hold two live labs whose tickets differ
 *   only in case, the migration stops and names them: which one to keep is a person's call.
 * * Captured templates are private to whoever captured them until an admin publishes them: `published_at` and
 *   `published_by`. Existing captured templates start private: until now any owner's capture was offered to
 *   everyone, which is what this closes; an admin publishes the ones meant for all (`/lab templates publish`).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { LIVE_TICKET_INDEX_ENDED_PHASES } from './001-initial';

export function safetyLimitsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const ended = sql.join(LIVE_TICKET_INDEX_ENDED_PHASES.map((phase) => sql.lit(phase)));
      await refuseCaseClashes(db, ended);
      await db.schema.dropIndex('labs_live_ticket_uq').execute();
      await db.schema
        .createIndex('labs_live_ticket_ci_uq')
        .on('labs')
        .unique()
        .expression(sql`upper(ticket)`)
        .where(sql<boolean>`ticket is not null and phase not in (${ended})`)
        .execute();

      // One column per statement: SQLite's ALTER TABLE adds exactly one. ISO 8601 UTC text, like every timestamp.
      await db.schema.alterTable('captured_templates').addColumn('published_at', 'text').execute();
      await db.schema.alterTable('captured_templates').addColumn('published_by', 'text').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const column of ['published_by', 'published_at']) {
        await db.schema.alterTable('captured_templates').dropColumn(column).execute();
      }
      await db.schema.dropIndex('labs_live_ticket_ci_uq').execute();
      const ended = sql.join(LIVE_TICKET_INDEX_ENDED_PHASES.map((phase) => sql.lit(phase)));
      await db.schema
        .createIndex('labs_live_ticket_uq')
        .on('labs')
        .column('ticket')
        .unique()
        .where(sql<boolean>`ticket is not null and phase not in (${ended})`)
        .execute();
    },
  };
}

/** Stops the migration, naming the labs, when two live labs have tickets that differ only in case. */
async function refuseCaseClashes(db: Kysely<unknown>, ended: ReturnType<typeof sql.join>): Promise<void> {
  const { rows } = await sql<{ key: string; ids: string }>`
    select upper(ticket) as key, min(id) || ', ' || max(id) as ids
    from labs
    where ticket is not null and phase not in (${ended})
    group by upper(ticket)
    having count(*) > 1`.execute(db);
  if (rows.length > 0) {
    const clashes = rows.map((row) => `${row.key} (labs ${row.ids})`).join('; ');
    throw new Error(
      `Tickets are now one lab each whatever their case, but these tickets have two live labs: ${clashes}. ` +
        'Tear down the one you do not need (`/lab teardown LAB`), wait until it is deleted, then start labbot again.',
    );
  }
}
