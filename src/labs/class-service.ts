/**
 * The class use cases (`/lab class …`, issue 18 item 1). Like LabService's, they check, record intent and audit,
 * then wake the controller; they never call the cloud. A class lab is an ordinary lab owned by its student (their
 * list, App Home, DMs and warnings); the class adds its trainer, who manages the labs and pays for them in limits.
 */
import { hourlyRate } from './cost';
import {
  CLASS_NAME_PATTERN,
  classLimitRefusal,
  type ClassSeat,
  type Classroom,
  type ClassStore,
  currentLabIds,
  DEFAULT_MAX_STUDENTS_PER_CLASS,
  DuplicateClassError,
  liveLabs,
  type StudentRef,
} from './class';
import { formatMinutes } from './duration';
import { DuplicateLabError, UserError } from './errors';
import { handoffRefusal } from './handoff';
import { isTerminal, type Lab } from './lab';
import { randomLabId, vappNameFor } from './lab-id';
import { type LabService } from './lab-service';
import { type LimitRefusal } from './limits';
import { type KindPolicy, type LabPolicy } from './policy';
import {
  type AuditLog,
  type Clock,
  type LabEvent,
  type LabStore,
  type LabWaker,
  type Random,
  type UserDirectory,
} from './ports';

export interface ClassServiceDeps {
  labs: LabService;
  store: LabStore;
  classes: ClassStore;
  waker: LabWaker;
  clock: Clock;
  random: Random;
  policy: LabPolicy;
  /** Resolves `#channel` and `@group` to people and checks each student can own a lab. */
  directory: UserDirectory;
  audit?: AuditLog;
  newToken?: () => string;
  /** Asks for the class's roster to be posted or updated (it happens later; never throws). */
  rosterChanged?: (className: string) => void;
}

export interface CreateClassInput {
  trainer: string;
  channel?: string;
  userGroups?: string[];
  template?: string;
  students: readonly StudentRef[];
  lifetimeMinutes?: number;
  name?: string;
  /**
   * Ready by this time (`at TIME`): every lab is scheduled (phase `scheduled`) to be deployed early enough, the
   * class's hours and the labs' lifetimes count from it.
   */
  readyBy?: Date;
}

/** When a scheduled class's labs start deploying (LabService.planReadyBy). */
interface LabSchedule {
  readyBy: Date;
  deployAt: Date;
}

/** A student named but not seated, and why (a bot, a guest, already in the class…). */
export interface SkippedStudent {
  student: string;
  reason: string;
}

export interface ClassResult {
  classroom: Classroom;
  /** The labs just requested, one per seated student. */
  labs: Lab[];
  skipped: SkippedStudent[];
}

/** What a whole-class command did to each lab: done, or why not (already suspended, ended…). */
export interface ClassActionResult {
  classroom: Classroom;
  done: Lab[];
  skipped: { labId: string; reason: string }[];
}

export type ClassVerb = 'teardown' | 'extend' | 'suspend' | 'resume';

/** Kind of every class lab: its lifetime, extension and idle rules come from labbot.yml's `class` kind. */
export const CLASS_KIND = 'class';

const ID_ATTEMPTS = 4;

export class ClassService {
  constructor(private readonly deps: ClassServiceDeps) {}

