import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { DuplicateClassError, type StudentRef } from '../../src/labs/class';
import { ClassService, type ClassServiceDeps } from '../../src/labs/class-service';
import { DuplicateLabError, UserError } from '../../src/labs/errors';
import { LabService } from '../../src/labs/lab-service';
import { type LabPolicy } from '../../src/labs/policy';
import { type LabEvent, type UserDirectory } from '../../src/labs/ports';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { directoryOf, directoryWithGroups, person } from '../helpers/directory';
import { MemoryAudit } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';
import { MemoryClassStore } from './memory-class-store';

/**
 * The class use cases (src/labs/class-service.ts) on in-memory stores: what they refuse and with which words, what
 * they record, audit and wake. The same use cases run on the real store in test/e2e/class-two-replicas.test.ts.
 */
const TRAINER = 'U0TRAINER';
const ADMIN = 'U0ADMIN';
const START = new Date('2026-11-24T09:00:00Z');

// A generous spend limit unless a test is about it: esxi8 costs about $0.18/h.
const POLICY: LabPolicy = {
  ...DEFAULT_POLICY,
  admins: [ADMIN],
  limits: { maxLabsPerUser: 5, maxHourlySpendPerUser: 100, maxStudentsPerClass: 4 },
};

interface Setup {
  policy?: LabPolicy;
  directory?: UserDirectory;
  random?: () => number;
  newToken?: () => string;
  /** The class store over the lab store (a stand-in that fails on purpose). */
  classes?: (store: MemoryLabStore) => MemoryClassStore;
  /** No audit log and no roster poster given to the class service (both are optional deps). */
  bare?: boolean;
}

