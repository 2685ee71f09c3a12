import { type Kysely, sql } from 'kysely';
import { DuplicateLabError, LiveTicketConflictError } from '../labs/errors';
import { type Lab, type LabRequestChanges } from '../labs/lab';
import { type LimitRefusal, type OwnerLabsCheck } from '../labs/limits';
import {
  type DeployDuration,
  type DeployHistory,
  type LabQuery,
  type LabStore,
  type Logger,
  type TransferOutcome,
} from '../labs/ports';
import { compiledOnce, type CompiledQueryOf } from './compiled-once';
import { exclusively } from './exclusive';
import { followLab, ledgerFieldsOf } from './kysely-billing-ledger';
import { NOT_ENDED } from './lab-filters';
import { controllerColumns, labToRow, requestColumns, rowToLab } from './lab-row';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema, type LabRow } from './schema';

/**
 * LabStore over Kysely, for SQLite and PostgreSQL alike. Each method is one statement or one transaction, so every
 * write is atomic per lab, and each writer's method touches only its own columns. Inserts and controller updates
 * also write the lab's billing ledger (kysely-billing-ledger.ts) in the same transaction. The replica
 * claim columns belong to KyselyWorkClaims: nothing here reads or writes them.
 */
export class KyselyLabStore implements LabStore, DeployHistory {
  private readonly db: Kysely<LabbotSchema>;
  private readonly logger: Logger | undefined;
  private readonly listQueries = new Map<string, CompiledQueryOf<LabRow>>();

  /** Takes an open, migrated database; `close` closes it. Logs through the database's logger, if it has one. */
  constructor(private readonly database: LabbotDatabase) {
    this.db = database.kysely;
    this.logger = database.logger;
  }

  /**
   * Stores a new lab.
   * @throws DuplicateLabError when a lab with this id exists (live or ended).
   * @throws LiveTicketConflictError when another live lab has the same ticket.
   * @throws RangeError when one of its dates cannot be stored (see labToRow).
   */
  async insert(lab: Lab): Promise<void> {
    const row = labToRow(lab);
    await this.write(lab, () =>
      this.database.kysely.transaction().execute((trx) => insertRow(trx, lab.id, row, lab)),
    );
  }

  /**
   * Stores a new lab unless `check` refuses it, atomically per owner (see exclusive.ts): two replicas, or thirty
   * concurrent `/lab demo` of one person, cannot all read "under the limit" and all insert.
   * @throws DuplicateLabError, LiveTicketConflictError and RangeError as `insert` does.
   */
  async insertWithinLimits(lab: Lab, check: OwnerLabsCheck): Promise<LimitRefusal | undefined> {
    const row = labToRow(lab);
    return this.write(lab, () =>
      exclusively(this.database, ownerLockKey(lab.owner), async (db) => {
        const refusal = check(await liveLabsOf(db, lab.owner));
        if (refusal !== undefined) {
          return refusal;
        }
        await insertRow(db, lab.id, row, lab);
        return undefined;
      }),
    );
  }

  /**
   * Hands a live lab of `from` to `changes.owner` if `check` passes on the receiver's live labs, under the receiver's
   * lock (the sender's count only goes down, so theirs is not needed).
   * @throws RangeError when a date in `changes` cannot be stored.
   */
  async transferWithinLimits(
    id: string,
    from: string,
    changes: LabRequestChanges & { owner: string },
    check: OwnerLabsCheck,
  ): Promise<TransferOutcome> {
    const columns = requestColumns(id, changes);
    return exclusively(this.database, ownerLockKey(changes.owner), async (db) => {
      const refusal = check(await liveLabsOf(db, changes.owner));
      if (refusal !== undefined) {
        return { status: 'refused', refusal };
      }
      const result = await db
        .updateTable('labs')
        .set(columns)
        .where('id', '=', id)
        .where('owner', '=', from)
        .where(NOT_ENDED)
        .executeTakeFirstOrThrow();
      return result.numUpdatedRows === BigInt(0) ? { status: 'stale' } : { status: 'moved' };
    });
  }

