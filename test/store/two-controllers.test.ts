import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { LabService } from '../../src/labs/lab-service';
import { createSilentLogger } from '../../src/observability/logger';
import { createStore } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { ManualClock } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { databaseKinds, type TestDatabase } from './test-databases';

/**
 * Issue 5, must show 2: two controllers, each with its own connection pool to one database (as two bot
 * replicas would have), deploy 20 labs; claims make sure no lab is handled twice.
 */
for (const kind of databaseKinds('Two controllers')) {
  describe(`two controllers sharing one ${kind.name} database`, () => {
    let testDb: TestDatabase;
    let first: LabbotDatabase;
    let second: LabbotDatabase;

    beforeEach(async () => {
      testDb = await kind.create();
      first = await openDatabase(testDb.target);
      second = await openDatabase(testDb.target);
      await migrateToLatest(first);
    });

    afterEach(async () => {
      await first.close();
      await second.close();
      await testDb.dispose();
    });

    it('deploy 20 labs with no lab handled twice', async () => {
      const clock = new ManualClock();
      const cloud = new FakeCloud();
      const logger = createSilentLogger();
      const notifier = { labChanged: () => Promise.resolve(), tellAdmins: () => Promise.resolve() };
      const policy = { ...DEFAULT_POLICY, limits: { maxLabsPerUser: 50, maxHourlySpendPerUser: 1000 } };
      const replica = (db: LabbotDatabase, holder: string) => {
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
        return { store, controller };
      };
      const a = replica(first, 'replica-a');
      const b = replica(second, 'replica-b');
      let seed = 17;
      const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
      const requests = new LabService({
        store: a.store.labs,
        waker: { wake: () => undefined },
        clock,
        random,
        policy,
      });
      for (let i = 0; i < 20; i++) {
        await requests.deploy({ user: `U${i}`, kind: 'class' });
      }

      await Promise.all([a.controller.resumeAll(), b.controller.resumeAll()]);
      await Promise.all([a.controller.idle(), b.controller.idle()]);

      const labs = await a.store.labs.list({});
      expect(labs).toHaveLength(20);
      expect(labs.every((l) => l.phase === 'ready')).toBe(true);
      expect(cloud.calls.filter((c) => c.startsWith('startDeploy'))).toHaveLength(20);
      expect(cloud.calls.filter((c) => c.startsWith('startPowerOn'))).toHaveLength(20);
      expect(new Set(cloud.calls.filter((c) => c.startsWith('startDeploy'))).size).toBe(20);
    });
  });
}
