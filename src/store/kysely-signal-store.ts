import { type Kysely, sql } from 'kysely';
import { type LabSignal, type SignalStore } from '../labs/ports';
import { exclusively } from './exclusive';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema, type LabSignalRow } from './schema';
import { CorruptSignalRowError } from './store-errors';
import { textToTimestamp, timestampToText } from './timestamp';

// A Record so that the compiler fails here when the domain adds a kind.
const KINDS: Record<LabSignal['kind'], true> = { cpu: true, network: true, keepalive: true };

/**
 * Rows per INSERT. Each row binds 4 parameters; SQLite (as better-sqlite3 builds it) allows 32,766 per statement and
 * PostgreSQL 65,535, so 5,000 rows (20,000 parameters) fit both with room to spare. A pass over a few thousand labs
 * is one statement; a bigger batch is several, in one transaction.
 */
export const SIGNAL_ROWS_PER_INSERT = 5_000;

/**
 * Lab ids per `IN (…)` list in `recent`: far below both dialects' parameter limits, and short enough that each
 * statement stays cheap to parse and plan. Thousands of labs take a few statements.
 */
export const SIGNAL_IDS_PER_QUERY = 1_000;

/**
 * SignalStore over the `lab_signals` table (migration 003), for SQLite and PostgreSQL alike: a short, append-only
 * history of usage observations per lab that the reaper writes each pass, reads back for its decisions and prunes.
 */
export class KyselySignalStore implements SignalStore {
  private readonly db: Kysely<LabbotSchema>;

  /** Takes an open, migrated database (it does not close it). */
  constructor(private readonly database: LabbotDatabase) {
    this.db = database.kysely;
  }

  /**
   * Records a keep-alive signal unless the lab has one less than a window before or after `at`: the check and the
   * insert are one statement under the lab's lock (exclusive.ts), so concurrent calls on several replicas still
   * record one row.
   * @returns true when a row was recorded, false when the call was coalesced into the previous one.
   * @throws RangeError when `at` is not a storable date or `windowMs` is not a positive number.
   */
  async recordKeepalive(labId: string, at: Date, windowMs: number): Promise<boolean> {
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
      throw new RangeError(`keep-alive window must be a positive number of milliseconds, got ${windowMs}`);
    }
    const row = signalToRow({ labId, at, kind: 'keepalive' });
    // Within a window either side, so that calls arriving out of order (several replicas, a slow request) still
    // leave recorded keep-alives at least a window apart.
    const since = timestampToText(new Date(at.getTime() - windowMs), 'keep-alive window start');
    const until = timestampToText(new Date(at.getTime() + windowMs), 'keep-alive window end');
    return exclusively(this.database, `labbot.keepalive:${labId}`, async (db) => {
      // INSERT … SELECT … WHERE NOT EXISTS: the same text in both dialects, and no row read back to decide.
      const result = await db
        .insertInto('lab_signals')
        // No value column: a keep-alive carries none, and its NULL default needs no type from a bare parameter.
        .columns(['lab_id', 'at', 'kind'])
        .expression(
          db
            .selectNoFrom([
              // Cast so that PostgreSQL knows the parameters' type in a select list.
              sql<string>`cast(${row.lab_id} as text)`.as('lab_id'),
              sql<string>`cast(${row.at} as text)`.as('at'),
              sql<string>`cast(${row.kind} as text)`.as('kind'),
            ])
            .where((eb) =>
              eb.not(
                eb.exists(
                  db
                    .selectFrom('lab_signals')
                    .select('id')
                    .where('lab_id', '=', labId)
                    .where('kind', '=', 'keepalive')
                    .where('at', '>', since)
                    .where('at', '<', until),
                ),
              ),
            ),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    });
  }

