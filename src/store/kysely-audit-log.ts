import { type Kysely } from 'kysely';
import { type AuditEntry, type AuditLog, type Logger } from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { type AuditLogRow, type LabbotSchema } from './schema';
import { CorruptAuditRowError, errorMessage } from './store-errors';
import { textToTimestamp, timestampToText } from './timestamp';

const RESULTS: Record<AuditEntry['result'], true> = { ok: true, denied: true, failed: true };

/** Filter for listing the audit log: one lab, one actor, or both; `limit` entries at most. */
export type AuditQuery = Parameters<AuditLog['list']>[0];

/**
 * AuditLog over Kysely, for SQLite and PostgreSQL alike. Append-only: entries are inserted, never changed.
 */
export class KyselyAuditLog implements AuditLog {
  private readonly db: Kysely<LabbotSchema>;
  private readonly logger: Logger | undefined;

  /** Takes an open, migrated database (it does not close it). Logs through the database's logger, if it has one. */
  constructor(database: LabbotDatabase) {
    this.db = database.kysely;
    this.logger = database.logger;
  }

  /**
   * Appends an entry. Never throws: the action it records has already happened, and failing it because its audit
   * line could not be written (database down, closed at shutdown, an invalid date) would be worse than a gap in
   * the log. The failure and the whole entry are logged at error level instead, so the line is not lost.
   */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.db
        .insertInto('audit_log')
        .values({
          at: timestampToText(entry.at, `audit entry ${entry.action}: at`),
          actor: entry.actor,
          lab_id: entry.labId ?? null,
          action: entry.action,
          detail: entry.detail ?? null,
          result: entry.result,
        })
        .execute();
    } catch (error) {
      try {
        this.logger?.error(
          {
            err: error,
            problem: errorMessage(error),
            at: entry.at,
            actor: entry.actor,
            labId: entry.labId,
            action: entry.action,
            detail: entry.detail,
            result: entry.result,
          },
          'audit entry not recorded',
        );
      } catch {
        // A logger that throws must not break the promise made above either.
      }
    }
  }

  /**
   * Entries newest first (by `at`, then by insertion order for entries of the same millisecond), of one lab and/or
   * one actor if given. Labs and actors match exactly.
   * @throws RangeError when `limit` is not a non-negative integer.
   * @throws CorruptAuditRowError when a row holds something labbot never writes.
   */
  async list(query: AuditQuery): Promise<AuditEntry[]> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
      throw new RangeError(`audit log: limit must be a non-negative integer, got ${query.limit}`);
    }
    if (query.limit === 0) {
      return [];
    }
    let select = this.db.selectFrom('audit_log').selectAll();
    if (query.labId !== undefined) {
      select = select.where('lab_id', '=', query.labId);
    }
    if (query.actor !== undefined) {
      select = select.where('actor', '=', query.actor);
    }
    const rows = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(rowToEntry);
  }
}

function rowToEntry(row: AuditLogRow): AuditEntry {
  const id = String(row.id);
  const at = textToTimestamp(row.at);
  if (at === undefined) {
    throw new CorruptAuditRowError(
      id,
      'at',
      `expected an ISO 8601 UTC timestamp, got ${JSON.stringify(row.at)}`,
    );
  }
  if (!Object.hasOwn(RESULTS, row.result)) {
    throw new CorruptAuditRowError(id, 'result', `unknown value ${JSON.stringify(row.result)}`);
  }
  const entry: AuditEntry = {
    at,
    actor: row.actor,
    action: row.action,
    result: row.result as AuditEntry['result'],
  };
  // Assigned one by one so that an absent column leaves no key behind (as in lab-row.ts).
  if (row.lab_id !== null) {
    entry.labId = row.lab_id;
  }
  if (row.detail !== null) {
    entry.detail = row.detail;
  }
  return entry;
}