  /**
   * Records the controller's view of a lab: every field but the request's (REQUEST_FIELDS in lab.ts: desired, owner,
   * expiresAt, extensions, lastActivityAt, reapWarnedAt, snoozedUntil, captureAs, keepaliveToken), which belong to
   * applyRequest, and `channel` and `messageTs`, which belong to setMessageRef, so that a stale copy held by the
   * controller cannot undo a teardown, an extension, a hand-off (and its new keep-alive token), a reaper warning or a
   * snooze, nor lose the message reference. Absent optional fields are cleared. Does nothing if the lab does not
   * exist.
   * @throws LiveTicketConflictError when the change would give a ticket a second live lab.
   * @throws RangeError when one of its dates or counts cannot be stored (see labToRow).
   */
  async update(lab: Lab): Promise<void> {
    const columns = controllerColumns(lab);
    // The row and its billing ledger in one transaction, serialised per lab (exclusive.ts): a crash between them, or
    // a second replica saving the same lab, can neither lose an interval nor open a second one.
    const updated = await this.write(lab, () =>
      exclusively(this.database, ledgerLockKey(lab.id), async (db) => {
        const before = await ledgerFieldsOf(db, lab.id);
        if (before === undefined) {
          return false;
        }
        await db.updateTable('labs').set(columns).where('id', '=', lab.id).execute();
        await followLab(db, lab.id, before, lab);
        return true;
      }),
    );
    this.warnIfMissing(updated ? BigInt(1) : BigInt(0), lab.id, 'update');
  }

  /**
   * Writes only the request fields present in `changes` (use cases' and the reaper's fields), in one statement. A key
   * present with the value `undefined` clears an optional field (lastActivityAt, reapWarnedAt, snoozedUntil); an
   * absent key, or `undefined` for a required field, leaves the field alone. Does nothing if the lab does not exist
   * or `changes` has nothing to write.
   * @throws RangeError when a date or count in `changes` cannot be stored.
   */
  async applyRequest(id: string, changes: LabRequestChanges): Promise<void> {
    const columns = requestColumns(id, changes);
    if (Object.keys(columns).length === 0) {
      return;
    }
    const result = await this.db
      .updateTable('labs')
      .set(columns)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    this.warnIfMissing(result.numUpdatedRows, id, 'applyRequest');
  }

  /** Records only where the lab's chat message lives (the notifier's fields). Does nothing if the lab does not exist. */
  async setMessageRef(id: string, channel: string, messageTs: string): Promise<void> {
    const result = await this.db
      .updateTable('labs')
      .set({ channel, message_ts: messageTs })
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    this.warnIfMissing(result.numUpdatedRows, id, 'setMessageRef');
  }

