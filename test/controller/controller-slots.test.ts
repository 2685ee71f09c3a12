import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { LabService } from '../../src/labs/lab-service';
import { type CloudTask, type DeployRequest } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { MemoryLabStore } from '../helpers/memory-lab-store';

/** A cloud whose instantiate tasks run until released, and which counts the deploys being started at once. */
class GatedCloud extends FakeCloud {
  readonly waiting: (() => void)[] = [];
  startsInFlight = 0;
  maxStartsInFlight = 0;

  override async startDeploy(request: DeployRequest): Promise<{ vappHref: string; task: CloudTask }> {
    this.startsInFlight++;
    this.maxStartsInFlight = Math.max(this.maxStartsInFlight, this.startsInFlight);
    // Let the other labs' steps run meanwhile, as a real HTTP call would.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.startsInFlight--;
    return super.startDeploy(request);
  }

  override async waitForTask(task: CloudTask): Promise<void> {
    if (
      [...this.vapps.values()].some((v) => v.pendingTask?.href === task.href && v.powerState === 'creating')
    ) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return super.waitForTask(task);
  }
}

/** Lets every pending promise and immediate settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('controller slots', () => {
  it('bounds the labs issuing calls at once, but not the tasks they wait for: a classroom deploys together', async () => {
    const store = new MemoryLabStore();
    const cloud = new GatedCloud();
    const clock = new ManualClock();
    const policy = { ...DEFAULT_POLICY, limits: { maxLabsPerUser: 50, maxHourlySpendPerUser: 1000 } };
    const controller = new LabController({
      installationId: 'install-test',
      store,
      cloud,
      notifier: { labChanged: () => Promise.resolve(), tellAdmins: () => Promise.resolve() },
      clock,
      sleep: () => Promise.resolve(),
      logger: createSilentLogger(),
      policy,
      maxConcurrentLabs: 2,
    });
    const service = new LabService({ store, waker: controller, clock, random: sequenceRandom(), policy });

    for (let i = 0; i < 6; i++) {
      await service.deploy({ user: `U${i}`, kind: 'demo', template: 'esxi8' });
    }
    await settle();

    // All six instantiations run in VCD at once, although only two labs may issue calls at a time.
    expect(cloud.waiting).toHaveLength(6);
    expect(cloud.maxStartsInFlight).toBeLessThanOrEqual(2);

    while (cloud.waiting.length > 0) {
      cloud.waiting.shift()?.();
    }
    await controller.idle();
    expect((await store.list({})).map((l) => l.phase)).toEqual(Array.from({ length: 6 }, () => 'ready'));
  });
});
