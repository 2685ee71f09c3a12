/**
 * The lifecycle steps (controller/steps/lifecycle.ts) through the controller, on a FakeCloud that also records what
 * was asked of it: what instantiate sends, the crash-recovery branches of find-vapp, a metadata write without a
 * task, claim renewal while waiting, power-on, suspend and dismantle on a vApp already in the wanted state, and the
 * words of close.
 */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type LabControllerDeps } from '../../src/controller/lab-controller';
import { type Lab } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import { type CloudTask, type DeployRequest, type TaskProgress } from '../../src/labs/ports';
import { ManualClock } from '../helpers/clock';
import { wireCore } from '../helpers/core';
import { FakeCloud } from '../helpers/fake-cloud';
import { labIn } from '../helpers/labs';
import { recordingLogger } from '../helpers/logger';
import { MemoryClaims } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

class StepCloud extends FakeCloud {
  readonly deploys: DeployRequest[] = [];
  /** setMetadata applies at once and returns no task (VCD answers some metadata writes synchronously). */
  metadataWithoutTask = false;
  /** Called with each wait's progress callback, to stand for a long task reporting progress. */
  onWait?: (progress: TaskProgress) => void;

  override startDeploy(request: DeployRequest): Promise<{ vappHref: string; task: CloudTask }> {
    this.deploys.push(request);
    return super.startDeploy(request);
  }

  override setMetadata(vappHref: string, entries: Record<string, string>): Promise<CloudTask | undefined> {
    if (!this.metadataWithoutTask) {
      return super.setMetadata(vappHref, entries);
    }
    this.calls.push(`setMetadata ${vappHref}`);
    this.metadata.set(vappHref, { ...this.metadata.get(vappHref), ...entries });
    return Promise.resolve(undefined);
  }

  override waitForTask(task: CloudTask, onProgress?: TaskProgress): Promise<void> {
    if (onProgress && this.onWait) {
      this.onWait(onProgress);
    }
    return super.waitForTask(task);
  }
}

/** The built-in policy without an edge: labs go from configuring straight to power-on. */
const { edge: _edge, ...NO_EDGE } = DEFAULT_POLICY;

function setup(
  options: {
    policy?: LabPolicy;
    claims?: { store: MemoryClaims; holder: string; ttlMs?: number };
    controller?: Partial<LabControllerDeps>;
  } = {},
) {
  const cloud = new StepCloud();
  const store = new MemoryLabStore();
  const clock = new ManualClock();
  const core = wireCore({
    cloud,
    store,
    clock,
    policy: options.policy ?? NO_EDGE,
    controller: { ...(options.claims ? { claims: options.claims } : {}), ...options.controller },
  });
  /** Puts a lab in the store as a crash left it, and drives it. */
  const drive = async (lab: Lab): Promise<Lab | undefined> => {
    await store.insert(lab);
    core.controller.wake(lab.id);
    await core.controller.idle();
    return store.get(lab.id);
  };
  return { ...core, cloud, drive };
}

