import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { CloudError } from '../../src/labs/errors';
import { type Lab } from '../../src/labs/lab';
import { LabService } from '../../src/labs/lab-service';
import { type LabEvent, type LabNotifier } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { MemoryLabStore } from '../helpers/memory-lab-store';

class RecordingNotifier implements LabNotifier {
  readonly events: { labId: string; event: LabEvent }[] = [];
  labChanged(lab: Lab, event: LabEvent): Promise<void> {
    this.events.push({ labId: lab.id, event });
    return Promise.resolve();
  }
  messages(): string[] {
    return this.events.map(({ event }) => (event.type === 'progress' ? event.message : event.type));
  }
}

function setup(
  store = new MemoryLabStore(),
  cloud = new FakeCloud(),
  options: { wake?: boolean; random?: () => number } = {},
) {
  const clock = new ManualClock();
  const notifier = new RecordingNotifier();
  const sleeps: number[] = [];
  const controller = new LabController({
    store,
    cloud,
    notifier,
    clock,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    logger: createSilentLogger(),
    policy: DEFAULT_POLICY,
  });
  const waker = options.wake === false ? { wake: () => undefined } : controller;
  const service = new LabService({
    store,
    waker,
    clock,
    random: options.random ?? sequenceRandom(),
    policy: DEFAULT_POLICY,
  });
  return { store, cloud, clock, notifier, controller, service, sleeps };
}

describe('controller/lab-controller', () => {
  it('deploys a lab: instantiate, tag, power on, ready with its VMs', async () => {
    const { service, controller, store, cloud, notifier } = setup();

    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();

    const ready = await store.get(lab.id);
    expect(ready).toMatchObject({ phase: 'ready', desired: 'running', vappName: `lab-${lab.id}` });
    expect(ready?.taskHref).toBeUndefined();
    expect(typeof ready?.readyAt?.getTime()).toBe('number');
    expect(ready?.vms[0]?.nics[0]?.mac).toBe('00:50:56:01:00:01');
    expect(notifier.messages()).toEqual(['deploying…', 'configuring…', 'powering on…', 'ready']);
    expect(cloud.metadata.get(ready?.vappHref ?? '')).toEqual({
      'labbot.id': lab.id,
      'labbot.owner': 'U1',
      'labbot.kind': 'demo',
      'labbot.expiresAt': lab.expiresAt.toISOString(),
    });
  });

  it('records the task href before waiting on it, so a restart resumes the same task', async () => {
    const { service, controller, store } = setup();

    await service.deploy({ user: 'U1', kind: 'demo' });
    await controller.idle();

    const deployingWithTask = store.history.find((l) => l.phase === 'deploying' && l.taskHref !== undefined);
    expect(deployingWithTask?.vappHref).toBeDefined();
    const intentFirst = store.history.findIndex((l) => l.phase === 'deploying' && l.vappHref === undefined);
    expect(intentFirst).toBeLessThan(store.history.indexOf(deployingWithTask as Lab));
  });

  it('resumes after a crash mid-deploy without instantiating twice', async () => {
    const first = setup(undefined, undefined, { wake: false });
    const { lab } = await first.service.deploy({ user: 'U1', kind: 'demo' });
    // Simulate the crash: the instantiate call went out, then the process died before anything else.
    const { vappHref, task } = await first.cloud.startDeploy({
      vappName: lab.vappName,
      description: '',
      templateName: 'x',
      runtimeLeaseSeconds: 1,
    });
    await first.store.update({ ...lab, phase: 'deploying', vappHref, taskHref: task.href });

    const second = setup(first.store, first.cloud);
    await second.controller.resumeAll();
    await second.controller.idle();

    expect((await second.store.get(lab.id))?.phase).toBe('ready');
    expect(second.cloud.calls.filter((c) => c.startsWith('startDeploy'))).toHaveLength(1);
  });

  it('adopts the vApp by name when the crash came before the href was recorded', async () => {
    const first = setup(undefined, undefined, { wake: false });
    const { lab } = await first.service.deploy({ user: 'U1', kind: 'demo' });
    await first.cloud.startDeploy({
      vappName: lab.vappName,
      description: '',
      templateName: 'x',
      runtimeLeaseSeconds: 1,
    });
    await first.store.update({ ...lab, phase: 'deploying' });

    const second = setup(first.store, first.cloud);
    await second.controller.resumeAll();
    await second.controller.idle();

    expect((await second.store.get(lab.id))?.phase).toBe('ready');
    expect(second.cloud.calls.filter((c) => c.startsWith('startDeploy'))).toHaveLength(1);
    expect(second.cloud.calls).toContain(`findVAppByName ${lab.vappName}`);
  });

  it('tears a lab down: undeploy, delete, deleted, and the vApp is gone', async () => {
    const { service, controller, store, cloud, notifier } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await controller.idle();

    await service.teardown('U1', lab.id);
    await controller.idle();

    const ended = await store.get(lab.id);
    expect(ended?.phase).toBe('deleted');
    expect(typeof ended?.endedAt?.getTime()).toBe('number');
    expect(cloud.vapps.size).toBe(0);
    expect(notifier.messages().slice(-2)).toEqual(['tearing down…', 'deleted']);
  });

  it('fails a deploy whose task fails, cleans up what was created, and says so', async () => {
    const { service, controller, store, cloud, notifier } = setup();
    cloud.failingTasks.push('powerOn');

    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await controller.idle();

    const failed = await store.get(lab.id);
    expect(failed?.phase).toBe('failed');
    expect(failed?.failureReason).toMatch(
      /^Deploy failed while waiting for VCD: task powerOn failed: simulated failure\. Cleaned up: vApp lab-demo-\w+ deleted\.$/,
    );
    expect(cloud.vapps.size).toBe(0);
    expect(notifier.messages().at(-1)).toBe('failed');
  });

  it('fails cleanly when the instantiate call itself is refused: nothing to clean up', async () => {
    const { service, controller, store, cloud } = setup();
    cloud.failNext('startDeploy', new CloudError('api', 'The VDC is out of storage'));

    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await controller.idle();

    const failed = await store.get(lab.id);
    expect(failed?.phase).toBe('failed');
    expect(failed?.failureReason).toBe(
      'Deploy failed while creating the vApp: The VDC is out of storage. Cleaned up: nothing had been created.',
    );
  });

  it('retries a step when VCD is unavailable, with backoff through the injected sleep', async () => {
    const { service, controller, store, cloud, sleeps } = setup();
    cloud.failNext('startPowerOn', new CloudError('unavailable', 'connection reset'));
    cloud.failNext('startPowerOn', new CloudError('unavailable', 'connection reset'));

    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await controller.idle();

    expect((await store.get(lab.id))?.phase).toBe('ready');
    expect(sleeps).toEqual([2000, 4000]);
  });

  it('tears down a lab requested for deletion while it was still deploying', async () => {
    const { service, controller, store, cloud } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await service.teardown('U1', lab.id);

    await controller.idle();

    expect((await store.get(lab.id))?.phase).toBe('deleted');
    expect(cloud.vapps.size).toBe(0);
  });

  it('drives many labs concurrently without mixing them up', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const { service, controller, store, cloud } = setup(undefined, undefined, { random });

    const labs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => service.deploy({ user: `U${i}`, kind: 'class' })),
    );
    await controller.idle();

    for (const { lab } of labs) {
      expect((await store.get(lab.id))?.phase).toBe('ready');
    }
    expect(new Set(labs.map(({ lab }) => lab.id)).size).toBe(20);
    expect(cloud.vapps.size).toBe(20);
  });
});