function setup(options: Setup = {}) {
  const policy = options.policy ?? POLICY;
  const clock = new ManualClock(START);
  const store = new MemoryLabStore();
  const classes = options.classes?.(store) ?? new MemoryClassStore(store);
  const audit = new MemoryAudit();
  const woken: string[] = [];
  const rosters: string[] = [];
  const waker = { wake: (id: string) => void woken.push(id) };
  const random = options.random ?? sequenceRandom([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  // As compose-core wires it: the trainer manages the labs of their classes as their owners would.
  const hook: { current?: ClassService } = {};
  const labs = new LabService({
    store,
    waker,
    clock,
    random,
    policy,
    audit,
    isTrainerOf: (user, labId) => hook.current?.isTrainerOf(user, labId) ?? Promise.resolve(false),
  });
  const deps: ClassServiceDeps = {
    labs,
    store,
    classes,
    waker,
    clock,
    random,
    policy,
    directory:
      options.directory ?? directoryWithGroups({ C0ROOM: ['U0S1', TRAINER, 'U0S2'] }, { S0GRP: ['U0S3'] }),
    ...(options.bare ? {} : { audit, rosterChanged: (name: string) => void rosters.push(name) }),
    ...(options.newToken ? { newToken: options.newToken } : {}),
  };
  const service = new ClassService(deps);
  hook.current = service;
  return { service, store, classes, audit, woken, rosters, clock, labs };
}

const users = (...ids: string[]): StudentRef[] => ids.map((user) => ({ user }));

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UserError) {
      return { code: error.code, message: error.message };
    }
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('labs/class-service', () => {
  describe('create', () => {
    it('seats one lab per student, owned by the student, under a class the trainer manages', async () => {
      const { service, store, audit, woken, rosters } = setup({ newToken: () => 'tok' });
      const result = await service.create({
        trainer: TRAINER,
        channel: 'C0ROOM',
        students: users('U0S1', 'U0S2'),
        lifetimeMinutes: 180,
        name: 'vsphere-101',
      });
      expect(result.classroom).toEqual({
        name: 'vsphere-101',
        trainer: TRAINER,
        template: 'esxi8',
        channel: 'C0ROOM',
        startsAt: START,
        endsAt: new Date('2026-11-24T12:00:00Z'),
        createdAt: START,
      });
      expect(result.skipped).toEqual([]);
      const [first] = result.labs;
      expect(first).toEqual({
        id: first!.id,
        kind: 'class',
        owner: 'U0S1',
        template: 'esxi8',
        vappName: `lab-${first!.id}`,
        desired: 'running',
        phase: 'requested',
        channel: 'U0S1',
        createdAt: START,
        expiresAt: new Date('2026-11-24T12:00:00Z'),
        vms: [],
        spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
        extensions: 0,
        poweredOnMs: 0,
        lastActivityAt: START,
        keepaliveToken: 'tok',
      });
      expect(first!.id).toMatch(/^class-[a-z2-9]{4}$/);
      expect(result.labs.map((l) => l.owner)).toEqual(['U0S1', 'U0S2']);
      expect(await store.get(first!.id)).toEqual(first);
      expect(woken).toEqual(result.labs.map((l) => l.id));
      expect(rosters).toEqual(['vsphere-101']);
      expect(audit.entries).toEqual([
        {
          at: START,
          actor: TRAINER,
          action: 'class-create',
          detail: 'vsphere-101: 2 students, esxi8 for 3h',
          result: 'ok',
        },
        ...result.labs.map((lab) => ({
          at: START,
          actor: TRAINER,
          labId: lab.id,
          action: 'deploy',
          detail: `class vsphere-101 for ${lab.owner}`,
          result: 'ok',
        })),
      ]);
    });

    it('names a class itself when not told, and gives it the class kind’s default template and lifetime', async () => {
      const { service } = setup();
      const { classroom, labs } = await service.create({ trainer: TRAINER, students: users('U0S1') });
      expect(classroom.name).toMatch(/^cls-[a-z2-9]{3}$/);
      expect(classroom).not.toHaveProperty('channel');
      expect(classroom.endsAt).toEqual(new Date('2026-11-24T17:00:00Z'));
      expect(labs[0]).not.toHaveProperty('keepaliveToken');
    });

    it('refuses a trainer who may not deploy here, and audits it', async () => {
      const policy = { ...POLICY, access: { deployChannels: ['C0LABS'], deployUserGroups: [] } };
      const { service, audit } = setup({ policy });
      expect(
        await refusal(service.create({ trainer: TRAINER, channel: 'C0ELSE', students: users('U0S1') })),
      ).toEqual({
        code: 'not_owner',
        message: 'You may not deploy labs here, so you cannot start a class here either. Ask a labbot admin.',
      });
      expect(audit.entries).toEqual([
        {
          at: START,
          actor: TRAINER,
          action: 'class-create',
          detail: 'not allowed to deploy here',
          result: 'denied',
        },
      ]);
      // The user groups the trainer is in count.
      const groups = { ...POLICY, access: { deployChannels: [], deployUserGroups: ['S0T'] } };
      const allowed = setup({ policy: groups });
      await expect(
        allowed.service.create({ trainer: TRAINER, userGroups: ['S0T'], students: users('U0S1') }),
      ).resolves.toBeDefined();
      expect(
        (
          await refusal(
            setup({ policy: groups }).service.create({ trainer: TRAINER, students: users('U0S1') }),
          )
        ).code,
      ).toBe('not_owner');
    });

    it('refuses a template the class kind does not allow, naming the allowed ones', async () => {
      const policy = {
        ...POLICY,
        kinds: POLICY.kinds.map((k) => (k.name === 'class' ? { ...k, templates: ['esxi8', 'esxi7'] } : k)),
      };
      const { service } = setup({ policy });
      expect(
        await refusal(service.create({ trainer: TRAINER, template: 'vsphere8', students: users('U0S1') })),
      ).toEqual({
        code: 'usage',
        message: 'A class cannot use template "vsphere8". Allowed: esxi8, esxi7.',
      });
      await expect(
        service.create({ trainer: TRAINER, template: 'esxi7', students: users('U0S1') }),
      ).resolves.toBeDefined();
    });

    it('refuses a lifetime past the class kind’s maximum, and takes exactly the maximum', async () => {
      const { service } = setup();
      expect(
        await refusal(
          service.create({ trainer: TRAINER, lifetimeMinutes: 25 * 60, students: users('U0S1') }),
        ),
      ).toEqual({ code: 'usage', message: 'A class can last at most 1d; you asked for 1d 1h.' });
      expect(
        (
          await refusal(
            service.create({ trainer: TRAINER, lifetimeMinutes: 24 * 60 + 1, students: users('U0S1') }),
          )
        ).code,
      ).toBe('usage');
      const { classroom } = await service.create({
        trainer: TRAINER,
        lifetimeMinutes: 24 * 60,
        students: users('U0S1'),
      });
      expect(classroom.endsAt).toEqual(new Date('2026-11-25T09:00:00Z'));
    });

    it('refuses a malformed name, quoting at most 40 characters of it', async () => {
      const { service } = setup();
      expect(
        await refusal(service.create({ trainer: TRAINER, name: 'Bad_Name', students: users('U0S1') })),
      ).toEqual({
        code: 'usage',
        message: '"Bad_Name" is not a class name: up to 32 lowercase letters, digits and dashes.',
      });
      const long = `${'x'.repeat(40)}TAIL`;
      expect(
        (await refusal(service.create({ trainer: TRAINER, name: long, students: users('U0S1') }))).message,
      ).toBe(`"${'x'.repeat(40)}" is not a class name: up to 32 lowercase letters, digits and dashes.`);
    });

    it('refuses a name that is taken, and retries its own random names on a clash', async () => {
      const { service, store } = setup({ classes: (labs) => new DuplicateOnce(labs) });
      const { classroom } = await service.create({ trainer: TRAINER, students: users('U0S1') });
      // The first name (three characters) was taken; the second attempt's is still three.
      expect(classroom.name).toMatch(/^cls-[a-z2-9]{3}$/);
      expect(store.labs.size).toBe(1);

      const named = setup();
      await named.service.create({ trainer: TRAINER, name: 'vsphere-101', students: users('U0S1') });
      expect(
        await refusal(
          named.service.create({ trainer: TRAINER, name: 'vsphere-101', students: users('U0S2') }),
        ),
      ).toEqual({
        code: 'usage',
        message:
          'There is already a class named vsphere-101; pick another name (`/lab class list` shows yours).',
      });
    });

    it('tries longer ids after two clashes, and gives up after four', async () => {
      const seen: string[] = [];
      const { service } = setup({
        classes: (labs) =>
          new (class extends MemoryClassStore {
            override seatWithinLimits(...args: Parameters<MemoryClassStore['seatWithinLimits']>) {
              seen.push(`${args[1].className} ${args[1].labs.map((l) => l.id).join()}`);
              return Promise.reject(new DuplicateLabError('x'));
            }
          })(labs),
      });
      await expect(service.create({ trainer: TRAINER, students: users('U0S1') })).rejects.toThrow(
        'could not find free lab ids for a class after 4 attempts',
      );
      expect(seen.map((s) => s.split(' ').map((id) => id.split('-')[1]!.length))).toEqual([
        [3, 4],
        [3, 4],
        [5, 6],
        [5, 6],
      ]);
    });

    it('passes on a store failure that is no clash', async () => {
      const failing = (labs: MemoryLabStore) =>
        new (class extends MemoryClassStore {
          override seatWithinLimits(): Promise<undefined> {
            return Promise.reject(new Error('database gone'));
          }
        })(labs);
      await expect(
        setup({ classes: failing }).service.create({ trainer: TRAINER, students: users('U0S1') }),
      ).rejects.toThrow('database gone');
      // A taken class name while labbot picks the name is a clash to retry, not the trainer's error.
      const named = (labs: MemoryLabStore) =>
        new (class extends MemoryClassStore {
          override seatWithinLimits(): Promise<undefined> {
            return Promise.reject(new DuplicateLabError('x'));
          }
        })(labs);
      await expect(
        setup({ classes: named }).service.create({
          trainer: TRAINER,
          name: 'given',
          students: users('U0S1'),
        }),
      ).rejects.toThrow('could not find free lab ids');
    });

    it('refuses a class over the limits, with the limit’s words, and audits the detail', async () => {
      const policy = { ...POLICY, limits: { ...POLICY.limits, maxHourlySpendPerUser: 0.3 } };
      const { service, audit, store } = setup({ policy });
      expect(await refusal(service.create({ trainer: TRAINER, students: users('U0S1', 'U0S2') }))).toEqual({
        code: 'quota',
        message: expect.stringMatching(
          /^That would bring your labs and classes to \$0\.37\/h, over the \$0\.30\/h/,
        ) as string,
      });
      expect(audit.entries.at(-1)).toEqual({
        at: START,
        actor: TRAINER,
        action: 'class-create',
        detail: 'hourly spend limit 0.3 (class)',
        result: 'denied',
      });
      expect(store.labs.size).toBe(0);
    });

    it('holds admins to the class size but not to the spend limit', async () => {
      const policy = { ...POLICY, limits: { ...POLICY.limits, maxHourlySpendPerUser: 0.01 } };
      const { service } = setup({ policy });
      expect((await service.create({ trainer: ADMIN, students: users('U0S1', 'U0S2') })).labs).toHaveLength(
        2,
      );
      expect(
        (
          await refusal(
            service.create({ trainer: ADMIN, students: users('U0A', 'U0B', 'U0C', 'U0D', 'U0E') }),
          )
        ).message,
      ).toBe('A class may have at most 4 students; this one would have 5. Split it into two classes.');
    });

    it('refuses when the class kind is not configured', async () => {
      const policy = { ...POLICY, kinds: POLICY.kinds.filter((k) => k.name !== 'class') };
      expect(
        await refusal(setup({ policy }).service.create({ trainer: TRAINER, students: users('U0S1') })),
      ).toEqual({
        code: 'invalid_state',
        message: 'This labbot has no `class` lab kind configured, so it runs no classes.',
      });
    });

    it('schedules every lab of a class ready by a time, its hours and lifetimes counting from then', async () => {
      const { service } = setup();
      const readyBy = new Date('2026-11-24T14:00:00Z');
      const { classroom, labs } = await service.create({
        trainer: TRAINER,
        students: users('U0S1'),
        lifetimeMinutes: 60,
        readyBy,
      });
      expect([classroom.startsAt, classroom.endsAt, classroom.createdAt]).toEqual([
        readyBy,
        new Date('2026-11-24T15:00:00Z'),
        START,
      ]);
      // The default schedule policy expects a 20-minute deploy, started a minute early.
      expect(labs[0]).toMatchObject({
        phase: 'scheduled',
        readyBy,
        deployAt: new Date('2026-11-24T13:39:00Z'),
        expiresAt: new Date('2026-11-24T15:00:00Z'),
      });
    });
  });

  describe('who is seated', () => {
    it('expands channels and user groups, leaves the trainer out silently unless named, and seats each once', async () => {
      const { service } = setup();
      const { labs, skipped } = await service.create({
        trainer: TRAINER,
        students: [
          { channel: 'C0ROOM' },
          { user: 'U0S1' },
          { userGroup: 'S0GRP' },
          { user: TRAINER },
          { user: TRAINER },
        ],
      });
      expect(labs.map((l) => l.owner)).toEqual(['U0S1', 'U0S2', 'U0S3']);
      expect(skipped).toEqual([{ student: TRAINER, reason: 'is the trainer' }]);
    });

    it('says why people cannot be seated, in words about them', async () => {
      const directory = directoryOf([
        person('U0S1'),
        person('U0BOT', { bot: true }),
        person('U0GUEST', { guest: true }),
      ]);
      const { service } = setup({ directory });
      const { labs, skipped } = await service.create({
        trainer: TRAINER,
        students: users('U0S1', 'U0BOT', 'U0GUEST', 'U0NOBODY'),
      });
      expect(labs.map((l) => l.owner)).toEqual(['U0S1']);
      expect(skipped).toEqual([
        { student: 'U0BOT', reason: 'is a bot or app; labs go to people.' },
        { student: 'U0GUEST', reason: 'is a guest of this workspace; labs go to full members.' },
        {
          student: 'U0NOBODY',
          reason: 'There is no Slack user in this workspace; mention the new owner with @.',
        },
      ]);
    });

    it('refuses a class with nobody to seat, listing why each was skipped', async () => {
      const { service } = setup({ directory: directoryOf([person('U0BOT', { bot: true })]) });
      expect(await refusal(service.create({ trainer: TRAINER, students: users(TRAINER, 'U0BOT') }))).toEqual({
        code: 'usage',
        message: `Nobody to seat: ${TRAINER} is the trainer; U0BOT is a bot or app; labs go to people..`,
      });
      expect(await refusal(service.create({ trainer: TRAINER, students: [] }))).toEqual({
        code: 'usage',
        message: 'Nobody to seat: name the students with @, a #channel or a @user-group.',
      });
    });

    it('does not look up a crowd over the class size: the limit refuses it', async () => {
      const lookups: string[] = [];
      const directory: UserDirectory = {
        lookup: (id) => {
          lookups.push(id);
          return Promise.resolve(person(id));
        },
      };
      const { service } = setup({ directory });
      expect(
        (await refusal(service.create({ trainer: TRAINER, students: users('A', 'B', 'C', 'D', 'E') }))).code,
      ).toBe('quota');
      expect(lookups).toEqual([]);
      await service.create({ trainer: TRAINER, students: users('A', 'B', 'C', 'D') });
      expect(lookups).toEqual(['A', 'B', 'C', 'D']);
    });

    it('explains a channel or group it cannot read', async () => {
      const { service } = setup({ directory: directoryWithGroups({}) });
      expect(
        await refusal(service.create({ trainer: TRAINER, students: [{ channel: 'C0PRIVATE' }] })),
      ).toEqual({
        code: 'invalid_state',
        message:
          'labbot could not read the members of that channel (invite labbot to it, or name the students with @).',
      });
      expect(await refusal(service.create({ trainer: TRAINER, students: [{ userGroup: 'S0X' }] }))).toEqual({
        code: 'invalid_state',
        message: 'labbot could not read the members of that user group.',
      });
    });

    it('explains that without Slack only @ mentions name students', async () => {
      const { service } = setup({ directory: { lookup: (id) => Promise.resolve(person(id)) } });
      for (const ref of [{ channel: 'C0ROOM' }, { userGroup: 'S0GRP' }]) {
        expect(await refusal(service.create({ trainer: TRAINER, students: [ref] }))).toEqual({
          code: 'invalid_state',
          message: 'Without Slack there are no channel or group members to read; name the students with @.',
        });
      }
    });
  });

  describe('add', () => {
    it('seats latecomers until the class ends, skipping who already has a live lab in it', async () => {
      const { service, audit, woken, rosters } = setup();
      const { labs: first } = await service.create({
        trainer: TRAINER,
        name: 'vsphere-101',
        students: users('U0S1'),
      });
      audit.entries.length = 0;
      woken.length = 0;
      const { labs, skipped, classroom } = await service.add(TRAINER, 'vsphere-101', users('U0S1', 'U0S2'));
      expect(classroom.name).toBe('vsphere-101');
      expect(labs.map((l) => [l.owner, l.expiresAt, l.phase])).toEqual([
        ['U0S2', new Date('2026-11-24T17:00:00Z'), 'requested'],
      ]);
      expect(skipped).toEqual([{ student: 'U0S1', reason: 'already has a lab in this class' }]);
      expect(woken).toEqual([labs[0]!.id]);
      expect(rosters).toEqual(['vsphere-101', 'vsphere-101']);
      expect(audit.entries.map((e) => [e.action, e.detail, e.labId])).toEqual([
        ['class-add', 'vsphere-101: U0S2', undefined],
        ['deploy', 'class vsphere-101 for U0S2', labs[0]!.id],
      ]);
      expect(first[0]!.owner).toBe('U0S1');
    });

    it('seats again a student whose lab is being torn down', async () => {
      const { service, labs: labService } = setup();
      const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      await labService.teardown('U0S1', labs[0]!.id);
      expect((await service.add(TRAINER, 'c1', users('U0S1'))).labs.map((l) => l.owner)).toEqual(['U0S1']);
    });

    it('schedules a latecomer to a class that has not started with everyone else', async () => {
      const { service } = setup();
      const readyBy = new Date('2026-11-24T14:00:00Z');
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1'), readyBy });
      const { labs } = await service.add(TRAINER, 'c1', users('U0S2'));
      expect(labs[0]).toMatchObject({
        phase: 'scheduled',
        readyBy,
        deployAt: new Date('2026-11-24T13:39:00Z'),
      });
    });

    it('does not schedule a latecomer once the class has started', async () => {
      const { service, clock } = setup();
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      clock.advance(60_000);
      const { labs } = await service.add(TRAINER, 'c1', users('U0S2'));
      expect(labs[0]!.phase).toBe('requested');
      expect(labs[0]).not.toHaveProperty('readyBy');
    });

    it('counts the class’s students against its size', async () => {
      const { service, audit } = setup();
      await service.create({ trainer: TRAINER, name: 'c1', students: users('A', 'B', 'C') });
      expect(await refusal(service.add(TRAINER, 'c1', users('D', 'E')))).toEqual({
        code: 'quota',
        message: 'A class may have at most 4 students; this one would have 5. Split it into two classes.',
      });
      expect(audit.entries.at(-1)).toMatchObject({
        actor: TRAINER,
        action: 'class-add',
        detail: 'c1: students per class limit 4',
        result: 'denied',
      });
      expect((await service.add(TRAINER, 'c1', users('D'))).labs).toHaveLength(1);
    });

    it('refuses someone else’s class, an unknown one and an ended one; an admin may add', async () => {
      const { service, audit } = setup();
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      expect(await refusal(service.add('U0OTHER', 'c1', users('U0S2')))).toEqual({
        code: 'not_owner',
        message: 'Class c1 is someone else’s; only its trainer or an admin can add students to it.',
      });
      expect(audit.entries.at(-1)).toMatchObject({
        actor: 'U0OTHER',
        action: 'class-add',
        detail: 'c1: not the trainer',
        result: 'denied',
      });
      expect(await refusal(service.add(TRAINER, 'nope', users('U0S2')))).toEqual({
        code: 'not_found',
        message: 'There is no class nope. `/lab class list` shows yours.',
      });
      expect((await service.add(ADMIN, 'c1', users('U0S2'))).labs).toHaveLength(1);
      await service.forAll(TRAINER, 'c1', 'teardown');
      expect(await refusal(service.add(TRAINER, 'c1', users('U0S3')))).toEqual({
        code: 'invalid_state',
        message: 'Class c1 has ended.',
      });
    });

    it('retries lab id clashes, gives up after four, and passes other failures on', async () => {
      const { service, classes } = setup();
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      const original = classes.seatWithinLimits.bind(classes);
      let clashes = 2;
      classes.seatWithinLimits = (...args) =>
        clashes-- > 0 ? Promise.reject(new DuplicateLabError('x')) : original(...args);
      expect((await service.add(TRAINER, 'c1', users('U0S2'))).labs[0]!.id).toMatch(/^class-[a-z2-9]{6}$/);
      classes.seatWithinLimits = () => Promise.reject(new DuplicateLabError('x'));
      await expect(service.add(TRAINER, 'c1', users('U0S3'))).rejects.toThrow(
        'could not find free lab ids for a class after 4 attempts',
      );
      classes.seatWithinLimits = () => Promise.reject(new DuplicateClassError('c1'));
      await expect(service.add(TRAINER, 'c1', users('U0S3'))).rejects.toThrow(DuplicateClassError);
    });
  });

  describe('list and show', () => {
    it('lists the trainer’s classes; every class only for admins', async () => {
      const { service } = setup();
      await service.create({ trainer: TRAINER, name: 'mine', students: users('U0S1') });
      await service.create({ trainer: 'U0OTHER', name: 'theirs', students: users('U0S2') });
      expect((await service.list(TRAINER)).map((c) => c.name)).toEqual(['mine']);
      expect((await service.list(ADMIN, true)).map((c) => c.name)).toEqual(['theirs', 'mine']);
      expect(await refusal(service.list(TRAINER, true))).toEqual({
        code: 'not_owner',
        message: 'Only labbot admins can list every class. `/lab class list` shows yours.',
      });
    });

    it('shows a class with its seats and the labs still in the store', async () => {
      const { service, store } = setup();
      const { labs } = await service.create({
        trainer: TRAINER,
        name: 'c1',
        students: users('U0S1', 'U0S2'),
      });
      store.labs.delete(labs[1]!.id);
      const shown = await service.show('c1');
      expect(shown.classroom.name).toBe('c1');
      expect(shown.seats.map((s) => [s.student, s.labId])).toEqual(labs.map((l) => [l.owner, l.id]));
      expect(shown.labs).toEqual([labs[0]]);
      expect(await refusal(service.show('nope'))).toEqual({
        code: 'not_found',
        message: 'There is no class nope. `/lab class list` shows yours.',
      });
    });
  });

  describe('forAll', () => {
    it('runs the verb on every live lab, reports the ones it does not apply to, and audits the count', async () => {
      const { service, labs: labService, rosters, audit, store } = setup();
      const { labs } = await service.create({
        trainer: TRAINER,
        name: 'c1',
        students: users('U0S1', 'U0S2', 'U0S3'),
      });
      await labService.suspend('U0S2', labs[1]!.id);
      await labService.teardown('U0S3', labs[2]!.id);
      rosters.length = 0;
      const result = await service.forAll(TRAINER, 'c1', 'suspend');
      expect(result.done.map((l) => [l.id, l.desired])).toEqual([[labs[0]!.id, 'suspended']]);
      expect(result.skipped).toEqual([
        { labId: labs[1]!.id, reason: `Lab ${labs[1]!.id} is already suspended.` },
      ]);
      expect(rosters).toEqual(['c1']);
      expect(audit.entries.at(-1)).toEqual({
        at: START,
        actor: TRAINER,
        action: 'class-suspend',
        detail: 'c1: 1 labs, 1 skipped',
        result: 'ok',
      });
      expect((await store.get(labs[0]!.id))!.desired).toBe('suspended');
      expect((await service.show('c1')).classroom.endedAt).toBeUndefined();
    });

    it('resumes, extends by the minutes given, and tears down, which ends the class', async () => {
      const { service, clock } = setup();
      const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      await service.forAll(TRAINER, 'c1', 'suspend');
      expect((await service.forAll(TRAINER, 'c1', 'resume')).done.map((l) => l.desired)).toEqual(['running']);
      expect((await service.forAll(TRAINER, 'c1', 'extend', 30)).done.map((l) => l.expiresAt)).toEqual([
        new Date(labs[0]!.expiresAt.getTime() + 30 * 60_000),
      ]);
      clock.advance(1000);
      expect((await service.forAll(TRAINER, 'c1', 'teardown')).done.map((l) => l.desired)).toEqual([
        'deleted',
      ]);
      expect((await service.show('c1')).classroom.endedAt).toEqual(new Date(START.getTime() + 1000));
    });

    it('passes on a failure that is not a refusal', async () => {
      const { service, store } = setup();
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      store.applyRequest = () => Promise.reject(new Error('database gone'));
      await expect(service.forAll(TRAINER, 'c1', 'suspend')).rejects.toThrow('database gone');
    });

    it('refuses someone who is not the trainer, naming the verb', async () => {
      const { service, audit } = setup();
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      expect(await refusal(service.forAll('U0S1', 'c1', 'teardown'))).toEqual({
        code: 'not_owner',
        message: 'Class c1 is someone else’s; only its trainer or an admin can teardown it.',
      });
      expect(audit.entries.at(-1)).toMatchObject({ action: 'class-teardown', result: 'denied' });
    });
  });

  it('knows the trainer of a class lab, and nobody’s for other labs', async () => {
    const { service } = setup();
    const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
    expect(await service.isTrainerOf(TRAINER, labs[0]!.id)).toBe(true);
    expect(await service.isTrainerOf('U0S1', labs[0]!.id)).toBe(false);
    expect(await service.isTrainerOf(TRAINER, 'demo-xyz')).toBe(false);
  });

  describe('labChanged', () => {
    const failed: LabEvent = { type: 'failed', reason: 'quota' };

    it('names the class of a class lab, and nothing for other labs', async () => {
      const { service } = setup();
      const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      expect(await service.labChanged(labs[0]!, { type: 'ready' })).toBe('c1');
      expect(await service.labChanged({ ...labs[0]!, id: 'demo-xyz' }, failed)).toBeUndefined();
    });

    it('replaces a failed class lab once, for the same student, and audits it', async () => {
      const { service, store, audit, woken, classes } = setup();
      const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      const lab = labs[0]!;
      woken.length = 0;
      audit.entries.length = 0;
      expect(await service.labChanged({ ...lab, phase: 'failed' }, failed)).toBe('c1');
      const replacement = classes.seatList.find((s) => s.replaces === lab.id)!;
      expect(replacement.student).toBe('U0S1');
      expect(woken).toEqual([replacement.labId]);
      expect(await store.get(replacement.labId)).toMatchObject({
        owner: 'U0S1',
        kind: 'class',
        phase: 'requested',
        expiresAt: lab.expiresAt,
      });
      expect(audit.entries).toEqual([
        {
          at: START,
          actor: 'labbot',
          labId: lab.id,
          action: 'class-replace',
          detail: `c1: ${lab.id} failed, replaced by ${replacement.labId}`,
          result: 'ok',
        },
      ]);

      // The replacement failing too is not replaced: the roster tells the trainer.
      const again = (await store.get(replacement.labId))!;
      await service.labChanged({ ...again, phase: 'failed' }, failed);
      expect(classes.seatList).toHaveLength(2);
      expect(audit.entries.at(-1)).toEqual({
        at: START,
        actor: 'labbot',
        labId: again.id,
        action: 'class-replace',
        detail: 'c1: replacement failed too',
        result: 'denied',
      });
      // A second event for the first failure writes nothing more.
      woken.length = 0;
      await service.labChanged({ ...lab, phase: 'failed' }, failed);
      expect([classes.seatList.length, woken]).toEqual([2, []]);
    });

    it('replaces nothing for a lab being torn down, for other events, or in an ended class', async () => {
      const { service, classes } = setup();
      const { labs } = await service.create({
        trainer: TRAINER,
        name: 'c1',
        students: users('U0S1', 'U0S2'),
      });
      await service.labChanged({ ...labs[0]!, desired: 'deleted' }, failed);
      await service.labChanged(labs[0]!, { type: 'ready' });
      expect(classes.seatList).toHaveLength(2);
      await classes.markEnded('c1', START);
      await service.labChanged(labs[1]!, failed);
      expect(classes.seatList).toHaveLength(2);
    });

    it('retries a replacement whose id clashes, in the store or as a database unique violation', async () => {
      for (const clash of [
        new DuplicateLabError('x'),
        Object.assign(new Error('dup'), { code: '23505' }),
        Object.assign(new Error('dup'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
        Object.assign(new Error('dup'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
      ]) {
        const { service, classes } = setup();
        const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
        const original = classes.replaceOnce.bind(classes);
        const ids: string[] = [];
        classes.replaceOnce = (seat, lab) => {
          ids.push(lab.id);
          return ids.length < 3 ? Promise.reject(clash) : original(seat, lab);
        };
        await service.labChanged(labs[0]!, failed);
        expect(ids.map((id) => id.length - 'class-'.length)).toEqual([4, 4, 6]);
        expect(classes.seatList).toHaveLength(2);
      }
    });

    it('passes on any other failure of the replacement', async () => {
      for (const failure of [
        new Error('gone'),
        Object.assign(new Error('other'), { code: '40001' }),
        'text',
      ]) {
        const { service, classes } = setup();
        const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
        // A non-error too (a string): isUniqueViolation must not read a code from it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- on purpose, see above
        classes.replaceOnce = () => Promise.reject(failure);
        await expect(service.labChanged(labs[0]!, failed)).rejects.toBe(failure);
      }
    });

    it('gives up quietly after four clashes', async () => {
      const { service, classes, woken } = setup();
      const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      let calls = 0;
      classes.replaceOnce = () => {
        calls++;
        return Promise.reject(new DuplicateLabError('x'));
      };
      woken.length = 0;
      await expect(service.labChanged(labs[0]!, failed)).resolves.toBe('c1');
      expect([calls, woken]).toEqual([4, []]);
    });
  });
  describe('edges', () => {
    it('runs without an audit log or a roster poster', async () => {
      const { service, store, woken } = setup({ bare: true });
      const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      const added = await service.add(TRAINER, 'c1', users('U0S2'));
      const { done } = await service.forAll(TRAINER, 'c1', 'teardown');
      expect(woken).toEqual([labs[0]!.id, added.labs[0]!.id, labs[0]!.id, added.labs[0]!.id]);
      expect(done.map((l) => l.desired)).toEqual(['deleted', 'deleted']);
      expect(store.labs.size).toBe(2);
      expect(await refusal(service.add('U0OTHER', 'c1', users('U0S3')))).toMatchObject({ code: 'not_owner' });
    });

    it('audits every latecomer seated, and each of their labs as deployed', async () => {
      const { service, audit } = setup();
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      audit.entries.length = 0;
      const { labs } = await service.add(TRAINER, 'c1', users('U0S2', 'U0S3'));
      expect(audit.entries).toEqual([
        { at: START, actor: TRAINER, action: 'class-add', detail: 'c1: U0S2, U0S3', result: 'ok' },
        ...labs.map((lab) => ({
          at: START,
          actor: TRAINER,
          labId: lab.id,
          action: 'deploy',
          detail: `class c1 for ${lab.owner}`,
          result: 'ok',
        })),
      ]);
    });

    it('refuses latecomers over the trainer’s spend limit, counting each new lab', async () => {
      const policy = { ...POLICY, limits: { ...POLICY.limits, maxHourlySpendPerUser: 0.3 } };
      const { service, audit } = setup({ policy });
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      expect(await refusal(service.add(TRAINER, 'c1', users('U0S2')))).toEqual({
        code: 'quota',
        message: expect.stringMatching(
          /^That would bring your labs and classes to \$0\.37\/h, over the \$0\.30\/h limit/,
        ) as string,
      });
      expect(audit.entries.at(-1)).toMatchObject({
        action: 'class-add',
        detail: 'c1: hourly spend limit 0.3 (class)',
        result: 'denied',
      });
    });

    it('tries a latecomer’s lab ids exactly four times', async () => {
      const { service, classes } = setup();
      await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      let calls = 0;
      classes.seatWithinLimits = () => {
        calls++;
        return Promise.reject(new DuplicateLabError('x'));
      };
      await expect(service.add(TRAINER, 'c1', users('U0S2'))).rejects.toThrow(
        'could not find free lab ids for a class after 4 attempts',
      );
      expect(calls).toBe(4);
    });

    it('leaves the trainer out of their channel or group silently', async () => {
      const { service } = setup({
        directory: directoryWithGroups({ C0ROOM: [TRAINER, 'U0S1'] }, { S0GRP: [TRAINER, 'U0S2'] }),
      });
      const { labs, skipped } = await service.create({
        trainer: TRAINER,
        students: [{ channel: 'C0ROOM' }, { userGroup: 'S0GRP' }],
      });
      expect(labs.map((l) => l.owner)).toEqual(['U0S1', 'U0S2']);
      expect(skipped).toEqual([]);
    });

    it('keeps the directory’s error as the cause of an unreadable channel', async () => {
      const { service } = setup({ directory: directoryWithGroups({}) });
      const error = await service
        .create({ trainer: TRAINER, students: [{ channel: 'C0PRIVATE' }] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).cause).toEqual(new Error('unknown C0PRIVATE'));
    });

    it('shows only the labs still in the store, no gap for a purged one', async () => {
      const { service, store } = setup();
      const { labs } = await service.create({
        trainer: TRAINER,
        name: 'c1',
        students: users('U0S1', 'U0S2'),
      });
      store.labs.delete(labs[0]!.id);
      const shown = await service.show('c1');
      expect(shown.labs).toHaveLength(1);
      expect(shown.labs[0]!.id).toBe(labs[1]!.id);
    });

    it('knows no trainer for a lab whose class record is gone', async () => {
      const { service, classes } = setup();
      const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
      classes.classes.delete('c1');
      expect(await service.isTrainerOf(TRAINER, labs[0]!.id)).toBe(false);
    });

    it('passes on a replacement failure that is null or undefined as it is', async () => {
      for (const failure of [null, undefined]) {
        const { service, classes } = setup();
        const { labs } = await service.create({ trainer: TRAINER, name: 'c1', students: users('U0S1') });
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- on purpose: no code to read
        classes.replaceOnce = () => Promise.reject(failure);
        await expect(service.labChanged(labs[0]!, { type: 'failed', reason: 'quota' })).rejects.toBe(failure);
      }
    });
  });
});

/** A class store whose first seating clashes on the class name (a random name taken by another class). */
class DuplicateOnce extends MemoryClassStore {
  private clashed = false;

  override seatWithinLimits(...args: Parameters<MemoryClassStore['seatWithinLimits']>) {
    if (!this.clashed) {
      this.clashed = true;
      return Promise.reject(new DuplicateClassError(args[1].className));
    }
    return super.seatWithinLimits(...args);
  }
}