describe('instantiate', () => {
  it('asks for the vApp with its description, the catalog item and the kind’s longest lifetime as lease', async () => {
    const core = setup();
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    expect(core.cloud.deploys).toEqual([
      {
        vappName: `lab-${lab.id}`,
        description: `labbot lab ${lab.id} (demo) for U1`,
        templateName: 'esxi8-single',
        runtimeLeaseSeconds: 12 * 3600,
      },
    ]);
    expect(core.notifier.messages(lab.id)).toEqual(['deploying…', 'configuring…', 'powering on…', 'ready']);
  });

  it('names the ticket, and tags the vApp with it', async () => {
    const core = setup();
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'repro', ticket: 'ABC-12' });
    await core.controller.idle();

    expect(core.cloud.deploys[0]).toMatchObject({
      description: `labbot lab ${lab.id} (repro) for U1, ticket ABC-12`,
      runtimeLeaseSeconds: 336 * 3600,
    });
    const ready = await core.store.get(lab.id);
    expect(core.cloud.metadata.get(ready?.vappHref ?? '')).toEqual({
      'labbot.installation': 'install-test',
      'labbot.id': lab.id,
      'labbot.owner': 'U1',
      'labbot.kind': 'repro',
      'labbot.ticket': 'ABC-12',
      'labbot.expiresAt': lab.expiresAt.toISOString(),
    });
  });

  it('sends the template’s catalog when it names one', async () => {
    const policy: LabPolicy = {
      ...NO_EDGE,
      templates: NO_EDGE.templates.map((t) => (t.key === 'esxi8' ? { ...t, catalog: 'gold' } : t)),
    };
    const core = setup({ policy });
    await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    expect(core.cloud.deploys[0]?.catalogName).toBe('gold');
  });

  it('rounds the lease to whole seconds, and leases a day for a kind the policy no longer has', async () => {
    const policy: LabPolicy = {
      ...NO_EDGE,
      kinds: NO_EDGE.kinds.map((k) => (k.name === 'demo' ? { ...k, maxLifetimeHours: 1.0001 } : k)),
    };
    const core = setup({ policy });
    await core.drive(labIn('requested', { id: 'demo-1', vappHref: undefined, template: 'esxi8' }));
    await core.drive(
      labIn('requested', { id: 'ghost-1', kind: 'ghost', vappHref: undefined, template: 'esxi8' }),
    );

    expect(core.cloud.deploys.map((d) => d.runtimeLeaseSeconds)).toEqual([3600, 24 * 3600]);
  });

  it('fails a lab whose template is no longer configured, after recording that it was deploying', async () => {
    const core = setup();

    const lab = await core.drive(
      labIn('requested', { id: 'old-1', vappHref: undefined, template: 'retired' }),
    );

    expect(lab?.phase).toBe('failed');
    expect(lab?.failureReason).toBe(
      'Deploy failed while creating the vApp: internal error. Cleaned up: nothing had been created.',
    );
    expect(core.cloud.deploys).toEqual([]);
    expect(core.store.history.map((l) => l.phase)).toContain('deploying');
  });
});

describe('find-vapp (a crash between instantiate and recording its href)', () => {
  it('deploys afresh when VCD has no such vApp and the lab should run', async () => {
    const core = setup();

    const lab = await core.drive(
      labIn('deploying', { id: 'lost-1', vappHref: undefined, template: 'esxi8' }),
    );

    expect(lab?.phase).toBe('ready');
    expect(core.cloud.calls.filter((c) => c.startsWith('findVAppByName'))).toEqual([
      'findVAppByName lab-demo-4kq',
    ]);
    expect(core.cloud.deploys).toHaveLength(1);
  });

  it('closes the lab when VCD has no such vApp and it is being torn down', async () => {
    const core = setup();

    const lab = await core.drive(
      labIn('deploying', { id: 'lost-1', vappHref: undefined, desired: 'deleted', template: 'esxi8' }),
    );

    expect(lab?.phase).toBe('deleted');
    expect(core.cloud.deploys).toEqual([]);
    expect(core.notifier.messages('lost-1')).toEqual(['deleted']);
  });

  it('takes over the vApp found and its task in flight', async () => {
    const core = setup();
    await core.cloud.startDeploy({
      vappName: 'lab-demo-4kq',
      description: '',
      templateName: 'esxi8-single',
      runtimeLeaseSeconds: 1,
    });
    core.cloud.deploys.length = 0;

    const lab = await core.drive(
      labIn('deploying', { id: 'lost-1', vappHref: undefined, template: 'esxi8' }),
    );

    expect(lab?.phase).toBe('ready');
    expect(core.cloud.deploys).toEqual([]);
    // The found task is waited for (as the instantiate it is), before the metadata is written.
    const calls = core.cloud.calls;
    expect(calls.indexOf('waitForTask instantiate')).toBeGreaterThan(
      calls.indexOf('findVAppByName lab-demo-4kq'),
    );
    expect(calls.indexOf('waitForTask instantiate')).toBeLessThan(
      calls.findIndex((c) => c.startsWith('setMetadata')),
    );
  });
});

