import { type Kysely } from 'kysely';
import { DuplicateLabError } from '../labs/errors';
import {
  type ClassLabsCheck,
  type ClassSeat,
  type ClassSeating,
  type Classroom,
  type ClassStore,
  DuplicateClassError,
} from '../labs/class';
import { type Lab } from '../labs/lab';
import { type LimitRefusal } from '../labs/limits';
import { exclusively } from './exclusive';
import { NOT_ENDED } from './lab-filters';
import { labToRow, rowToLab } from './lab-row';
import { type LabbotDatabase } from './labbot-database';
import { type ClassesTable, type ClassSeatsTable, type LabbotSchema } from './schema';
import { textToTimestamp, timestampToText } from './timestamp';
import { CorruptRowError } from './store-errors';

/**
 * ClassStore over Kysely (migration 012), for SQLite and PostgreSQL alike. A class and its labs are written in one
 * transaction under the trainer's limits lock, the very lock LabStore.insertWithinLimits takes for the trainer's own
 * labs, so a class and the trainer's deploys cannot together pass the spend cap.
 */
export class KyselyClassStore implements ClassStore {
  private readonly db: Kysely<LabbotSchema>;

  constructor(private readonly database: LabbotDatabase) {
    this.db = database.kysely;
  }

  async seatWithinLimits(
    trainer: string,
    seating: ClassSeating,
    check: ClassLabsCheck,
  ): Promise<LimitRefusal | undefined> {
    const classRow = seating.create ? classToRow(seating.create) : undefined;
    const labRows = seating.labs.map(labToRow);
    const seatRows = seating.seats.map(seatToRow);
    return exclusively(this.database, ownerLockKey(trainer), async (db) => {
      const trainerLabs = await db
        .selectFrom('labs')
        .selectAll()
        .where('owner', '=', trainer)
        .where(NOT_ENDED)
        .where('id', 'not in', db.selectFrom('class_seats').select('lab_id'))
        .execute();
      const classLabs = await db
        .selectFrom('labs')
        .innerJoin('class_seats', 'class_seats.lab_id', 'labs.id')
        .innerJoin('classes', 'classes.name', 'class_seats.class_name')
        .selectAll('labs')
        .select('class_seats.class_name')
        .where('classes.trainer', '=', trainer)
        .where('classes.ended_at', 'is', null)
        .where(NOT_ENDED)
        .execute();
      const studentsInClass = new Set(
        classLabs.filter((row) => row.class_name === seating.className).map((row) => row.owner),
      ).size;
      const refusal = check({
        trainerLabs: trainerLabs.map(rowToLab),
        classLabs: classLabs.map(({ class_name: _ignored, ...row }) => rowToLab(row)),
        studentsInClass,
      });
      if (refusal !== undefined) {
        return refusal;
      }
      if (classRow) {
        const inserted = await db
          .insertInto('classes')
          .values(classRow)
          .onConflict((c) => c.column('name').doNothing())
          .executeTakeFirstOrThrow();
        if (inserted.numInsertedOrUpdatedRows === BigInt(0)) {
          throw new DuplicateClassError(classRow.name);
        }
      }
      for (const row of labRows) {
        const inserted = await db
          .insertInto('labs')
          .values(row)
          .onConflict((c) => c.column('id').doNothing())
          .executeTakeFirstOrThrow();
        if (inserted.numInsertedOrUpdatedRows === BigInt(0)) {
          // Thrown inside the transaction: the class and the labs before this one are rolled back.
          throw new DuplicateLabError(row.id);
        }
      }
      if (seatRows.length > 0) {
        await db.insertInto('class_seats').values(seatRows).execute();
      }
      return undefined;
    });
  }

