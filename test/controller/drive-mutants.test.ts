/**
 * What `drive` does when a step fails (controller/drive.ts): transient errors retried with doubling back-off, a
 * failed deploy step named in the reason users read, a failed suspend or resume reported and given up, a stuck
 * teardown retried a few times and then reported. Each through the controller, on fakes.
 */
import { CloudError, LabNetworkError } from '../../src/labs/errors';
import { type LabControllerDeps } from '../../src/controller/lab-controller';
import { type Lab } from '../../src/labs/lab';
import {
  type CapturedTemplate,
  type CapturedTemplateStore,
  type CloudTask,
  type DeployRequest,
} from '../../src/labs/ports';
import { wireCore } from '../helpers/core';
import { FakeCloud } from '../helpers/fake-cloud';
import { MemoryClaims } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';
import { messagesAt, recordingLogger } from '../helpers/logger';

const unavailable = (): CloudError => new CloudError('unavailable', 'connection reset');

function setup(controller: Partial<LabControllerDeps> = {}) {
  const logger = recordingLogger();
  const core = wireCore({ controller: { logger, ...controller } });
  return { ...core, logger };
}

type Setup = ReturnType<typeof setup>;

async function deployed(core: Setup): Promise<string> {
  const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo' });
  await core.controller.idle();
  return lab.id;
}

describe('drive: transient cloud errors', () => {
  it('retries a step up to five attempts, doubling the back-off, then fails the deploy', async () => {
    const core = setup();
    for (let i = 0; i < 5; i++) {
      core.cloud.failNext('startPowerOn', unavailable());
    }

    const id = await deployed(core);

    expect(core.sleeps).toEqual([2000, 4000, 8000, 16000]);
    const failed = await core.store.get(id);
    expect(failed?.phase).toBe('failed');
    expect(failed?.failureReason).toBe(
      `Deploy failed while powering on: connection reset. Cleaned up: vApp lab-${id} deleted, edge rules removed and public IP returned.`,
    );
    const warnings = core.logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.message)).toEqual(Array(4).fill('cloud unavailable, retrying step'));
    expect(warnings.map((l) => [l.fields['labId'], l.fields['step'], l.fields['attempt']])).toEqual(
      [1, 2, 3, 4].map((attempt) => [id, 'power-on', attempt]),
    );
    expect(messagesAt(core.logger, 'error')).toEqual(['lab step failed']);
    expect(core.logger.lines.find((l) => l.level === 'error')?.fields).toMatchObject({
      labId: id,
      step: 'power-on',
    });
  });

  it('succeeds on the last allowed attempt', async () => {
    const core = setup();
    for (let i = 0; i < 4; i++) {
      core.cloud.failNext('startPowerOn', unavailable());
    }

    const id = await deployed(core);

    expect(core.sleeps).toEqual([2000, 4000, 8000, 16000]);
    expect((await core.store.get(id))?.phase).toBe('ready');
  });

  it('follows transientAttempts and transientBackoffMs', async () => {
    const core = setup({ transientAttempts: 3, transientBackoffMs: 100 });
    for (let i = 0; i < 3; i++) {
      core.cloud.failNext('startPowerOn', unavailable());
    }

    const id = await deployed(core);

    expect(core.sleeps).toEqual([100, 200]);
    expect((await core.store.get(id))?.phase).toBe('failed');
  });

  it('starts the back-off again after a step succeeds', async () => {
    const core = setup();
    core.cloud.failNext('startDeploy', unavailable());
    core.cloud.failNext('startPowerOn', unavailable());

    const id = await deployed(core);

    expect(core.sleeps).toEqual([2000, 2000]);
    expect((await core.store.get(id))?.phase).toBe('ready');
  });

  it('does not retry an error that is not "unavailable"', async () => {
    const core = setup();
    core.cloud.failNext('startPowerOn', new CloudError('api', 'no'));

    const id = await deployed(core);

    expect(core.sleeps).toEqual([]);
    expect((await core.store.get(id))?.phase).toBe('failed');
  });
});