describe('set-metadata and await-task', () => {
  it('goes on at once when VCD writes the metadata without a task', async () => {
    const core = setup();
    core.cloud.metadataWithoutTask = true;
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    expect((await core.store.get(lab.id))?.phase).toBe('ready');
    expect(core.cloud.calls.filter((c) => c.startsWith('waitForTask'))).toEqual([
      'waitForTask instantiate',
      'waitForTask powerOn',
    ]);
    expect(core.notifier.messages(lab.id)).toEqual(['deploying…', 'configuring…', 'powering on…', 'ready']);
  });

  it('renews the claim during a long wait, once a third of its lifetime has passed since the last renewal', async () => {
    const store = new MemoryLabStore();
    const claims = new MemoryClaims(store);
    const renewals: number[] = [];
    const claim = claims.claim.bind(claims);
    const core = setup({ claims: { store: claims, holder: 'r1', ttlMs: 60_000 } });
    // The controller's claims are the wrapped ones; the store is the core's.
    claims.claim = (labId, holder, ttlMs, now) => {
      renewals.push(now.getTime());
      return claim(labId, holder, ttlMs, now);
    };
    const start = core.clock.now().getTime();
    let waits = 0;
    core.cloud.onWait = (progress) => {
      waits++;
      if (waits > 1) {
        return;
      }
      // Progress every 15 s of a 90 s instantiate: renewals after more than 20 s since the last one.
      for (let i = 0; i < 6; i++) {
        core.clock.advance(15_000);
        progress({ status: 'running' });
      }
    };
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    expect((await core.store.get(lab.id))?.phase).toBe('ready');
    const duringWait = renewals.filter((t) => t > start).map((t) => (t - start) / 1000);
    // 30 s (30 > 20), 60 s (30 since), 90 s (30 since); then the steps after the wait renew at 90 s.
    expect(duringWait.slice(0, 3)).toEqual([30, 60, 90]);
  });

  it('renews at a third of the default claim lifetime when none is configured', async () => {
    const store = new MemoryLabStore();
    const claims = new MemoryClaims(store);
    const renewals: number[] = [];
    const claim = claims.claim.bind(claims);
    claims.claim = (labId, holder, ttlMs, now) => {
      renewals.push(now.getTime());
      return claim(labId, holder, ttlMs, now);
    };
    const core = setup({ claims: { store: claims, holder: 'r1' } });
    const start = core.clock.now().getTime();
    let waits = 0;
    core.cloud.onWait = (progress) => {
      if (++waits > 1) {
        return;
      }
      for (let i = 0; i < 5; i++) {
        core.clock.advance(60_000);
        progress({ status: 'running' });
      }
    };
    await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    // Ten minutes' lifetime: renewed once more than 200 s passed, at 240 s and not again by 300 s.
    const duringWait = renewals
      .filter((t) => t > start && t < start + 300_000)
      .map((t) => (t - start) / 1000);
    expect(duringWait).toEqual([240]);
  });
});

