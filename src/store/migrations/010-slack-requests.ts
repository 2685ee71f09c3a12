/**
 * Issue 14 item 4: signed Slack requests already served, so that a replay within Slack's five-minute window is
 * refused by every replica sharing the database (Bolt checks only the timestamp). Rows live a few minutes and are
 * pruned by age. Frozen once released, like 001.
 */
import { type Kysely, type Migration } from 'kysely';

export function slackRequestsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('slack_requests_seen')
        // SHA-256 of the request's signature header (the signature covers timestamp and body).
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('slack_requests_seen_expires_at')
        .on('slack_requests_seen')
        .column('expires_at')
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('slack_requests_seen').execute();
    },
  };
}