describe('drive: a deploy step that fails for good', () => {
  // Which operation fails, and the words the failure reason uses for its step.
  const cases: [Parameters<FakeCloud['failNext']>[0], string][] = [
    ['startDeploy', 'creating the vApp'],
    ['setMetadata', 'tagging the vApp'],
    ['configureNics', 'configuring the ESXi NICs'],
    ['claimPublicIp', 'allocating a public IP'],
    ['setLabEdgeRules', 'adding the edge rules'],
    ['startPowerOn', 'powering on'],
  ];

  it.each(cases)('names the step when %s is refused', async (operation, words) => {
    const core = setup();
    core.cloud.failNext(operation, new CloudError('api', 'refused.'));

    const id = await deployed(core);

    const failed = await core.store.get(id);
    expect(failed?.phase).toBe('failed');
    expect(failed?.failureReason).toMatch(
      new RegExp(`^Deploy failed while ${words}: refused\\. Cleaned up: `),
    );
    expect(core.notifier.messages(id)).toContain('deploy failed (refused); cleaning up…');
    expect(failed?.desired).toBe('deleted');
  });

  it('names the wait when a task fails', async () => {
    const core = setup();
    core.cloud.failingTasks.push('instantiate');

    const id = await deployed(core);

    expect((await core.store.get(id))?.failureReason).toBe(
      `Deploy failed while waiting for VCD: task instantiate failed: simulated failure. Cleaned up: vApp lab-${id} deleted.`,
    );
  });

  it('names the lookup of an unrecorded vApp as creating it', async () => {
    const core = setup();
    const { lab } = await wireCore({ store: core.store, cloud: core.cloud, wake: false }).service.deploy({
      user: 'U1',
      kind: 'demo',
    });
    await core.store.update({ ...lab, phase: 'deploying' });
    core.cloud.failNext('findVAppByName', new CloudError('api', 'query refused'));

    core.controller.wake(lab.id);
    await core.controller.idle();

    expect((await core.store.get(lab.id))?.failureReason).toBe(
      'Deploy failed while creating the vApp: query refused. Cleaned up: nothing had been created.',
    );
  });

  it('tells users only what VCD said: anything else is an internal error', async () => {
    const core = setup();
    core.cloud.failNext('startPowerOn', new Error('TypeError in a library, with a secret'));

    const id = await deployed(core);

    expect((await core.store.get(id))?.failureReason).toMatch(
      /^Deploy failed while powering on: internal error\. Cleaned up: /,
    );
  });

  it('passes a network error on in its own words, without its closing full stop and spaces', async () => {
    const core = setup();
    core.cloud.failNext('setLabEdgeRules', new LabNetworkError('the edge refused the rules. \n'));

    const id = await deployed(core);

    expect((await core.store.get(id))?.failureReason).toMatch(
      /^Deploy failed while adding the edge rules: the edge refused the rules\. Cleaned up: /,
    );
  });
});

describe('drive: suspend, resume and teardown failures', () => {
  it('a failed suspend leaves the lab running, says so, and stops asking', async () => {
    const core = setup();
    const id = await deployed(core);
    core.cloud.failNext('startSuspend', new CloudError('api', 'suspend refused.'));

    await core.service.suspend('U1', id);
    await core.controller.idle();

    const lab = await core.store.get(id);
    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.taskHref).toBeUndefined();
    expect(core.notifier.messages(id).at(-1)).toBe('suspend failed (suspend refused)');
    expect(core.audit.entries.at(-1)).toMatchObject({
      actor: 'controller',
      labId: id,
      action: 'suspend',
      detail: 'suspend refused',
      result: 'failed',
    });
    expect(core.sleeps).toEqual([]);
  });

  it('a failed resume leaves the lab suspended, says so, and stops asking', async () => {
    const core = setup();
    const id = await deployed(core);
    await core.service.suspend('U1', id);
    await core.controller.idle();
    core.cloud.failNext('startPowerOn', new CloudError('api', 'no capacity'));

    await core.service.resume('U1', id);
    await core.controller.idle();

    expect(await core.store.get(id)).toMatchObject({ phase: 'suspended', desired: 'suspended' });
    expect(core.notifier.messages(id).at(-1)).toBe('resume failed (no capacity)');
    expect(core.audit.entries.at(-1)).toMatchObject({
      action: 'power-on',
      detail: 'no capacity',
      result: 'failed',
    });
  });

  it('a teardown that fails twice looks at the vApp again and goes on', async () => {
    const core = setup();
    const id = await deployed(core);
    core.cloud.failNext('startUndeploy');
    core.cloud.failNext('startUndeploy');

    await core.service.teardown('U1', id);
    await core.controller.idle();

    expect((await core.store.get(id))?.phase).toBe('deleted');
    expect(core.cloud.calls.filter((c) => c.startsWith('startUndeploy'))).toHaveLength(3);
  });

  it('a teardown that fails three times is reported stuck and left for the next pass', async () => {
    const core = setup();
    const id = await deployed(core);
    for (let i = 0; i < 3; i++) {
      core.cloud.failNext('startUndeploy', new CloudError('api', 'busy.'));
    }

    await core.service.teardown('U1', id);
    await core.controller.idle();

    const lab = await core.store.get(id);
    expect(lab).toMatchObject({ phase: 'deleting', desired: 'deleted' });
    expect(lab?.taskHref).toBeUndefined();
    expect(core.cloud.calls.filter((c) => c.startsWith('startUndeploy'))).toHaveLength(3);
    expect(core.notifier.messages(id).at(-1)).toBe(
      'teardown is stuck (busy); labbot retries on its next pass',
    );
    expect(core.audit.entries.at(-1)).toMatchObject({
      labId: id,
      action: 'teardown',
      detail: 'busy',
      result: 'failed',
    });

    // The next pass resumes it.
    await core.controller.resumeAll();
    await core.controller.idle();
    expect((await core.store.get(id))?.phase).toBe('deleted');
  });
});

