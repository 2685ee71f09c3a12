import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { warnLateScheduledLabs } from '../../src/controller/late-scheduled-labs';
import { LabController } from '../../src/controller/lab-controller';
import { type Lab } from '../../src/labs/lab';
import { LabService } from '../../src/labs/lab-service';
import { type LabNotifier } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { createStore } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { ManualClock } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { minimalLab } from '../helpers/labs';
import { databaseKinds, type TestDatabase } from './test-databases';

/** Issue 18 item 2: scheduled labs in a real store (SQLite, and PostgreSQL when configured), driven by real controllers. */
for (const kind of databaseKinds('Scheduled labs')) {
  describe(`scheduled labs on ${kind.name}`, () => {
    // Wednesday 09:00 UTC; the labs are wanted at 14:00 UTC.
    const NOW = new Date('2026-12-02T09:00:00Z');
    const READY_BY = new Date('2026-12-02T14:00:00Z');
    // The default expected deploy time (20 min) and one pass before.
    const DEPLOY_AT = new Date('2026-12-02T13:39:00Z');
    const policy = { ...DEFAULT_POLICY, limits: { maxLabsPerUser: 50, maxHourlySpendPerUser: 1000 } };
    const logger = createSilentLogger();
    let testDb: TestDatabase;
    let first: LabbotDatabase;
    let second: LabbotDatabase;
    let clock: ManualClock;
    let cloud: FakeCloud;
    let owners: { lab: string; message: string }[];
    const notifier: LabNotifier = {
      labChanged: () => Promise.resolve(),
      tellAdmins: () => Promise.resolve(),
      tellOwner: (lab, message) => {
        owners.push({ lab: lab.id, message });
        return Promise.resolve();
      },
    };

    beforeEach(async () => {
      testDb = await kind.create();
      first = await openDatabase(testDb.target);
      second = await openDatabase(testDb.target);
      await migrateToLatest(first);
      clock = new ManualClock(NOW);
      cloud = new FakeCloud();
      owners = [];
    });

    afterEach(async () => {
      await first.close();
      await second.close();
      await testDb.dispose();
    });

    /** One bot replica: its own connection pool, store, controller and use cases, as a restarted process has. */
    function replica(db: LabbotDatabase, holder: string) {
      const store = createStore(db, { holder, now: () => clock.now() });
      const controller = new LabController({
        installationId: 'install-test',
        store: store.labs,
        cloud,
        notifier,
        clock,
        sleep: () => Promise.resolve(),
        logger,
        policy,
        claims: { store: store.claims, holder },
      });
      let seed = holder.length * 7919;
      const service = new LabService({
        store: store.labs,
        waker: controller,
        clock,
        random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
        policy,
        deployHistory: store.labs,
      });
      return { store, controller, service };
    }

    async function pass(...replicas: ReturnType<typeof replica>[]): Promise<void> {
      await Promise.all(replicas.map((r) => r.controller.resumeAll()));
      await Promise.all(replicas.map((r) => r.controller.idle()));
    }

    it('stores the ready-by and deploy times and the late warning, which the controller never clears', async () => {
      const { store } = replica(first, 'replica-a');
      const lab = minimalLab({ phase: 'scheduled', readyBy: READY_BY, deployAt: DEPLOY_AT });
      await store.labs.insert(lab);
      expect(await store.labs.get(lab.id)).toStrictEqual(lab);

      await store.labs.applyRequest(lab.id, { lateWarnedAt: new Date('2026-12-02T13:50:00.001Z') });
      // A controller holding the copy read before the warning writes its fields back.
      await store.labs.update({ ...lab, phase: 'deploying' });
      expect(await store.labs.get(lab.id)).toStrictEqual({
        ...lab,
        phase: 'deploying',
        lateWarnedAt: new Date('2026-12-02T13:50:00.001Z'),
      });
    });

    it('learns a template’s deploy time from its latest ready labs, newest first', async () => {
      const { store } = replica(first, 'replica-a');
      const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 8, minute));
      await store.labs.insert(
        minimalLab({ id: 'demo-aaa', template: 'esxi8', createdAt: at(0), readyAt: at(12) }),
      );
      // Scheduled: from its deploy time, not from when it was scheduled.
      await store.labs.insert(
        minimalLab({
          id: 'demo-bbb',
          template: 'esxi8',
          createdAt: at(0),
          deployAt: at(30),
          readyAt: at(47),
        }),
      );
      await store.labs.insert(minimalLab({ id: 'demo-ccc', template: 'esxi8', createdAt: at(5) }));
      await store.labs.insert(
        minimalLab({ id: 'demo-ddd', template: 'esxi7', createdAt: at(0), readyAt: at(9) }),
      );

      expect(await store.labs.recentDeploys('esxi8', 20)).toEqual([
        { labId: 'demo-bbb', minutes: 17 },
        { labId: 'demo-aaa', minutes: 12 },
      ]);
      expect(await store.labs.recentDeploys('esxi8', 1)).toEqual([{ labId: 'demo-bbb', minutes: 17 }]);
    });

    it('starts 10 labs scheduled on two replicas at their deploy time, each exactly once, after a restart', async () => {
      const before = replica(first, 'replica-a');
      for (let i = 0; i < 10; i++) {
        const { lab, schedule } = await before.service.deploy({
          user: `U${i}`,
          kind: 'demo',
          readyBy: READY_BY,
        });
        expect(lab).toMatchObject({ phase: 'scheduled', readyBy: READY_BY, deployAt: DEPLOY_AT });
        // The lifetime counts from the ready time (demo default: 4 h).
        expect(lab.expiresAt).toEqual(new Date('2026-12-02T18:00:00Z'));
        expect(schedule).toEqual({
          expected: { minutes: 20, source: 'default (0 recent deploys)' },
          tight: false,
        });
      }
      await before.controller.idle();
      await before.controller.stop();

      // A restart: two new replicas on the same database, passes every minute until just before the deploy time.
      const a = replica(first, 'replica-a');
      const b = replica(second, 'replica-b');
      clock.advance(DEPLOY_AT.getTime() - NOW.getTime() - 60_000);
      await pass(a, b);
      expect(cloud.calls.filter((c) => c.startsWith('startDeploy'))).toEqual([]);
      expect((await a.store.labs.list({})).every((l) => l.phase === 'scheduled')).toBe(true);

      clock.advance(60_000);
      await pass(a, b);
      await pass(a, b);
      const deploys = cloud.calls.filter((c) => c.startsWith('startDeploy'));
      expect(deploys).toHaveLength(10);
      expect(new Set(deploys).size).toBe(10);
      const labs = await a.store.labs.list({});
      expect(labs.map((l) => l.phase)).toEqual(Array(10).fill('ready'));
      expect(labs.every((l) => l.readyAt !== undefined && l.readyAt <= READY_BY)).toBe(true);
      await a.controller.stop();
      await b.controller.stop();
    });

    it('cancels a scheduled lab with no cloud call; it cost nothing', async () => {
      const { service, controller, store } = replica(first, 'replica-a');
      const { lab } = await service.deploy({ user: 'U1', kind: 'demo', readyBy: READY_BY });
      await service.cancel('U1', lab.id);
      await controller.idle();
      clock.advance(READY_BY.getTime() - NOW.getTime());
      await pass({ service, controller, store });
      expect(await store.labs.get(lab.id)).toMatchObject({ phase: 'deleted', endedAt: NOW });
      expect(cloud.calls).toEqual([]);
      await controller.stop();
    });

    it('refuses to cancel a lab whose deploy has started', async () => {
      const { service, controller, store } = replica(first, 'replica-a');
      const { lab } = await service.deploy({ user: 'U1', kind: 'demo', readyBy: READY_BY });
      clock.advance(DEPLOY_AT.getTime() - NOW.getTime());
      await pass({ service, controller, store });
      await expect(service.cancel('U1', lab.id)).rejects.toThrow(/is not waiting to deploy \(it is ready\)/);
      await controller.stop();
    });

    it('tells the owner once, before the ready time, when the deploy has not started', async () => {
      const { service, store, controller } = replica(first, 'replica-a');
      const { lab } = await service.deploy({ user: 'U1', kind: 'demo', readyBy: READY_BY });
      // The deploy wakes the controller, which finds nothing to do yet; then it stops, as if every replica were down.
      await controller.stop();
      const warn = (): Promise<string[]> =>
        warnLateScheduledLabs({ store: store.labs, notifier, clock, policy, logger, audit: store.audit });

      clock.advance(DEPLOY_AT.getTime() - NOW.getTime());
      expect(await warn()).toEqual([]);
      // No replica picked it up (none runs in this test): five passes late, the owner hears it, 16 minutes ahead (rounded).
      clock.advance(5 * 60_000 + 1);
      expect(await warn()).toEqual([lab.id]);
      expect(await warn()).toEqual([]);
      expect(owners).toEqual([
        {
          lab: lab.id,
          message: expect.stringMatching(/should be ready in 16m but its deploy has not started yet/),
        },
      ]);
      expect(await store.labs.get(lab.id)).toMatchObject<Partial<Lab>>({ lateWarnedAt: clock.now() });
      expect(await store.audit.list({ labId: lab.id, limit: 5 })).toEqual(
        expect.arrayContaining([expect.objectContaining({ action: 'late-warning', actor: 'controller' })]),
      );
    });
  });
}