describe('power-on, suspend and dismantle', () => {
  it('marks a lab ready without powering on a vApp that is already on', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_on');

    const lab = await core.drive(labIn('starting', { id: 'on-1', vappHref: vapp.href, template: 'esxi8' }));

    expect(lab?.phase).toBe('ready');
    expect(core.cloud.calls.filter((c) => c.startsWith('startPowerOn'))).toEqual([]);
    expect(core.audit.actions()).toEqual(['controller ready on-1 ok']);
  });

  it('waits for a task already running on the vApp before powering it on', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
    const planted = core.cloud.vapps.get(vapp.href);
    if (planted) {
      planted.pendingTask = await core.cloud.startUndeploy(vapp.href);
    }

    const lab = await core.drive(labIn('starting', { id: 'busy-1', vappHref: vapp.href, template: 'esxi8' }));

    expect(lab?.phase).toBe('ready');
    const calls = core.cloud.calls;
    expect(calls).toContain('waitForTask undeploy');
    expect(calls.indexOf('waitForTask undeploy')).toBeLessThan(
      calls.findIndex((c) => c.startsWith('startPowerOn')),
    );
  });

  it('fails a starting lab whose vApp is gone', async () => {
    const core = setup();

    const lab = await core.drive(
      labIn('starting', { id: 'gone-1', vappHref: 'https://vcd/api/vApp/vapp-404', template: 'esxi8' }),
    );

    expect(lab?.failureReason).toBe(
      'Deploy failed while powering on: internal error. Cleaned up: vApp lab-demo-4kq deleted.',
    );
  });

  it('records a resume as resumed, a first power-on as ready', async () => {
    const core = setup();
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();
    await core.service.suspend('U1', lab.id);
    await core.controller.idle();
    await core.service.resume('U1', lab.id);
    await core.controller.idle();

    expect(core.audit.actions().filter((a) => a.startsWith('controller'))).toEqual([
      `controller ready ${lab.id} ok`,
      `controller suspended ${lab.id} ok`,
      `controller resumed ${lab.id} ok`,
    ]);
    expect(core.notifier.messages(lab.id).slice(-4)).toEqual([
      'suspending…',
      'suspended: only storage bills now',
      'resuming…',
      'ready',
    ]);
  });

  it('marks a lab suspended without suspending a vApp that already is', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'suspended');

    const lab = await core.drive(
      labIn('ready', { id: 'sus-1', vappHref: vapp.href, desired: 'suspended', template: 'esxi8' }),
    );

    expect(lab?.phase).toBe('suspended');
    expect(core.cloud.calls.filter((c) => c.startsWith('startSuspend'))).toEqual([]);
  });

  it('deletes a powered-off vApp without undeploying it first', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    const lab = await core.drive(
      labIn('suspended', { id: 'off-1', vappHref: vapp.href, desired: 'deleted', template: 'esxi8' }),
    );

    expect(lab?.phase).toBe('deleted');
    expect(core.cloud.calls.filter((c) => /^start(Undeploy|Delete)/.test(c))).toEqual([
      `startDelete ${vapp.href}`,
    ]);
  });

  it('undeploys a suspended vApp before deleting it', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'suspended');

    await core.drive(
      labIn('suspended', { id: 'sus-1', vappHref: vapp.href, desired: 'deleted', template: 'esxi8' }),
    );

    expect(core.cloud.calls.filter((c) => /^start(Undeploy|Delete)/.test(c))).toEqual([
      `startUndeploy ${vapp.href}`,
      `startDelete ${vapp.href}`,
    ]);
  });

  it('closes a lab whose vApp is already gone, and stops its billing', async () => {
    const core = setup();

    const lab = await core.drive(
      labIn('ready', {
        id: 'gone-1',
        vappHref: 'https://vcd/api/vApp/vapp-404',
        desired: 'deleted',
        poweredOnMs: 0,
        poweredOnSince: new Date(core.clock.now().getTime() - 60_000),
      }),
    );

    expect(lab).toMatchObject({ phase: 'deleted', poweredOnMs: 60_000, endedAt: core.clock.now() });
    expect(lab?.poweredOnSince).toBeUndefined();
    expect(core.notifier.messages('gone-1')).toEqual(['tearing down…', 'deleted']);
    expect(core.audit.entries.at(-1)).toMatchObject({ action: 'deleted', result: 'ok' });
    expect(core.audit.entries.at(-1)?.detail).toBeUndefined();
  });

  it('ends a failed lab as failed, saying what was cleaned up', async () => {
    const core = setup();

    const lab = await core.drive(
      labIn('requested', {
        id: 'f-1',
        vappHref: undefined,
        desired: 'deleted',
        failureReason: 'Deploy failed while creating the vApp: no.',
      }),
    );

    const reason = 'Deploy failed while creating the vApp: no. Cleaned up: nothing had been created.';
    expect(lab).toMatchObject({ phase: 'failed', failureReason: reason });
    expect(core.notifier.events.at(-1)?.event).toEqual({ type: 'failed', reason });
    expect(core.audit.entries.at(-1)).toMatchObject({ action: 'failed', detail: reason, result: 'failed' });
  });
});