  /**
   * Appends the signals, all or none: one INSERT for up to SIGNAL_ROWS_PER_INSERT signals, several in one
   * transaction beyond that. Every signal is checked before anything is written.
   * @throws RangeError when a signal's `at` is not a storable date, its value is not a finite number, or its kind is
   *   unknown (NaN would be stored as NULL by SQLite and as NaN by PostgreSQL; neither means anything to the reaper).
   */
  async record(signals: LabSignal[]): Promise<void> {
    const rows = signals.map(signalToRow);
    if (rows.length === 0) {
      return;
    }
    const chunks = chunk(rows, SIGNAL_ROWS_PER_INSERT);
    if (chunks.length === 1) {
      await this.db.insertInto('lab_signals').values(rows).execute();
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks) {
        await trx.insertInto('lab_signals').values(part).execute();
      }
    });
  }

  /**
   * The signals of these labs at or after `since`, oldest first (signals of the same millisecond in the order they
   * were recorded). Ids may repeat; an empty list gives an empty result without a query. Any number of ids works:
   * they are queried SIGNAL_IDS_PER_QUERY at a time and the results merged.
   * @throws RangeError when `since` is not a storable date.
   * @throws CorruptSignalRowError when a row holds something labbot never writes.
   */
  async recent(labIds: string[], since: Date): Promise<LabSignal[]> {
    const sinceText = timestampToText(since, 'recent signals: since');
    const ids = [...new Set(labIds)];
    let rows: LabSignalRow[] = [];
    for (const part of chunk(ids, SIGNAL_IDS_PER_QUERY)) {
      const found = await this.db
        .selectFrom('lab_signals')
        .selectAll()
        .where('lab_id', 'in', part)
        .where('at', '>=', sinceText)
        .execute();
      // concat, not push(...found): a chunk can return more rows than a call may take arguments.
      rows = rows.concat(found);
    }
    // Sorted here rather than by ORDER BY: the rows of several statements have to be merged anyway. Fixed-width ISO
    // text sorts as time; the id, ascending per insert, breaks ties.
    return rows.sort(compareRows).map(rowToSignal);
  }

  /**
   * Deletes the signals older than `before` (strictly), across all labs.
   * @returns how many were deleted.
   * @throws RangeError when `before` is not a storable date.
   */
  async prune(before: Date): Promise<number> {
    const beforeText = timestampToText(before, 'prune signals: before');
    const result = await this.db.deleteFrom('lab_signals').where('at', '<', beforeText).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function signalToRow(signal: LabSignal): Omit<LabSignalRow, 'id'> {
  const what = `signal of lab ${signal.labId}`;
  if (!Object.hasOwn(KINDS, signal.kind)) {
    throw new RangeError(`${what}: unknown kind ${JSON.stringify(signal.kind)}`);
  }
  if (signal.value !== undefined && !Number.isFinite(signal.value)) {
    throw new RangeError(`${what}: value must be a finite number, got ${String(signal.value)}`);
  }
  return {
    lab_id: signal.labId,
    at: timestampToText(signal.at, `${what}: at`),
    kind: signal.kind,
    value: signal.value ?? null,
  };
}

function rowToSignal(row: LabSignalRow): LabSignal {
  const id = String(row.id);
  const at = textToTimestamp(row.at);
  if (at === undefined) {
    throw new CorruptSignalRowError(
      id,
      'at',
      `expected an ISO 8601 UTC timestamp, got ${JSON.stringify(row.at)}`,
    );
  }
  if (!Object.hasOwn(KINDS, row.kind)) {
    throw new CorruptSignalRowError(id, 'kind', `unknown value ${JSON.stringify(row.kind)}`);
  }
  const signal: LabSignal = { labId: row.lab_id, at, kind: row.kind as LabSignal['kind'] };
  // Assigned only when present, so that a signal without a value reads back without the key (as in lab-row.ts).
  if (row.value !== null) {
    if (typeof row.value !== 'number' || !Number.isFinite(row.value)) {
      throw new CorruptSignalRowError(
        id,
        'value',
        `expected a finite number, got ${JSON.stringify(row.value)}`,
      );
    }
    signal.value = row.value;
  }
  return signal;
}

function compareRows(a: LabSignalRow, b: LabSignalRow): number {
  // Plain code-unit order, as the ISO timestamps use (see kysely-work-claims.ts).
  if (a.at !== b.at) {
    return a.at < b.at ? -1 : 1;
  }
  return Number(a.id) - Number(b.id);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
