import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { ClassService } from '../../src/labs/class-service';
import { type Lab } from '../../src/labs/lab';
import { LabService } from '../../src/labs/lab-service';
import { createStore, type Store } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { ManualClock } from '../helpers/clock';
import { directoryOf, directoryWithGroups, person } from '../helpers/directory';
import { MemoryAudit } from '../helpers/memory-claims';
import { databaseKinds, type TestDatabase } from './test-databases';

const TRAINER = 'U0TRAINER';
const policy = {
  ...DEFAULT_POLICY,
  // esxi8 bills $0.18/h in the default rates: the trainer's cap fits four class labs, not five.
  limits: { maxLabsPerUser: 2, maxHourlySpendPerUser: 0.8, maxStudentsPerClass: 6 },
};

/**
 * Classes against the real store (SQLite, and PostgreSQL when configured): the trainer's limits, the students' limits
 * untouched, latecomers, the trainer's rights over student labs, and a failed lab replaced exactly once.
 */
for (const kind of databaseKinds('KyselyClassStore')) {
  describe(`classes on ${kind.name}`, () => {
    let testDb: TestDatabase;
    let db: LabbotDatabase;
    let store: Store;
    let labs: LabService;
    let classes: ClassService;
    let audit: MemoryAudit;
    const woken: string[] = [];

    beforeEach(async () => {
      testDb = await kind.create();
      db = await openDatabase(testDb.target);
      await migrateToLatest(db);
      const clock = new ManualClock();
      store = createStore(db, { holder: 'test', now: () => clock.now() });
      audit = new MemoryAudit();
      let seed = 7;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      const waker = { wake: (id: string) => void woken.push(id) };
      const hook: { classes?: ClassService } = {};
      labs = new LabService({
        store: store.labs,
        waker,
        clock,
        random,
        policy,
        audit,
        isTrainerOf: (user, labId) => hook.classes!.isTrainerOf(user, labId),
      });
      classes = new ClassService({
        labs,
        store: store.labs,
        classes: store.classes,
        waker,
        clock,
        random,
        policy,
        audit,
        directory: directoryWithGroups({ C0CLASS: [TRAINER, 'U0A', 'U0B', 'U0BOT'] }, { S0GRP: ['U0C'] }),
      });
      hook.classes = classes;
      woken.length = 0;
    });

    afterEach(async () => {
      await db.close();
      await testDb.dispose();
    });

    const create = (students: string[], name = 'vsphere-101') =>
      classes.create({
        trainer: TRAINER,
        channel: 'C0CLASS',
        template: 'esxi8',
        students: students.map((user) => ({ user })),
        name,
      });

    it('gives each student a lab of their own, in their DM, that counts against the trainer and not them', async () => {
      const { labs: created, classroom } = await classes.create({
        trainer: TRAINER,
        channel: 'C0CLASS',
        template: 'esxi8',
        students: [{ channel: 'C0CLASS' }, { userGroup: 'S0GRP' }],
        name: 'vsphere-101',
      });

      expect(classroom).toMatchObject({ name: 'vsphere-101', trainer: TRAINER, channel: 'C0CLASS' });
      expect(created.map((l) => [l.owner, l.kind, l.channel])).toEqual([
        ['U0A', 'class', 'U0A'],
        ['U0B', 'class', 'U0B'],
        ['U0BOT', 'class', 'U0BOT'],
        ['U0C', 'class', 'U0C'],
      ]);
      expect(woken.sort()).toEqual(created.map((l) => l.id).sort());
      // A student's own limit (2 labs) ignores their class lab: they can still deploy two of their own.
      await labs.deploy({ user: 'U0A', kind: 'demo', template: 'esxi8' });
      await labs.deploy({ user: 'U0A', kind: 'demo', template: 'esxi8' });
      expect((await labs.list('U0A', false)).map((l) => l.kind).sort()).toEqual(['class', 'demo', 'demo']);
    });

    it('records the first roster message only: a second replica’s is refused, a gone one replaced', async () => {
      await create(['U0A']);

      expect(await store.classes.setRosterRef('vsphere-101', 'C0CLASS', '1.000001')).toBe(true);
      expect(await store.classes.setRosterRef('vsphere-101', 'C0CLASS', '1.000002')).toBe(false);
      expect((await store.classes.get('vsphere-101'))?.rosterTs).toBe('1.000001');
      // The message was found gone: its replacement is recorded in its place, once.
      expect(await store.classes.setRosterRef('vsphere-101', 'C0CLASS', '1.000003', '1.000001')).toBe(true);
      expect(await store.classes.setRosterRef('vsphere-101', 'C0CLASS', '1.000004', '1.000001')).toBe(false);
      expect((await store.classes.get('vsphere-101'))?.rosterTs).toBe('1.000003');
    });

    it('refuses a class over the trainer’s spend cap or the class size, writing nothing', async () => {
      await expect(create(['U0A', 'U0B', 'U0C', 'U0D', 'U0E'])).rejects.toThrow(
        /\$0\.91\/h, over the \$0\.80\/h limit per person \(a class counts against its trainer\)/,
      );
      await expect(create(['U01', 'U02', 'U03', 'U04', 'U05', 'U06', 'U07'])).rejects.toThrow(
        'A class may have at most 6 students; this one would have 7.',
      );
      expect(await store.classes.list({ includeEnded: true })).toEqual([]);
      expect(await store.labs.list({ includeEnded: true })).toEqual([]);
      // The trainer's own lab and the class share the cap, under one lock.
      await labs.deploy({ user: TRAINER, kind: 'demo', template: 'esxi8' });
      await create(['U0A', 'U0B', 'U0C']);
      await expect(classes.add(TRAINER, 'vsphere-101', [{ user: 'U0D' }])).rejects.toThrow(/\$0\.91\/h/);
    });

    it('seats a latecomer, and skips who already has a lab in the class', async () => {
      await create(['U0A']);
      const added = await classes.add(TRAINER, 'vsphere-101', [{ user: 'U0A' }, { user: 'U0B' }]);
      expect(added.labs.map((l) => l.owner)).toEqual(['U0B']);
      expect(added.skipped).toEqual([{ student: 'U0A', reason: 'already has a lab in this class' }]);
      expect((await classes.show('vsphere-101')).labs.map((l) => l.owner)).toEqual(['U0A', 'U0B']);
      await expect(classes.add('U0A', 'vsphere-101', [{ user: 'U0C' }])).rejects.toThrow(
        'Class vsphere-101 is someone else’s; only its trainer or an admin can add students to it.',
      );
    });

    it('lets the trainer manage a student’s lab, and no other student', async () => {
      const { labs: created } = await create(['U0A', 'U0B']);
      const [a, b] = created as [Lab, Lab];
      await expect(labs.teardown('U0B', a.id)).rejects.toThrow(/belongs to someone else/);
      expect((await labs.suspend(TRAINER, a.id)).desired).toBe('suspended');
      expect((await labs.teardown('U0B', b.id)).desired).toBe('deleted');
      const all = await classes.forAll(TRAINER, 'vsphere-101', 'teardown');
      expect(all.done.map((l) => l.id)).toEqual([a.id]);
      expect((await store.classes.get('vsphere-101'))?.endedAt).toBeDefined();
    });

    it('replaces a failed lab once, on whichever replica sees it, and not a second time', async () => {
      const { labs: created } = await create(['U0A']);
      const first = { ...created[0]!, phase: 'failed' as const, failureReason: 'deploy failed' };
      await store.labs.update(first);

      expect(await classes.labChanged(first, { type: 'failed', reason: 'x' })).toBe('vsphere-101');
      // Another replica seeing the same failure writes nothing more.
      await classes.labChanged(first, { type: 'failed', reason: 'x' });
      const seats = await store.classes.seats('vsphere-101');
      expect(seats.map((s) => [s.student, s.replaces])).toEqual([
        ['U0A', undefined],
        ['U0A', first.id],
      ]);
      const replacement = { ...(await store.labs.get(seats[1]!.labId))!, phase: 'failed' as const };
      await store.labs.update(replacement);
      await classes.labChanged(replacement, { type: 'failed', reason: 'y' });
      expect(await store.classes.seats('vsphere-101')).toHaveLength(2);
      expect(audit.actions()).toContain(`labbot class-replace ${replacement.id} denied`);
    });

    it('seats no bot, guest or stranger named in person, and says why', async () => {
      const strict = new ClassService({
        labs,
        store: store.labs,
        classes: store.classes,
        waker: { wake: () => undefined },
        clock: new ManualClock(),
        random: () => 0.5,
        policy,
        directory: directoryOf([person('U0A'), person('U0BOT', { bot: true })]),
      });
      const result = await strict.create({
        trainer: TRAINER,
        template: 'esxi8',
        students: [{ user: 'U0A' }, { user: 'U0BOT' }, { user: TRAINER }],
      });
      expect(result.labs.map((l) => l.owner)).toEqual(['U0A']);
      expect(result.skipped.map((s) => s.student)).toEqual([TRAINER, 'U0BOT']);
    });
  });
}