describe('lifecycle steps, measured survivors', () => {
  /** The causes the controller logged for admins when a step failed. */
  async function loggedCauses(lab: Lab, options: { policy?: LabPolicy } = {}): Promise<unknown> {
    const logger = recordingLogger();
    const core = setup({ ...options, controller: { logger } });
    await core.drive(lab);
    return logger.lines.find((l) => l.message === 'lab step failed')?.fields.causes;
  }

  it.each([
    [
      'a retired template',
      labIn('requested', { id: 'x-1', vappHref: undefined, template: 'retired' }),
      'Error: template retired is no longer configured',
    ],
    [
      'a vApp gone before its power-on',
      labIn('starting', { id: 'x-1', vappHref: 'https://vcd/api/vApp/vapp-404' }),
      'Error: vApp lab-demo-4kq disappeared before it was powered on',
    ],
    [
      'a vApp gone before its suspend',
      labIn('suspending', { id: 'x-1', desired: 'suspended', vappHref: 'https://vcd/api/vApp/vapp-404' }),
      'Error: vApp lab-demo-4kq disappeared before it was suspended',
    ],
  ])('logs for admins what went wrong: %s', async (_case, lab, cause) => {
    expect(await loggedCauses(lab)).toEqual([cause]);
  });

  it('logs for admins a vApp gone while its power-on ran', async () => {
    const logger = recordingLogger();
    const core = setup({ controller: { logger } });
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
    const task = await core.cloud.startPowerOn(vapp.href);
    core.cloud.vapps.delete(vapp.href);

    const lab = await core.drive(labIn('starting', { id: 'x-1', vappHref: vapp.href, taskHref: task.href }));

    expect(logger.lines.find((l) => l.message === 'lab step failed')?.fields.causes).toEqual([
      'Error: vApp lab-demo-4kq disappeared while powering on',
    ]);
    expect(lab?.failureReason).toMatch(/^Deploy failed while waiting for VCD: internal error\./);
  });

  it('names no catalog to VCD when the template names none', async () => {
    const core = setup();
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    expect(core.cloud.deploys).toStrictEqual([
      {
        vappName: `lab-${lab.id}`,
        description: `labbot lab ${lab.id} (demo) for U1`,
        templateName: 'esxi8-single',
        runtimeLeaseSeconds: 12 * 3600,
      },
    ]);
  });

  it('tags a vApp without a ticket with no ticket entry at all', async () => {
    const core = setup();
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    const ready = await core.store.get(lab.id);
    expect(core.cloud.metadata.get(ready?.vappHref ?? '')).toStrictEqual({
      'labbot.installation': 'install-test',
      'labbot.id': lab.id,
      'labbot.owner': 'U1',
      'labbot.kind': 'demo',
      'labbot.expiresAt': lab.expiresAt.toISOString(),
    });
  });

  it('renews the claim only once strictly more than a third of its lifetime has passed', async () => {
    const store = new MemoryLabStore();
    const claims = new MemoryClaims(store);
    const renewals: number[] = [];
    const claim = claims.claim.bind(claims);
    claims.claim = (labId, holder, ttlMs, now) => {
      renewals.push(now.getTime());
      return claim(labId, holder, ttlMs, now);
    };
    const core = setup({ claims: { store: claims, holder: 'r1', ttlMs: 60_000 } });
    const start = core.clock.now().getTime();
    let waits = 0;
    core.cloud.onWait = (progress) => {
      if (++waits > 1) {
        return;
      }
      // Exactly 20 s (a third of 60 s) since the last renewal: not yet; 1 ms more: renewed.
      core.clock.advance(20_000);
      progress({ status: 'running' });
      core.clock.advance(1);
      progress({ status: 'running' });
    };
    await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    expect(renewals.filter((t) => t > start).map((t) => t - start)[0]).toBe(20_001);
  });

  it('a power-on task that ends after the lab was torn down neither marks it ready nor records it', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
    const task = await core.cloud.startPowerOn(vapp.href);

    const lab = await core.drive(
      labIn('starting', { id: 'td-1', vappHref: vapp.href, taskHref: task.href, desired: 'deleted' }),
    );

    expect(lab?.phase).toBe('deleted');
    expect(lab?.readyAt).toBeUndefined();
    expect(core.notifier.messages('td-1')).toEqual(['tearing down…', 'deleted']);
    expect(core.audit.actions()).toEqual(['controller deleted td-1 ok']);
  });

  describe('with an edge', () => {
    /** An edge, and esxi7 without a network block. */
    const policy: LabPolicy = {
      ...DEFAULT_POLICY,
      templates: DEFAULT_POLICY.templates.map(({ network, ...t }) =>
        t.key === 'esxi7' ? t : { ...t, ...(network ? { network } : {}) },
      ),
    };

    it('starts a lab of a template without a network block without wiring networks', async () => {
      const core = setup({ policy });
      const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi7' });
      await core.controller.idle();

      const ready = await core.store.get(lab.id);
      expect(ready?.phase).toBe('ready');
      expect(ready?.network).toBeUndefined();
      expect(core.notifier.messages(lab.id)).toEqual(['deploying…', 'configuring…', 'powering on…', 'ready']);
    });

    it('cleans up the network it began when the NICs are refused, and says so', async () => {
      const core = setup({ policy: DEFAULT_POLICY });
      core.cloud.failNext('configureNics');
      const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
      await core.controller.idle();

      expect((await core.store.get(lab.id))?.failureReason).toBe(
        `Deploy failed while configuring the ESXi NICs: configureNics refused. Cleaned up: vApp lab-${lab.id} deleted, edge rules removed and public IP returned.`,
      );
    });

    it('starts a lab whose template was retired while it was tagged, without networks', async () => {
      const core = setup({ policy });
      const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

      const lab = await core.drive(
        labIn('configuring', { id: 'ret-1', vappHref: vapp.href, template: 'retired' }),
      );

      expect(lab?.phase).toBe('ready');
      expect(lab?.failureReason).toBeUndefined();
      expect(lab?.network).toBeUndefined();
    });
  });

  it('resumes a lab a restart left resuming with no task: resuming, then resumed', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'suspended');

    const lab = await core.drive(labIn('resuming', { id: 'res-1', vappHref: vapp.href }));

    expect(lab?.phase).toBe('ready');
    expect(core.notifier.messages('res-1')).toEqual(['resuming…', 'ready']);
    expect(core.audit.actions()).toEqual(['controller resumed res-1 ok']);
  });

  it.each([
    ['suspending', { phase: 'ready', desired: 'suspended' }, 'startSuspend'],
    ['tearing down', { phase: 'deleting', desired: 'deleted' }, 'startUndeploy'],
  ] as const)('waits for a task already running on the vApp before %s it', async (_case, state, start) => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_on');
    const planted = core.cloud.vapps.get(vapp.href);
    if (planted) {
      // Someone else's power-on, still running.
      planted.pendingTask = await core.cloud.startPowerOn(vapp.href);
    }

    await core.drive(labIn(state.phase, { id: 'busy-1', vappHref: vapp.href, desired: state.desired }));

    const calls = core.cloud.calls;
    expect(calls).toContain('waitForTask powerOn');
    expect(calls.indexOf('waitForTask powerOn')).toBeLessThan(calls.findIndex((c) => c.startsWith(start)));
  });

  it('goes on tearing down a lab already deleting without telling the owner again', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    await core.drive(labIn('deleting', { id: 'del-1', vappHref: vapp.href, desired: 'deleted' }));

    expect(core.notifier.messages('del-1')).toEqual(['deleted']);
  });

  it.each([
    ['deployed though powered off', 'powered_off', true],
    ['powered on though not deployed', 'powered_on', false],
  ] as const)('undeploys a vApp %s before deleting it', async (_case, powerState, deployed) => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, powerState);
    const planted = core.cloud.vapps.get(vapp.href);
    if (planted) {
      planted.deployed = deployed;
    }

    await core.drive(labIn('ready', { id: 'dep-1', vappHref: vapp.href, desired: 'deleted' }));

    expect(core.cloud.calls.filter((c) => /^start(Undeploy|Delete)/.test(c))).toEqual([
      `startUndeploy ${vapp.href}`,
      `startDelete ${vapp.href}`,
    ]);
  });
});
