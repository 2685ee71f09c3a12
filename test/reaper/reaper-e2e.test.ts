import { type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabService } from '../../src/labs/lab-service';
import { type ReaperPolicy } from '../../src/labs/policy';
import { type ReaperMessenger } from '../../src/reaper/reaper-ports';
import { runReapCycle } from '../../src/reaper/run-reap-cycle';
import { type VcdSim } from '../../src/vcdsim/vcd-sim';
import { ManualClock } from '../helpers/clock';
import { type ReaperWorld, startReaperWorld } from './reaper-world';

/**
 * Issue 7, must show 1: the reaper end to end with the simulator's usage model, the real VCD client, the real
 * store (SQLite) and the real controller, all on one injected clock (the client's sleeps advance it).
 */
describe('e2e: reaper with the simulator usage model', () => {
  let world: ReaperWorld;
  let sim: VcdSim;

  afterEach(async () => {
    await world.close();
  });

  async function setup(reaper: Partial<ReaperPolicy> = {}) {
    const clock = new ManualClock();
    const policy = {
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 50, maxHourlySpendPerUser: 100 },
      reaper: { ...DEFAULT_POLICY.reaper, ...reaper },
    };
    world = await startReaperWorld(clock, policy, 'labbot-reaper-');
    sim = world.sim;
    const { store, cloud, controller, logger } = world;
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