describe('drive: stopping', () => {
  it('a stopped controller starts no drive', async () => {
    const core = setup();
    await core.controller.stop();

    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo' });
    await core.controller.idle();

    expect((await core.store.get(lab.id))?.phase).toBe('requested');
    expect(core.cloud.calls).toEqual([]);
  });
});

describe('drive: measured survivors', () => {
  it('a wake for a lab the store does not have ends quietly', async () => {
    const core = setup();

    core.controller.wake('nobody-1');
    await core.controller.idle();

    expect(messagesAt(core.logger, 'error')).toEqual([]);
  });

  it('stops driving a lab whose claim another replica took meanwhile', async () => {
    const store = new MemoryLabStore();
    const claims = new MemoryClaims(store);
    class Slow extends FakeCloud {
      override startDeploy(request: DeployRequest): Promise<{ vappHref: string; task: CloudTask }> {
        // The claim lapsed during this call and replica r2 took the lab.
        void claims.claim(request.vappName.replace(/^lab-/, ''), 'r2', 60_000, new Date(8.64e15));
        return super.startDeploy(request);
      }
    }
    const core = wireCore({ store, cloud: new Slow(), claims: { store: claims, holder: 'r1' } });

    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo' });
    await core.controller.idle();

    expect((await store.get(lab.id))?.phase).toBe('deploying');
    expect(core.cloud.calls.filter((c) => c.startsWith('waitForTask'))).toEqual([]);
  });

  it('a failed power-off before a capture fails the capture, not the lab', async () => {
    const core = setup({ captured: new NoCaptures() });
    const id = await deployed(core);
    await core.store.applyRequest(id, { captureAs: 'mytpl' });
    core.cloud.failingTasks.push('undeploy');

    core.controller.wake(id);
    await core.controller.idle();

    const lab = await core.store.get(id);
    expect(lab).toMatchObject({ desired: 'running' });
    expect(lab?.failureReason).toBeUndefined();
    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'task undeploy failed: simulated failure',
    });
  });

  it('a teardown step that fails on a lab caught mid-capture is retried as a teardown, not reported as a failed capture', async () => {
    const core = setup({ captured: new NoCaptures() });
    const id = await deployed(core);
    await core.store.applyRequest(id, { captureAs: 'mytpl' });
    // Torn down while capturing: the first teardown step (removing the edge rules) fails once.
    core.cloud.failNext('setLabEdgeRules', new CloudError('api', 'busy.'));
    await core.store.applyRequest(id, { desired: 'deleted' });
    await core.store.update({ ...((await core.store.get(id)) as Lab), phase: 'capturing' });

    core.controller.wake(id);
    await core.controller.idle();

    expect(core.notifier.events.map((e) => e.event.type)).not.toContain('capture-failed');
    expect((await core.store.get(id))?.phase).toBe('deleted');
  });

  it('a suspend task that fails does not fail the lab: it is left to run', async () => {
    const core = setup();
    const id = await deployed(core);
    core.cloud.failingTasks.push('suspend');

    await core.service.suspend('U1', id);
    await core.controller.idle();

    const lab = await core.store.get(id);
    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.taskHref).toBeUndefined();
    expect(lab?.failureReason).toBeUndefined();
    // Named after the operation, not the step that failed (here the wait for VCD's task).
    expect(core.notifier.messages(id).at(-1)).toBe('suspend failed (task suspend failed: simulated failure)');

    // And it stops there: the next pass neither suspends it again nor powers it on.
    const callsBefore = core.cloud.calls.length;
    await core.controller.resumeAll();
    await core.controller.idle();
    expect(core.cloud.calls.slice(callsBefore)).toEqual([]);
  });

  it('a resume task that fails leaves the lab to be suspended, says so, and stops asking', async () => {
    const core = setup();
    const id = await deployed(core);
    await core.service.suspend('U1', id);
    await core.controller.idle();
    core.cloud.failingTasks.push('powerOn');

    await core.service.resume('U1', id);
    await core.controller.idle();

    const lab = await core.store.get(id);
    expect(lab).toMatchObject({ phase: 'suspended', desired: 'suspended' });
    expect(lab?.taskHref).toBeUndefined();
    expect(lab?.failureReason).toBeUndefined();
    expect(core.notifier.messages(id).at(-1)).toBe('resume failed (task powerOn failed: simulated failure)');

    // And it stops there: the next pass neither powers it on again nor suspends it.
    const callsBefore = core.cloud.calls.length;
    await core.controller.resumeAll();
    await core.controller.idle();
    expect(core.cloud.calls.slice(callsBefore)).toEqual([]);
  });
});

/** A store for captured templates that holds none (enough for a capture that fails before registering). */
class NoCaptures implements CapturedTemplateStore {
  list(): Promise<CapturedTemplate[]> {
    return Promise.resolve([]);
  }
  get(): Promise<CapturedTemplate | undefined> {
    return Promise.resolve(undefined);
  }
  save(): Promise<void> {
    return Promise.resolve();
  }
  publish(): Promise<void> {
    return Promise.resolve();
  }
  remove(): Promise<boolean> {
    return Promise.resolve(false);
  }
}