  async replaceOnce(seat: ClassSeat, lab: Lab): Promise<boolean> {
    if (seat.replaces === undefined) {
      throw new RangeError('a replacement seat names the lab it replaces');
    }
    const row = seatToRow(seat);
    const labRow = labToRow(lab);
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('class_seats')
        .values(row)
        // The unique index on `replaces` makes the second replacement of one lab a no-op, on any replica.
        .onConflict((c) => c.column('replaces').doNothing())
        .executeTakeFirstOrThrow();
      if (inserted.numInsertedOrUpdatedRows === BigInt(0)) {
        return false;
      }
      await trx.insertInto('labs').values(labRow).execute();
      return true;
    });
  }

  async get(name: string): Promise<Classroom | undefined> {
    const row = await this.db.selectFrom('classes').selectAll().where('name', '=', name).executeTakeFirst();
    return row && rowToClass(row);
  }

  async list(query: { trainer?: string; includeEnded?: boolean }): Promise<Classroom[]> {
    let select = this.db.selectFrom('classes').selectAll();
    if (query.trainer !== undefined) {
      select = select.where('trainer', '=', query.trainer);
    }
    if (!query.includeEnded) {
      select = select.where('ended_at', 'is', null);
    }
    const rows = await select.orderBy('created_at', 'desc').orderBy('name').execute();
    return rows.map(rowToClass);
  }

  async seats(className: string): Promise<ClassSeat[]> {
    const rows = await this.db
      .selectFrom('class_seats')
      .selectAll()
      .where('class_name', '=', className)
      .orderBy('created_at')
      .orderBy('lab_id')
      .execute();
    return rows.map(rowToSeat);
  }

  async seatOf(labId: string): Promise<ClassSeat | undefined> {
    const row = await this.db
      .selectFrom('class_seats')
      .selectAll()
      .where('lab_id', '=', labId)
      .executeTakeFirst();
    return row && rowToSeat(row);
  }

  async setRosterRef(name: string, channel: string, ts: string, replacing?: string): Promise<boolean> {
    const result = await this.db
      .updateTable('classes')
      .set({ channel, roster_ts: ts })
      .where('name', '=', name)
      .where((eb) =>
        replacing === undefined ? eb('roster_ts', 'is', null) : eb('roster_ts', '=', replacing),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async markEnded(name: string, at: Date): Promise<void> {
    await this.db
      .updateTable('classes')
      .set({ ended_at: timestampToText(at, 'class end') })
      .where('name', '=', name)
      .where('ended_at', 'is', null)
      .execute();
  }

  async liveSeats(): Promise<{ seat: ClassSeat; classroom: Classroom }[]> {
    const rows = await this.db
      .selectFrom('class_seats')
      .innerJoin('classes', 'classes.name', 'class_seats.class_name')
      .selectAll('classes')
      .select([
        'class_seats.class_name',
        'class_seats.student',
        'class_seats.lab_id',
        'class_seats.replaces',
        'class_seats.created_at as seat_created_at',
      ])
      .where('classes.ended_at', 'is', null)
      .execute();
    return rows.map((row) => ({
      classroom: rowToClass(row),
      seat: rowToSeat({
        class_name: row.class_name,
        student: row.student,
        lab_id: row.lab_id,
        replaces: row.replaces,
        created_at: row.seat_created_at,
      }),
    }));
  }
}

/** Lock key of an owner's limits; the same as KyselyLabStore's, so a class and the trainer's deploys serialise. */
function ownerLockKey(owner: string): string {
  return `labbot.owner-limits:${owner}`;
}

function classToRow(c: Classroom): ClassesTable {
  return {
    name: c.name,
    trainer: c.trainer,
    template: c.template,
    channel: c.channel ?? null,
    roster_ts: c.rosterTs ?? null,
    starts_at: timestampToText(c.startsAt, 'class start'),
    ends_at: timestampToText(c.endsAt, 'class end'),
    created_at: timestampToText(c.createdAt, 'class creation'),
    ended_at: c.endedAt ? timestampToText(c.endedAt, 'class end') : null,
  };
}

function rowToClass(row: ClassesTable): Classroom {
  const date = (text: string, column: string): Date => {
    const value = textToTimestamp(text);
    if (value === undefined) {
      throw new CorruptRowError('classes', row.name, column);
    }
    return value;
  };
  return {
    name: row.name,
    trainer: row.trainer,
    template: row.template,
    ...(row.channel !== null ? { channel: row.channel } : {}),
    ...(row.roster_ts !== null ? { rosterTs: row.roster_ts } : {}),
    startsAt: date(row.starts_at, 'starts_at'),
    endsAt: date(row.ends_at, 'ends_at'),
    createdAt: date(row.created_at, 'created_at'),
    ...(row.ended_at !== null ? { endedAt: date(row.ended_at, 'ended_at') } : {}),
  };
}

function seatToRow(seat: ClassSeat): ClassSeatsTable {
  return {
    class_name: seat.className,
    student: seat.student,
    lab_id: seat.labId,
    replaces: seat.replaces ?? null,
    created_at: timestampToText(seat.createdAt, 'seat creation'),
  };
}

function rowToSeat(row: ClassSeatsTable): ClassSeat {
  const createdAt = textToTimestamp(row.created_at);
  if (createdAt === undefined) {
    throw new CorruptRowError('class_seats', row.lab_id, 'created_at');
  }
  return {
    className: row.class_name,
    student: row.student,
    labId: row.lab_id,
    ...(row.replaces !== null ? { replaces: row.replaces } : {}),
    createdAt,
  };
}
