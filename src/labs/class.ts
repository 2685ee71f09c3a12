/**
 * Classrooms (issue 18 item 1): one lab per student, owned by the student, managed by the trainer. Pure data, the
 * limit check and the roster's figures; the use cases are in class-service.ts, the store behind ClassStore.
 */
import { committedHourlyRate, costSoFar } from './cost';
import { isTerminal, type Lab } from './lab';
import { countedLabs, type LimitRefusal } from './limits';
import { type Rates, type UserLimits } from './policy';

/** A class name as typed (`name vsphere-101`): like a template key, so it is safe in every message and filter. */
export const CLASS_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Students per class when labbot.yml says nothing (`limits.maxStudentsPerClass`). */
export const DEFAULT_MAX_STUDENTS_PER_CLASS = 30;

/** A class as the store keeps it. */
export interface Classroom {
  /** Unique, lowercase; what the trainer types (`/lab class show NAME`). */
  name: string;
  /** Slack user id of whoever created it: it manages the class, and the class counts against its limits. */
  trainer: string;
  template: string;
  /** Where the roster message lives (the channel the class was created from). */
  channel?: string;
  rosterTs?: string;
  /** Class hours: the reaper sends students no idle warnings between these (breaks included). */
  startsAt: Date;
  endsAt: Date;
  createdAt: Date;
  /** When the trainer tore the whole class down. */
  endedAt?: Date;
}

/** One student's lab in a class. A failed lab is replaced once: the replacement's seat names the lab it `replaces`. */
export interface ClassSeat {
  className: string;
  student: string;
  labId: string;
  replaces?: string;
  createdAt: Date;
}

/** Who a `/lab class` command names: a person, every member of a channel, or of a user group. */
export type StudentRef = { user: string } | { channel: string } | { userGroup: string };

/**
 * Judges a class (new, or a latecomer added) against the trainer's limits: the trainer's own live labs and the
 * live labs of their classes are read under the trainer's lock, with the class's live students.
 */
export type ClassLabsCheck = (input: {
  trainerLabs: readonly Lab[];
  classLabs: readonly Lab[];
  /** Students with a live lab in this class, before the change. */
  studentsInClass: number;
}) => LimitRefusal | undefined;

/** What a ClassStore writes in one transaction: a new class (or seats of an existing one) and their labs. */
export interface ClassSeating {
  /** Absent: seats are added to the existing class `className`. */
  create?: Classroom;
  className: string;
  labs: readonly Lab[];
  seats: readonly ClassSeat[];
}

/** Persistence of classes. */
export interface ClassStore {
  /**
   * Writes the seating unless `check` refuses, atomically with the trainer's own deploys (the same per-owner lock as
   * LabStore.insertWithinLimits). Class labs never count against their students' limits.
   * @returns the refusal, with nothing written; undefined when everything was written.
   * @throws DuplicateClassError when a new class's name is taken; DuplicateLabError on a lab id clash.
   */
  seatWithinLimits(
    trainer: string,
    seating: ClassSeating,
    check: ClassLabsCheck,
  ): Promise<LimitRefusal | undefined>;
  /**
   * Records the replacement of a failed lab (its seat and the new lab) once: a second call for the same failed lab,
   * from this replica or another, writes nothing and returns false.
   */
  replaceOnce(seat: ClassSeat, lab: Lab): Promise<boolean>;
  get(name: string): Promise<Classroom | undefined>;
  /** Classes of a trainer (or every class), newest first; ended ones only with `includeEnded`. */
  list(query: { trainer?: string; includeEnded?: boolean }): Promise<Classroom[]>;
  seats(className: string): Promise<ClassSeat[]>;
  /** The seat holding this lab, if the lab is a class lab. */
  seatOf(labId: string): Promise<ClassSeat | undefined>;
  /**
   * Records the roster message, only if the class has none yet (or still has `replacing`, the one found gone): two
   * replicas posting the first roster at once, only one is kept.
   * @returns false when another roster was recorded first.
   */
  setRosterRef(name: string, channel: string, ts: string, replacing?: string): Promise<boolean>;
  markEnded(name: string, at: Date): Promise<void>;
  /** Every seat of the classes not torn down, with its class: what the reaper needs to follow class hours. */
  liveSeats(): Promise<{ seat: ClassSeat; classroom: Classroom }[]>;
}