  /**
   * Creates a class: one lab per student, owned by the student, under the trainer's limits.
   * @throws UserError when the trainer may not deploy here, the template, lifetime or name is wrong, nobody can be
   *   seated, or the class would exceed the students-per-class or the trainer's spend limit.
   */
  async create(input: CreateClassInput): Promise<ClassResult> {
    const { trainer } = input;
    if (!this.deps.labs.mayDeploy(trainer, input.channel, input.userGroups ?? [])) {
      await this.audit(trainer, 'class-create', 'not allowed to deploy here', 'denied');
      throw new UserError(
        'not_owner',
        'You may not deploy labs here, so you cannot start a class here either. Ask a labbot admin.',
      );
    }
    const kind = this.kind();
    const template = input.template ?? kind.defaultTemplate;
    const estimate = this.deps.labs.estimate(kind.name, template);
    if (kind.templates.length > 0 && !kind.templates.includes(estimate.template.key)) {
      throw new UserError(
        'usage',
        `A class cannot use template "${template}". Allowed: ${kind.templates.join(', ')}.`,
      );
    }
    const lifetime = input.lifetimeMinutes ?? kind.defaultLifetimeHours * 60;
    if (lifetime > kind.maxLifetimeHours * 60) {
      throw new UserError(
        'usage',
        `A class can last at most ${formatMinutes(kind.maxLifetimeHours * 60)}; you asked for ${formatMinutes(lifetime)}.`,
      );
    }
    if (input.name !== undefined && !CLASS_NAME_PATTERN.test(input.name)) {
      throw new UserError(
        'usage',
        `"${input.name.slice(0, 40)}" is not a class name: up to 32 lowercase letters, digits and dashes.`,
      );
    }
    const { students, skipped } = await this.resolveStudents(input.students, trainer);
    this.checkSomeone(students, skipped);
    const now = this.deps.clock.now();
    const schedule =
      input.readyBy !== undefined
        ? await this.deps.labs.planReadyBy(estimate.template.key, input.readyBy)
        : undefined;
    // A scheduled class starts when its labs are ready: its hours, and its labs' lifetimes, count from then.
    const startsAt = schedule?.readyBy ?? now;
    const endsAt = new Date(startsAt.getTime() + lifetime * 60_000);
    const added = hourlyRate(estimate.template, this.deps.policy.rates).total;
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const name = input.name ?? randomLabId('cls', this.deps.random, attempt < 2 ? 3 : 5);
      const classroom: Classroom = {
        name,
        trainer,
        template: estimate.template.key,
        ...(input.channel !== undefined ? { channel: input.channel } : {}),
        startsAt,
        endsAt,
        createdAt: now,
      };
      const labs = students.map((student) =>
        this.newLab(student, estimate.template, endsAt, now, attempt, schedule),
      );
      const seats = labs.map((lab) => seat(name, lab, now));
      let refusal: LimitRefusal | undefined;
      try {
        refusal = await this.deps.classes.seatWithinLimits(
          trainer,
          { create: classroom, className: name, labs, seats },
          (current) =>
            this.classCheck(
              trainer,
              current,
              students.length * added,
              current.studentsInClass + students.length,
            ),
        );
      } catch (error) {
        if (error instanceof DuplicateClassError && input.name !== undefined) {
          throw new UserError(
            'usage',
            `There is already a class named ${input.name}; pick another name (\`/lab class list\` shows yours).`,
          );
        }
        if (error instanceof DuplicateLabError || error instanceof DuplicateClassError) {
          continue;
        }
        throw error;
      }
      if (refusal !== undefined) {
        await this.audit(trainer, 'class-create', refusal.detail, 'denied');
        throw new UserError('quota', refusal.message);
      }
      await this.audit(
        trainer,
        'class-create',
        `${name}: ${students.length} students, ${estimate.template.key} for ${formatMinutes(lifetime)}`,
      );
      for (const lab of labs) {
        await this.audit(trainer, 'deploy', `class ${name} for ${lab.owner}`, 'ok', lab.id);
        this.deps.waker.wake(lab.id);
      }
      // Posted by the replica that took the command, before the labs' own events update it.
      this.deps.rosterChanged?.(name);
      return { classroom, labs, skipped };
    }
    throw new Error(`could not find free lab ids for a class after ${ID_ATTEMPTS} attempts`);
  }

  /**
   * Seats latecomers in a live class (`/lab class add NAME @carol`), against the trainer's limits.
   * @throws UserError when the class does not exist, has ended, is not the user's, or limits refuse.
   */
  async add(user: string, name: string, refs: readonly StudentRef[]): Promise<ClassResult> {
    const classroom = await this.managed(user, name, 'add students to it', 'class-add');
    const seats = await this.deps.classes.seats(name);
    const current = await this.labsOf(currentLabIds(seats));
    const seated = new Set(liveLabs(current).map((lab) => lab.owner));
    const resolved = await this.resolveStudents(refs, classroom.trainer);
    const students = resolved.students.filter((s) => !seated.has(s));
    const skipped = [
      ...resolved.skipped,
      ...resolved.students
        .filter((s) => seated.has(s))
        .map((student) => ({ student, reason: 'already has a lab in this class' })),
    ];
    this.checkSomeone(students, skipped);
    const template = this.deps.labs.estimate(CLASS_KIND, classroom.template).template;
    const added = hourlyRate(template, this.deps.policy.rates).total;
    const now = this.deps.clock.now();
    // A latecomer to a class that has not started yet is scheduled with everyone else.
    const schedule =
      classroom.startsAt.getTime() > now.getTime()
        ? await this.deps.labs.planReadyBy(template.key, classroom.startsAt)
        : undefined;
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const labs = students.map((student) =>
        this.newLab(student, template, classroom.endsAt, now, attempt, schedule),
      );
      let refusal: LimitRefusal | undefined;
      try {
        refusal = await this.deps.classes.seatWithinLimits(
          classroom.trainer,
          { className: name, labs, seats: labs.map((lab) => seat(name, lab, now)) },
          (state) =>
            this.classCheck(
              classroom.trainer,
              state,
              students.length * added,
              state.studentsInClass + students.length,
            ),
        );
      } catch (error) {
        if (error instanceof DuplicateLabError) {
          continue;
        }
        throw error;
      }
      if (refusal !== undefined) {
        await this.audit(user, 'class-add', `${name}: ${refusal.detail}`, 'denied');
        throw new UserError('quota', refusal.message);
      }
      await this.audit(user, 'class-add', `${name}: ${students.join(', ')}`);
      for (const lab of labs) {
        await this.audit(user, 'deploy', `class ${name} for ${lab.owner}`, 'ok', lab.id);
        this.deps.waker.wake(lab.id);
      }
      this.deps.rosterChanged?.(name);
      return { classroom, labs, skipped };
    }
    throw new Error(`could not find free lab ids for a class after ${ID_ATTEMPTS} attempts`);
  }

  /** The user's live classes (as trainer); admins with `all` see every live class. */
  async list(user: string, all = false): Promise<Classroom[]> {
    if (all && !this.deps.labs.isAdmin(user)) {
      throw new UserError(
        'not_owner',
        'Only labbot admins can list every class. `/lab class list` shows yours.',
      );
    }
    return this.deps.classes.list(all ? {} : { trainer: user });
  }

  /**
   * A class with its seats and labs, for the roster (anyone may look: the roster is posted in the class's channel and
   * shows no secrets).
   * @throws UserError when there is no such class.
   */
  async show(name: string): Promise<{ classroom: Classroom; seats: ClassSeat[]; labs: Lab[] }> {
    const classroom = await this.deps.classes.get(name);
    if (!classroom) {
      throw this.noClass(name);
    }
    const seats = await this.deps.classes.seats(name);
    return { classroom, seats, labs: await this.labsOf(seats.map((s) => s.labId)) };
  }

  /**
   * Runs one verb on every live lab of the class, as the trainer (or an admin): one command for thirty labs.
   * A lab the verb does not apply to (already suspended…) is reported, not fatal. Teardown also ends the class.
   * @throws UserError when the class does not exist, has ended or is not the user's.
   */
  async forAll(user: string, name: string, verb: ClassVerb, minutes?: number): Promise<ClassActionResult> {
    const classroom = await this.managed(user, name, `${verb} it`, `class-${verb}`);
    const seats = await this.deps.classes.seats(name);
    const labs = await this.labsOf(seats.map((s) => s.labId));
    const done: Lab[] = [];
    const skipped: { labId: string; reason: string }[] = [];
    // A lab already being torn down (by its student, or an earlier command) has nothing left to do.
    for (const lab of labs.filter((l) => !isTerminal(l) && l.desired !== 'deleted')) {
      try {
        done.push(await this.runVerb(user, lab.id, verb, minutes));
      } catch (error) {
        if (!(error instanceof UserError)) {
          throw error;
        }
        skipped.push({ labId: lab.id, reason: error.message });
      }
    }
    if (verb === 'teardown') {
      await this.deps.classes.markEnded(name, this.deps.clock.now());
    }
    this.deps.rosterChanged?.(name);
    await this.audit(user, `class-${verb}`, `${name}: ${done.length} labs, ${skipped.length} skipped`);
    return { classroom, done, skipped };
  }

  /** True when `user` trains the class this lab belongs to: they may manage it as its owner would. */
  async isTrainerOf(user: string, labId: string): Promise<boolean> {
    const seatOf = await this.deps.classes.seatOf(labId);
    if (!seatOf) {
      return false;
    }
    return (await this.deps.classes.get(seatOf.className))?.trainer === user;
  }

  /**
   * Called for every lab event (compose-core wires it after the lab's own notice): a class lab that failed is
   * replaced once, for the same student, unless the class or the lab is being torn down.
   * @returns the class's name when the lab is a class lab (its roster should be refreshed), else undefined.
   */
  async labChanged(lab: Lab, event: LabEvent): Promise<string | undefined> {
    const seatOf = await this.deps.classes.seatOf(lab.id);
    if (!seatOf) {
      return undefined;
    }
    if (event.type === 'failed' && lab.desired !== 'deleted') {
      await this.replaceFailed(lab, seatOf);
    }
    return seatOf.className;
  }

  private async replaceFailed(lab: Lab, failed: ClassSeat): Promise<void> {
    const classroom = await this.deps.classes.get(failed.className);
    if (!classroom || classroom.endedAt !== undefined) {
      return;
    }
    if (failed.replaces !== undefined) {
      // Once only: a template that fails twice will fail thirty times; the roster tells the trainer instead.
      await this.audit(
        'labbot',
        'class-replace',
        `${classroom.name}: replacement failed too`,
        'denied',
        lab.id,
      );
      return;
    }
    const template = this.deps.labs.estimate(CLASS_KIND, classroom.template).template;
    const now = this.deps.clock.now();
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const replacement = this.newLab(lab.owner, template, classroom.endsAt, now, attempt);
      try {
        const written = await this.deps.classes.replaceOnce(
          { ...seat(classroom.name, replacement, now), replaces: lab.id },
          replacement,
        );
        if (written) {
          await this.audit(
            'labbot',
            'class-replace',
            `${classroom.name}: ${lab.id} failed, replaced by ${replacement.id}`,
            'ok',
            lab.id,
          );
          this.deps.waker.wake(replacement.id);
        }
        return;
      } catch (error) {
        if (!(error instanceof DuplicateLabError) && !isUniqueViolation(error)) {
          throw error;
        }
      }
    }
  }

  private async runVerb(user: string, labId: string, verb: ClassVerb, minutes?: number): Promise<Lab> {
    switch (verb) {
      case 'teardown':
        return this.deps.labs.teardown(user, labId);
      case 'extend':
        return this.deps.labs.extend(user, labId, minutes);
      case 'suspend':
        return this.deps.labs.suspend(user, labId);
      case 'resume':
        return this.deps.labs.resume(user, labId);
    }
  }

  private classCheck(
    trainer: string,
    state: { trainerLabs: readonly Lab[]; classLabs: readonly Lab[] },
    addedHourly: number,
    studentsAfter: number,
  ): LimitRefusal | undefined {
    const limits = this.deps.labs.isAdmin(trainer)
      ? // Admins are not held to the spend cap (as for their own labs); the class size still holds.
        { ...this.deps.policy.limits, maxHourlySpendPerUser: Number.POSITIVE_INFINITY }
      : this.deps.policy.limits;
    return classLimitRefusal({
      trainerLabs: state.trainerLabs,
      classLabs: state.classLabs,
      studentsAfter,
      addedHourly,
      limits,
      rates: this.deps.policy.rates,
    });
  }

  /** People to seat: mentions as given, channels and groups expanded; the trainer and non-members left out. */
  private async resolveStudents(
    refs: readonly StudentRef[],
    trainer: string,
  ): Promise<{ students: string[]; skipped: SkippedStudent[] }> {
    const directory = this.deps.directory;
    const named: { id: string; explicit: boolean }[] = [];
    for (const ref of refs) {
      if ('user' in ref) {
        named.push({ id: ref.user, explicit: true });
        continue;
      }
      const members = await this.members(ref);
      named.push(...members.map((id) => ({ id, explicit: false })));
    }
    const skipped: SkippedStudent[] = [];
    const max = this.deps.policy.limits.maxStudentsPerClass ?? DEFAULT_MAX_STUDENTS_PER_CLASS;
    const candidates: string[] = [];
    for (const { id, explicit } of named) {
      if (candidates.includes(id) || skipped.some((s) => s.student === id)) {
        continue;
      }
      if (id === trainer) {
        // The trainer is in their own channel; they are not a student of their class.
        if (explicit) {
          skipped.push({ student: id, reason: 'is the trainer' });
        }
        continue;
      }
      candidates.push(id);
    }
    if (candidates.length > max) {
      // Too many to seat whoever they are: the limit check refuses the class without thirty look-ups.
      return { students: candidates, skipped };
    }
    // Looked up together: thirty users.info calls one after the other would take seconds of the trainer's wait.
    const found = await Promise.all(candidates.map((id) => directory.lookup(id)));
    const students: string[] = [];
    candidates.forEach((id, i) => {
      const refusal = handoffRefusal(id, found[i]);
      if (refusal === undefined) {
        students.push(id);
      } else {
        skipped.push({ student: id, reason: refusal.replace(`<@${id}> `, '').replace(`<@${id}>`, 'they') });
      }
    });
    return { students, skipped };
  }

  /** Members of the channel or user group a class names. */
  private async members(ref: { channel: string } | { userGroup: string }): Promise<string[]> {
    const directory = this.deps.directory;
    const read =
      'channel' in ref
        ? directory.channelMembers && (() => directory.channelMembers!(ref.channel))
        : directory.userGroupMembers && (() => directory.userGroupMembers!(ref.userGroup));
    if (read === undefined) {
      throw new UserError(
        'invalid_state',
        'Without Slack there are no channel or group members to read; name the students with @.',
      );
    }
    try {
      return await read();
    } catch (error) {
      throw new UserError(
        'invalid_state',
        `labbot could not read the members of that ${'channel' in ref ? 'channel (invite labbot to it, or name the students with @)' : 'user group'}.`,
        { cause: error },
      );
    }
  }

  private checkSomeone(students: readonly string[], skipped: readonly SkippedStudent[]): void {
    if (students.length === 0) {
      throw new UserError(
        'usage',
        skipped.length > 0
          ? `Nobody to seat: ${skipped.map((s) => `${s.student} ${s.reason}`).join('; ')}.`
          : 'Nobody to seat: name the students with @, a #channel or a @user-group.',
      );
    }
  }

  private newLab(
    student: string,
    template: { key: string; vcpus: number; memoryGb: number; storageGb: number },
    expiresAt: Date,
    now: Date,
    attempt: number,
    schedule?: LabSchedule,
  ): Lab {
    const id = randomLabId(CLASS_KIND, this.deps.random, attempt < 2 ? 4 : 6);
    return {
      id,
      kind: CLASS_KIND,
      owner: student,
      template: template.key,
      vappName: vappNameFor(id),
      desired: 'running',
      phase: schedule !== undefined ? 'scheduled' : 'requested',
      ...(schedule !== undefined ? { readyBy: schedule.readyBy, deployAt: schedule.deployAt } : {}),
      // The student's DM: their lab's message, with its access details, goes to them, not to the class channel
      // (the roster is what the channel sees).
      channel: student,
      createdAt: now,
      expiresAt,
      vms: [],
      spec: { vcpus: template.vcpus, memoryGb: template.memoryGb, storageGb: template.storageGb },
      extensions: 0,
      poweredOnMs: 0,
      lastActivityAt: now,
      ...(this.deps.newToken ? { keepaliveToken: this.deps.newToken() } : {}),
    };
  }

  /** The class, if it is live and `user` is its trainer or an admin. */
  private async managed(user: string, name: string, what: string, action: string): Promise<Classroom> {
    const classroom = await this.deps.classes.get(name);
    if (!classroom) {
      throw this.noClass(name);
    }
    if (classroom.trainer !== user && !this.deps.labs.isAdmin(user)) {
      await this.audit(user, action, `${name}: not the trainer`, 'denied');
      throw new UserError(
        'not_owner',
        `Class ${name} is someone else’s; only its trainer or an admin can ${what}.`,
      );
    }
    if (classroom.endedAt !== undefined) {
      throw new UserError('invalid_state', `Class ${name} has ended.`);
    }
    return classroom;
  }

  private async labsOf(ids: readonly string[]): Promise<Lab[]> {
    const labs: Lab[] = [];
    for (const id of ids) {
      const lab = await this.deps.store.get(id);
      if (lab) {
        labs.push(lab);
      }
    }
    return labs;
  }

  private kind(): KindPolicy {
    const kind = this.deps.policy.kinds.find((k) => k.name === CLASS_KIND);
    if (!kind) {
      throw new UserError(
        'invalid_state',
        'This labbot has no `class` lab kind configured, so it runs no classes.',
      );
    }
    return kind;
  }

  private noClass(name: string): UserError {
    return new UserError('not_found', `There is no class ${name}. \`/lab class list\` shows yours.`);
  }

  private async audit(
    actor: string,
    action: string,
    detail: string,
    result: 'ok' | 'denied' = 'ok',
    labId?: string,
  ): Promise<void> {
    await this.deps.audit?.record({
      at: this.deps.clock.now(),
      actor,
      ...(labId !== undefined ? { labId } : {}),
      action,
      detail,
      result,
    });
  }
}

function seat(className: string, lab: Lab, now: Date): ClassSeat {
  return { className, student: lab.owner, labId: lab.id, createdAt: now };
}

/** A lab id clash inside replaceOnce's transaction surfaces as the database's unique violation. */
function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { code } = error as { code?: unknown };
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