  /**
   * The lab with this id, live or ended.
   * @throws CorruptLabRowError when its row holds something labbot never writes.
   */
  async get(id: string): Promise<Lab | undefined> {
    const row = await this.db.selectFrom('labs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToLab(row);
  }

  /**
   * Labs oldest first, of one owner if given, ended ones (deleted, failed) only with `includeEnded`.
   * @throws CorruptLabRowError when a row holds something labbot never writes.
   */
  async list(query: LabQuery): Promise<Lab[]> {
    const owner = query.owner;
    const compiled = this.listQuery(owner !== undefined, query.includeEnded === true);
    const { rows } = await this.db.executeQuery(compiled(owner !== undefined ? [owner] : []));
    return rows.map(rowToLab);
  }

  /** `list`'s select for one shape of LabQuery, compiled on first use (compiled-once.ts: `/lab list` runs it). */
  private listQuery(byOwner: boolean, includeEnded: boolean): CompiledQueryOf<LabRow> {
    const shape = `${byOwner ? 'owner' : 'all'} ${includeEnded ? 'ended' : 'live'}`;
    let compiled = this.listQueries.get(shape);
    if (compiled === undefined) {
      let select = this.db.selectFrom('labs').selectAll();
      if (byOwner) {
        // A stand-in: the owner is a bound parameter, given per call.
        select = select.where('owner', '=', '');
      }
      if (!includeEnded) {
        select = select.where(NOT_ENDED);
      }
      // The id breaks ties between labs created in the same millisecond, so that pages and tests are stable.
      compiled = compiledOnce(select.orderBy('created_at').orderBy('id'));
      this.listQueries.set(shape, compiled);
    }
    return compiled;
  }

  /**
   * The ticket's lab that is neither deleted nor failed; the database holds at most one (labs_live_ticket_ci_uq,
   * migration 007). Tickets match whatever their case, by the index's own expression `upper(ticket)`.
   * @throws CorruptLabRowError when its row holds something labbot never writes.
   */
  async findLiveByTicket(ticket: string): Promise<Lab | undefined> {
    const row = await this.db
      .selectFrom('labs')
      .selectAll()
      // upper() on both sides: the database's own case folding, exactly as the index applies it.
      .where(sql<string>`upper(ticket)`, '=', sql<string>`upper(${ticket})`)
      .where(NOT_ENDED)
      .executeTakeFirst();
    return row && rowToLab(row);
  }

  /**
   * Labs the controller must still drive, oldest first: every lab not in a terminal phase, whatever its desired
   * state. A lab in a terminal phase is never returned even when its desired state is not met (a failed lab still
   * "desired running"): nothing is left to do for it (controller/next-step.ts stops there), and returning it would
   * keep it on every pass forever.
   * @throws CorruptLabRowError when a row holds something labbot never writes.
   */
  async listActive(): Promise<Lab[]> {
    const rows = await this.db
      .selectFrom('labs')
      .selectAll()
      .where(NOT_ENDED)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(rowToLab);
  }

  /**
   * The template's latest deploys that reached ready, newest first: ready minus the deploy's start (a scheduled lab's
   * deploy time, else its creation). Labs that failed never reached ready and are not counted; a deploy that failed
   * is not a slow one. Uses labs_template_ready_at_idx (migration 011).
   */
  async recentDeploys(template: string, limit: number): Promise<DeployDuration[]> {
    const rows = await this.db
      .selectFrom('labs')
      .select(['id', 'created_at', 'deploy_at', 'ready_at'])
      .where('template', '=', template)
      .where('ready_at', 'is not', null)
      .orderBy('ready_at', 'desc')
      .limit(limit)
      .execute();
    const deploys: DeployDuration[] = [];
    for (const row of rows) {
      const start = Date.parse(row.deploy_at ?? row.created_at);
      const ready = Date.parse(row.ready_at ?? '');
      // Rows labbot never writes (unparsable text) are skipped: one bad row must not stop scheduling.
      if (Number.isFinite(start) && Number.isFinite(ready) && ready >= start) {
        deploys.push({ labId: row.id, minutes: (ready - start) / 60_000 });
      }
    }
    return deploys;
  }

  /** Closes the database; later calls do nothing. */
  async close(): Promise<void> {
    await this.database.close();
  }

  // The contract makes a write to a missing lab a no-op; it still means a caller holds a lab the store never had.
  private warnIfMissing(updatedRows: bigint, labId: string, operation: string): void {
    if (updatedRows === BigInt(0)) {
      this.logger?.warn({ labId, operation }, 'write to a lab that is not in the store ignored');
    }
  }

  /** Runs a write, turning a clash on the live-ticket index into LiveTicketConflictError. */
  private async write<T>(lab: Lab, statement: () => Promise<T>): Promise<T> {
    try {
      return await statement();
    } catch (error) {
      if (lab.ticket !== undefined && isLiveTicketViolation(error)) {
        throw new LiveTicketConflictError(lab.id, lab.ticket, { cause: error });
      }
      throw error;
    }
  }
}

/** Lock key of a lab's billing ledger (exclusive.ts). */
function ledgerLockKey(labId: string): string {
  return `labbot.lab-ledger:${labId}`;
}

/** Lock key of an owner's limits (exclusive.ts). */
function ownerLockKey(owner: string): string {
  return `labbot.owner-limits:${owner}`;
}

/** The owner's labs that have not ended, oldest first, read inside the caller's transaction. */
async function liveLabsOf(db: Kysely<LabbotSchema>, owner: string): Promise<Lab[]> {
  const rows = await db
    .selectFrom('labs')
    .selectAll()
    .where('owner', '=', owner)
    .where(NOT_ENDED)
    // A class lab counts against its trainer (kysely-class-store.ts), never against the student who owns it.
    .where('id', 'not in', db.selectFrom('class_seats').select('lab_id'))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(rowToLab);
}

/**
 * Inserts a lab row. ON CONFLICT on the id alone: an id clash becomes "no row inserted" in both dialects, with no
 * error text to parse, while a ticket clash still raises.
 * @throws DuplicateLabError when the id exists.
 */
async function insertRow(db: Kysely<LabbotSchema>, id: string, row: LabRow, lab: Lab): Promise<void> {
  const result = await db
    .insertInto('labs')
    .values(row)
    .onConflict((conflict) => conflict.column('id').doNothing())
    .executeTakeFirstOrThrow();
  if (result.numInsertedOrUpdatedRows === BigInt(0)) {
    throw new DuplicateLabError(id);
  }
  // Its first interval (storage from creation, or running for an adopted lab that is powered on), with the row.
  await followLab(db, id, undefined, lab);
}

/** The live-ticket index, case-insensitive since migration 007 (labs_live_ticket_uq before it). */
const LIVE_TICKET_INDEXES = ['labs_live_ticket_ci_uq', 'labs_live_ticket_uq'];

/**
 * True for a unique violation of the live-ticket index. PostgreSQL names the index (23505 with `constraint`); SQLite
 * names an expression index ("UNIQUE constraint failed: index 'labs_live_ticket_ci_uq'") and a column index by its
 * column ("labs.ticket", which only the old index made unique).
 */
function isLiveTicketViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { code, constraint, message } = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') {
    return typeof constraint === 'string' && LIVE_TICKET_INDEXES.includes(constraint);
  }
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof message === 'string' &&
    (message.includes('labs.ticket') || LIVE_TICKET_INDEXES.some((index) => message.includes(`'${index}'`)))
  );
}
