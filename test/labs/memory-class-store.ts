import {
  type ClassLabsCheck,
  type ClassSeat,
  type ClassSeating,
  type Classroom,
  type ClassStore,
  DuplicateClassError,
  liveLabs,
} from '../../src/labs/class';
import { DuplicateLabError } from '../../src/labs/errors';
import { isTerminal, type Lab } from '../../src/labs/lab';
import { type LimitRefusal } from '../../src/labs/limits';
import { type MemoryLabStore } from '../helpers/memory-lab-store';

/**
 * ClassStore in memory over a MemoryLabStore, for unit tests of ClassService: what KyselyClassStore does in one
 * transaction (test/store/kysely-class-store.test.ts pins that), here with no await between check and write.
 */
export class MemoryClassStore implements ClassStore {
  readonly classes = new Map<string, Classroom>();
  readonly seatList: ClassSeat[] = [];

  constructor(private readonly labs: MemoryLabStore) {}

  async seatWithinLimits(
    trainer: string,
    seating: ClassSeating,
    check: ClassLabsCheck,
  ): Promise<LimitRefusal | undefined> {
    if (seating.create !== undefined && this.classes.has(seating.create.name)) {
      throw new DuplicateClassError(seating.create.name);
    }
    const clash = seating.labs.find((lab) => this.labs.labs.has(lab.id));
    if (clash !== undefined) {
      throw new DuplicateLabError(clash.id);
    }
    const all = [...this.labs.labs.values()];
    const trainerClasses = new Set(
      [...this.classes.values()]
        .filter((c) => c.trainer === trainer && c.endedAt === undefined)
        .map((c) => c.name),
    );
    const classLabIds = new Set(
      this.seatList.filter((s) => trainerClasses.has(s.className)).map((s) => s.labId),
    );
    const inThisClass = new Set(
      liveLabs(
        all.filter((l) => this.seatList.some((s) => s.className === seating.className && s.labId === l.id)),
      ).map((l) => l.owner),
    );
    const refusal = check({
      trainerLabs: all.filter((l) => l.owner === trainer && !isTerminal(l) && !classLabIds.has(l.id)),
      classLabs: all.filter((l) => classLabIds.has(l.id) && !isTerminal(l)),
      studentsInClass: inThisClass.size,
    });
    if (refusal !== undefined) {
      return refusal;
    }
    if (seating.create !== undefined) {
      this.classes.set(seating.create.name, structuredClone(seating.create));
    }
    for (const lab of seating.labs) {
      await this.labs.insert(lab);
    }
    this.seatList.push(...seating.seats.map((s) => structuredClone(s)));
    return undefined;
  }

  async replaceOnce(seat: ClassSeat, lab: Lab): Promise<boolean> {
    if (this.seatList.some((s) => s.replaces === seat.replaces)) {
      return false;
    }
    await this.labs.insert(lab);
    this.seatList.push(structuredClone(seat));
    return true;
  }

  get(name: string): Promise<Classroom | undefined> {
    const found = this.classes.get(name);
    return Promise.resolve(found ? structuredClone(found) : undefined);
  }

  list(query: { trainer?: string; includeEnded?: boolean }): Promise<Classroom[]> {
    return Promise.resolve(
      [...this.classes.values()]
        .filter((c) => query.trainer === undefined || c.trainer === query.trainer)
        .filter((c) => query.includeEnded === true || c.endedAt === undefined)
        .reverse()
        .map((c) => structuredClone(c)),
    );
  }

  seats(className: string): Promise<ClassSeat[]> {
    return Promise.resolve(
      this.seatList.filter((s) => s.className === className).map((s) => structuredClone(s)),
    );
  }

  seatOf(labId: string): Promise<ClassSeat | undefined> {
    const found = this.seatList.find((s) => s.labId === labId);
    return Promise.resolve(found ? structuredClone(found) : undefined);
  }

  setRosterRef(name: string, channel: string, ts: string): Promise<boolean> {
    const found = this.classes.get(name);
    if (!found || found.rosterTs !== undefined) {
      return Promise.resolve(false);
    }
    Object.assign(found, { channel, rosterTs: ts });
    return Promise.resolve(true);
  }

  markEnded(name: string, at: Date): Promise<void> {
    const found = this.classes.get(name);
    if (found) {
      found.endedAt = at;
    }
    return Promise.resolve();
  }

  liveSeats(): Promise<{ seat: ClassSeat; classroom: Classroom }[]> {
    return Promise.resolve(
      this.seatList.flatMap((seat) => {
        const classroom = this.classes.get(seat.className);
        return classroom && classroom.endedAt === undefined ? [{ seat, classroom }] : [];
      }),
    );
  }
}