/** Thrown by ClassStore when a class of that name exists already. */
export class DuplicateClassError extends Error {
  constructor(readonly className: string) {
    super(`a class named ${className} exists`);
    this.name = 'DuplicateClassError';
  }
}

/**
 * The refusal for a class that would have `studentsAfter` students and add `addedHourly` to the trainer's
 * committed spend (the trainer's own labs plus every live lab of their classes), or undefined when it fits.
 * The trainer's lab count limit is about their own labs and is not touched by a class.
 */
export function classLimitRefusal(input: {
  trainerLabs: readonly Lab[];
  classLabs: readonly Lab[];
  studentsAfter: number;
  addedHourly: number;
  limits: UserLimits;
  rates: Rates;
}): LimitRefusal | undefined {
  const max = input.limits.maxStudentsPerClass ?? DEFAULT_MAX_STUDENTS_PER_CLASS;
  if (input.studentsAfter > max) {
    return {
      detail: `students per class limit ${max}`,
      message: `A class may have at most ${max} students; this one would have ${input.studentsAfter}. Split it into two classes.`,
    };
  }
  const live = countedLabs([...input.trainerLabs, ...input.classLabs]);
  const spend = live.reduce((sum, lab) => sum + committedHourlyRate(lab, input.rates), 0) + input.addedHourly;
  if (spend > input.limits.maxHourlySpendPerUser) {
    return {
      detail: `hourly spend limit ${input.limits.maxHourlySpendPerUser} (class)`,
      message: `That would bring your labs and classes to $${spend.toFixed(2)}/h, over the $${input.limits.maxHourlySpendPerUser.toFixed(2)}/h limit per person (a class counts against its trainer). Tear down a lab or a class first, or ask an admin.`,
    };
  }
  return undefined;
}

/** One row of a class's roster: the student's current lab (the replacement, when one failed). */
export interface RosterRow {
  student: string;
  lab?: Lab;
  /** The lab failed and this one replaced it. */
  replaced: boolean;
  /** Its replacement failed too: the trainer must look (nothing more is tried). */
  failedTwice: boolean;
  cost: number;
}

/** A class's roster: one row per student, in the order they were seated, and the class's total cost so far. */
export function rosterRows(
  seats: readonly ClassSeat[],
  labs: readonly Lab[],
  now: Date,
  rates: Rates,
): { rows: RosterRow[]; total: number } {
  const byId = new Map(labs.map((lab) => [lab.id, lab]));
  const students: string[] = [];
  for (const seat of seats) {
    if (!students.includes(seat.student)) {
      students.push(seat.student);
    }
  }
  // Every lab of the class bills, failed first attempts included: the total is what the class cost.
  const total = seats.reduce((sum, seat) => {
    const lab = byId.get(seat.labId);
    return sum + (lab ? costSoFar(lab, now, rates) : 0);
  }, 0);
  const rows = students.map((student) => {
    const mine = seats.filter((s) => s.student === student);
    const current = mine[mine.length - 1];
    const lab = current ? byId.get(current.labId) : undefined;
    const replaced = current?.replaces !== undefined;
    return {
      student,
      ...(lab ? { lab } : {}),
      replaced,
      failedTwice: replaced && lab?.phase === 'failed',
      cost: mine.reduce((sum, s) => {
        const l = byId.get(s.labId);
        return sum + (l ? costSoFar(l, now, rates) : 0);
      }, 0),
    };
  });
  return { rows, total };
}

/** The student's current lab in the class (the last seat), for whole-class commands. */
export function currentLabIds(seats: readonly ClassSeat[]): string[] {
  const last = new Map<string, string>();
  for (const seat of seats) {
    last.set(seat.student, seat.labId);
  }
  return [...last.values()];
}

/** Live labs among these. */
export function liveLabs(labs: readonly Lab[]): Lab[] {
  return labs.filter((lab) => !isTerminal(lab) && lab.desired !== 'deleted');
}
