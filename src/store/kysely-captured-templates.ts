import { type Kysely } from 'kysely';
import { DuplicateTemplateError } from '../labs/errors';
import { type CapturedTemplate, type CapturedTemplateStore } from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { type CapturedTemplateRow, type LabbotSchema } from './schema';
import { textToTimestamp, timestampToText } from './timestamp';

/**
 * CapturedTemplateStore over the `captured_templates` table (migrations 005 and 007), for SQLite and PostgreSQL
 * alike. The key is the primary key, so two replicas registering one capture agree.
 */
export class KyselyCapturedTemplates implements CapturedTemplateStore {
  private readonly db: Kysely<LabbotSchema>;

  /** Takes an open, migrated database (it does not close it). */
  constructor(database: LabbotDatabase) {
    this.db = database.kysely;
  }

  /** Every captured template, oldest first. */
  async list(): Promise<CapturedTemplate[]> {
    const rows = await this.db
      .selectFrom('captured_templates')
      .selectAll()
      .orderBy('captured_at')
      .orderBy('key')
      .execute();
    return rows.map(rowToTemplate);
  }

  async get(key: string): Promise<CapturedTemplate | undefined> {
    const row = await this.db
      .selectFrom('captured_templates')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? rowToTemplate(row) : undefined;
  }

  /**
   * Registers the template. Registering the same key and catalog item again does nothing (a capture resumed after
   * a restart registers twice).
   * @throws DuplicateTemplateError when the key already names another catalog item; RangeError for an unstorable date.
   */
  async save(template: CapturedTemplate): Promise<void> {
    await this.db
      .insertInto('captured_templates')
      .values({
        key: template.key,
        catalog_item: template.catalogItem,
        catalog: template.catalog,
        base_template: template.baseTemplate,
        source_lab_id: template.sourceLabId,
        captured_by: template.capturedBy,
        captured_at: timestampToText(template.capturedAt, `captured template ${template.key}: capturedAt`),
        published_at:
          template.publishedAt === undefined
            ? null
            : timestampToText(template.publishedAt, `captured template ${template.key}: publishedAt`),
        published_by: template.publishedBy ?? null,
      })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const stored = await this.get(template.key);
    if (stored && (stored.catalogItem !== template.catalogItem || stored.catalog !== template.catalog)) {
      throw new DuplicateTemplateError(template.key);
    }
  }

  /**
   * Publishes the template to everyone. The first publication stands (publishing again changes nothing); an unknown
   * key does nothing.
   * @throws RangeError for an unstorable date.
   */
  async publish(key: string, by: string, at: Date): Promise<void> {
    await this.db
      .updateTable('captured_templates')
      .set({
        published_at: timestampToText(at, `captured template ${key}: publishedAt`),
        published_by: by,
      })
      .where('key', '=', key)
      .where('published_at', 'is', null)
      .execute();
  }

  /** Deletes the registration; the VCD catalog item is not touched. True when there was one. */
  async remove(key: string): Promise<boolean> {
    const result = await this.db.deleteFrom('captured_templates').where('key', '=', key).executeTakeFirst();
    return result.numDeletedRows > BigInt(0);
  }
}

function rowToTemplate(row: CapturedTemplateRow): CapturedTemplate {
  const publishedAt = row.published_at === null ? undefined : textToTimestamp(row.published_at);
  return {
    key: row.key,
    catalogItem: row.catalog_item,
    catalog: row.catalog,
    baseTemplate: row.base_template,
    sourceLabId: row.source_lab_id,
    capturedBy: row.captured_by,
    // Written by save() only, so always valid; the epoch stands in rather than failing a whole listing.
    capturedAt: textToTimestamp(row.captured_at) ?? new Date(0),
    // Absent, not undefined, when private, so that a template read back is deep-equal to the one saved.
    ...(publishedAt !== undefined ? { publishedAt } : {}),
    ...(row.published_by !== null ? { publishedBy: row.published_by } : {}),
  };
}
