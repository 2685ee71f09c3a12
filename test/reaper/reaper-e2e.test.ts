import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { LabService } from '../../src/labs/lab-service';
import { type ReaperPolicy } from '../../src/labs/policy';
import { createSilentLogger } from '../../src/observability/logger';
import { type ReaperMessenger } from '../../src/reaper/reaper-ports';
import { runReapCycle } from '../../src/reaper/run-reap-cycle';
import { createStore, type Store } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { ManualClock } from '../helpers/clock';

/**
 * Issue 7, must show 1: the reaper end to end with the simulator's usage model, the real VCD client, the real
 * store (SQLite) and the real controller, all on one injected clock (the client's sleeps advance it).
 */
describe('e2e: reaper with the simulator usage model', () => {
  let dataDir: string;
  let db: LabbotDatabase;
  let sim: VcdSim;

  afterEach(async () => {
    await sim.close();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function setup(reaper: Partial<ReaperPolicy> = {}) {
    const clock = new ManualClock();
    sim = await startVcdSim({ speedFactor: 1, now: () => clock.now().getTime() });
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-reaper-'));
    db = await openDatabase({ kind: 'sqlite', dataDir });
    await migrateToLatest(db);
    const store: Store = createStore(db, { holder: 'test', now: () => clock.now() });
    const logger = createSilentLogger();
    const sleep = (ms: number) => {
      clock.advance(ms);
      return Promise.resolve();
    };
    const cloud = new VcdCloud({
      url: sim.url,
      org: 'lab',
      vdc: 'lab-vdc',
      catalog: 'labs',
      networks: DEFAULT_POLICY.networks,
      auth: { kind: 'token', apiToken: 'simulated-api-token' },
      simulated: true,
      logger,
      clock,
      sleep,
    });
    const notifier = { labChanged: () => Promise.resolve(), tellAdmins: () => Promise.resolve() };
    const policy = {
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 50, maxHourlySpendPerUser: 100 },
      reaper: { ...DEFAULT_POLICY.reaper, ...reaper },
    };
    const controller = new LabController({
      installationId: 'install-test',
      store: store.labs,
      cloud,
      notifier,
      clock,
      sleep,
      logger,
      policy,
    });
    let seed = 5;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const service = new LabService({
      store: store.labs,
      waker: controller,
      clock,
      random,
      policy,
      signals: store.signals,
      newToken: () => 'token',
    });
    const dms: { user: string; reply: Reply }[] = [];
    const messenger: ReaperMessenger = {
      dm: (user, reply) => {
        dms.push({ user, reply });
        return Promise.resolve();
      },
      post: () => Promise.resolve(),
    };
    const deploy = async (user: string) => {
      const { lab } = await service.deploy({ user, kind: 'demo', template: 'esxi8' });
      await controller.idle();
      return lab.id;
    };
    const cycles = async (mode: 'plan' | 'enforce', minutes: number, each?: () => Promise<void>) => {
      for (let m = 0; m < minutes; m += 5) {
        clock.advance(5 * 60_000);
        await each?.();
        await runReapCycle(
          {
            store: store.labs,
            signals: store.signals,
            cloud,
            waker: controller,
            messenger,
            clock,
            policy,
            logger,
          },
          mode,
        );
        await controller.idle();
      }
    };
    return { clock, store, service, deploy, cycles, dms };
  }

  it('warns about an abandoned lab, suspends it for its restore window and deletes it unclaimed; never warns labs in use', async () => {
    const { store, service, deploy, cycles, dms } = await setup({ restoreWindowHours: 1 });
    const abandoned = await deploy('U0ABANDON');
    const busy = await deploy('U0BUSY');
    const keptAlive = await deploy('U0KEEPALIVE');
    const chatty = await deploy('U0CHATTY');
    sim.state.setUsage({ vApp: `lab-${abandoned}` }, { kind: 'abandoned', afterMinutes: 0 });
    sim.state.setUsage({ vApp: `lab-${busy}` }, { kind: 'busy' });
    sim.state.setUsage({ vApp: `lab-${keptAlive}` }, { kind: 'idle' });
    sim.state.setUsage({ vApp: `lab-${chatty}` }, { kind: 'idle' });

    const inUse = async () => {
      expect(await service.keepalive(keptAlive, 'token')).toBe(true);
      await service.touch(chatty);
    };
    await cycles('enforce', 100, inUse);
    const inWindow = await store.labs.get(abandoned);
    const vAppInWindow = sim.state.findVAppByName(`lab-${abandoned}`);
    await cycles('enforce', 65, inUse);

    expect(inWindow).toMatchObject({ phase: 'suspended', desired: 'suspended' });
    expect(inWindow?.restoreUntil).toBeDefined();
    expect(vAppInWindow).toBeDefined();
    expect((await store.labs.get(abandoned))?.phase).toBe('deleted');
    expect(sim.state.findVAppByName(`lab-${abandoned}`)).toBeUndefined();
    // The warning, the suspend (with "Bring it back"), the delete when the window ended.
    expect(dms.map((d) => [d.user, d.reply.title])).toEqual([
      ['U0ABANDON', 'One of your labs looks unused'],
      ['U0ABANDON', 'labbot cleaned up one of your labs'],
      ['U0ABANDON', 'labbot cleaned up one of your labs'],
    ]);
    for (const id of [busy, keptAlive, chatty]) {
      expect((await store.labs.get(id))?.phase).toBe('ready');
    }
  });

  it('leaves a snoozed lab alone until the snooze ends', async () => {
    const { clock, store, service, deploy, cycles, dms } = await setup();
    const id = await deploy('U0SNOOZE');
    sim.state.setUsage({ vApp: `lab-${id}` }, { kind: 'idle' });
    await cycles('enforce', 65);
    expect(dms).toHaveLength(1);

    await service.keep('U0SNOOZE', id, new Date(clock.now().getTime() + 3 * 3_600_000));
    await cycles('enforce', 175);
    expect(dms).toHaveLength(1);
    expect((await store.labs.get(id))?.phase).toBe('ready');

    await cycles('enforce', 10);
    expect(dms).toHaveLength(2);
  });

  it('changes nothing in plan mode', async () => {
    const { store, deploy, cycles, dms } = await setup();
    const id = await deploy('U0PLAN');
    sim.state.setUsage({ vApp: `lab-${id}` }, { kind: 'idle' });

    await cycles('plan', 240);

    const lab = await store.labs.get(id);
    expect(lab?.phase).toBe('ready');
    expect(lab?.reapWarnedAt).toBeUndefined();
    expect(dms).toEqual([]);
    expect(sim.state.findVAppByName(`lab-${id}`)).toBeDefined();
  });

  it('brings a lab back from its restore window with /lab resume; it is never deleted', async () => {
    const { store, service, deploy, cycles } = await setup({ restoreWindowHours: 1 });
    const id = await deploy('U0BACK');
    sim.state.setUsage({ vApp: `lab-${id}` }, { kind: 'idle' });
    await cycles('enforce', 100);
    expect((await store.labs.get(id))?.phase).toBe('suspended');

    await service.resume('U0BACK', id);
    sim.state.setUsage({ vApp: `lab-${id}` }, { kind: 'busy' });
    await cycles('enforce', 90);

    const lab = await store.labs.get(id);
    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.restoreUntil).toBeUndefined();
  });
});
