/**
 * The capture steps (controller/steps/capture.ts) from recorded lab states, on fakes: what is sent and registered,
 * the words owners read on each path, the catalog captures go to, and the failures that fail the capture only.
 */
import { type Lab, type LabRequestChanges } from '../../src/labs/lab';
import { type LabControllerDeps } from '../../src/controller/lab-controller';
import { type CaptureRequest, type CloudTask, type CloudTemplate, type LabEvent } from '../../src/labs/ports';
import { RecordingNotifier, wireCore } from '../helpers/core';
import { FakeCloud } from '../helpers/fake-cloud';
import { labIn } from '../helpers/labs';
import { MemoryCapturedTemplates } from '../helpers/memory-captured-templates';
import { MemoryLabStore } from '../helpers/memory-lab-store';

class CaptureCloud extends FakeCloud {
  readonly captures: { vappHref: string; request: CaptureRequest }[] = [];

  override startCapture(vappHref: string, request: CaptureRequest): Promise<CloudTask> {
    this.captures.push({ vappHref, request });
    return super.startCapture(vappHref, request);
  }
}

function setup(controller: Partial<LabControllerDeps> = {}, withStore = true) {
  const cloud = new CaptureCloud();
  const captured = new MemoryCapturedTemplates();
  const core = wireCore({ cloud, controller: { ...(withStore ? { captured } : {}), ...controller } });
  const drive = async (lab: Lab): Promise<Lab | undefined> => {
    await core.store.insert(lab);
    core.controller.wake(lab.id);
    await core.controller.idle();
    return core.store.get(lab.id);
  };
  return { ...core, cloud, captured, drive };
}

/** A ready lab (its vApp powered on) asked to be captured as `mytpl`. */
function capturing(core: ReturnType<typeof setup>, overrides: Partial<Lab> = {}): Lab {
  const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_on');
  return labIn('ready', {
    id: 'cap-1',
    template: 'esxi8',
    vappHref: vapp.href,
    captureAs: 'mytpl',
    ...overrides,
  });
}

describe('capture steps', () => {
  it('powers off, captures with a description, registers, powers on again and tells the owner, in these words', async () => {
    const core = setup();

    const lab = await core.drive(capturing(core));

    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.captureAs).toBeUndefined();
    expect(lab?.captureName).toBeUndefined();
    expect(core.cloud.captures).toEqual([
      {
        vappHref: lab?.vappHref,
        request: {
          name: 'labbot-capture-mytpl',
          description: 'labbot template mytpl, captured from lab cap-1 (esxi8) for U_ALICE',
        },
      },
    ]);
    expect(core.captured.templates).toEqual([
      {
        key: 'mytpl',
        catalogItem: 'labbot-capture-mytpl',
        catalog: 'labs',
        baseTemplate: 'esxi8',
        sourceLabId: 'cap-1',
        capturedBy: 'U_ALICE',
        capturedAt: core.clock.now(),
      },
    ]);
    expect(core.notifier.messages('cap-1')).toEqual([
      'capturing as template mytpl: powering off…',
      'capturing into the catalog as template mytpl…',
      'captured as template mytpl; powering on again…',
      'powering on…',
      'ready',
      'captured',
    ]);
    expect(core.notifier.events.at(-1)?.event).toEqual({ type: 'captured', template: 'mytpl' });
    expect(core.audit.entries.find((e) => e.action === 'captured')).toMatchObject({
      labId: 'cap-1',
      detail: 'as template mytpl (labbot-capture-mytpl in catalog labs)',
      result: 'ok',
    });
  });

  it('stops billing compute while capturing', async () => {
    const core = setup();
    const since = new Date(core.clock.now().getTime() - 60_000);

    await core.drive(capturing(core, { poweredOnMs: 5, poweredOnSince: since }));

    const entered = core.store.history.find((l) => l.phase === 'capturing');
    expect(entered?.poweredOnMs).toBe(60_005);
    expect(entered?.poweredOnSince).toBeUndefined();
  });

  it('leaves a lab that should be suspended powered off, and says so', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    const lab = await core.drive(
      labIn('suspended', {
        id: 'cap-1',
        template: 'esxi8',
        vappHref: vapp.href,
        desired: 'suspended',
        captureAs: 'mytpl',
      }),
    );

    expect(lab?.phase).toBe('suspended');
    expect(core.notifier.messages('cap-1')).toContain(
      'captured as template mytpl; leaving it powered off (suspended)',
    );
    // Already powered off: captured without an undeploy.
    expect(core.cloud.calls.filter((c) => c.startsWith('startUndeploy'))).toEqual([]);
  });

  it('captures into the configured catalog and registers it there', async () => {
    const core = setup({ captureCatalog: 'gold' });

    await core.drive(capturing(core));

    expect(core.cloud.captures[0]?.request.catalogName).toBe('gold');
    expect(core.captured.templates[0]?.catalog).toBe('gold');
    expect(core.audit.entries.find((e) => e.action === 'captured')?.detail).toBe(
      'as template mytpl (labbot-capture-mytpl in catalog gold)',
    );
  });

  it('refuses a name the configured catalog already holds, naming the catalog', async () => {
    const core = setup({ captureCatalog: 'gold' });
    core.cloud.captured.push({ name: 'labbot-capture-mytpl', href: 'https://vcd/t/1', catalogName: 'gold' });

    const lab = await core.drive(capturing(core));

    const reason =
      'the catalog gold already holds an item named labbot-capture-mytpl; capture under another name or ask an admin to remove it';
    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason,
    });
    expect(core.audit.entries.find((e) => e.action === 'capture-failed')).toMatchObject({
      detail: `as template mytpl: ${reason}`,
      result: 'failed',
    });
    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.captureAs).toBeUndefined();
    expect(core.cloud.captures).toEqual([]);
  });

  it('refuses a name the default catalog already holds; one in another catalog does not count', async () => {
    const core = setup();
    core.cloud.captured.push({ name: 'labbot-capture-mytpl', href: 'https://vcd/t/1', catalogName: 'labs' });

    await core.drive(capturing(core));

    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason:
        'the catalog already holds an item named labbot-capture-mytpl; capture under another name or ask an admin to remove it',
    });

    const other = setup({ captureCatalog: 'gold' });
    other.cloud.captured.push({ name: 'labbot-capture-mytpl', href: 'https://vcd/t/1', catalogName: 'labs' });
    await other.drive(capturing(other));
    expect(other.captured.templates.map((t) => t.key)).toEqual(['mytpl']);
  });

  it('fails the capture, not the lab, without a store for captured templates', async () => {
    const core = setup({}, false);

    const lab = await core.drive(capturing(core));

    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'this labbot has no store for captured templates',
    });
  });

  it('fails the capture when the vApp is gone, and says which', async () => {
    const core = setup();

    const lab = await core.drive(
      labIn('ready', {
        id: 'cap-1',
        template: 'esxi8',
        vappHref: 'https://vcd/api/vApp/vapp-404',
        captureAs: 'mytpl',
      }),
    );

    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'its vApp lab-demo-4kq no longer exists',
    });
    expect(lab?.captureAs).toBeUndefined();
  });

  it('words a cloud refusal of the capture as VCD said it', async () => {
    const core = setup();
    core.cloud.failNext('startCapture');

    await core.drive(capturing(core));

    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'startCapture refused',
    });
  });

  it('brings an interrupted capture (nothing asked any more) back to the desired state', async () => {
    const running = setup();
    const vapp = running.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
    expect(
      (await running.drive(labIn('capturing', { id: 'cap-1', template: 'esxi8', vappHref: vapp.href })))
        ?.phase,
    ).toBe('ready');

    const suspended = setup();
    const off = suspended.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
    const lab = await suspended.drive(
      labIn('capturing', { id: 'cap-1', template: 'esxi8', vappHref: off.href, desired: 'suspended' }),
    );
    expect(lab?.phase).toBe('suspended');
    expect(suspended.cloud.calls.filter((c) => c.startsWith('start'))).toEqual([]);
  });

  it('captures again after a restart when the template was never written', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    const lab = await core.drive(
      labIn('capturing', {
        id: 'cap-1',
        template: 'esxi8',
        vappHref: vapp.href,
        captureAs: 'mytpl',
        captureName: 'labbot-capture-mytpl',
      }),
    );

    expect(core.cloud.captures).toHaveLength(1);
    expect(lab?.phase).toBe('ready');
    expect(core.captured.templates.map((t) => t.key)).toEqual(['mytpl']);
  });

  it('registers a capture finished after a restart under the key its item name gives', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
    core.cloud.captured.push({ name: 'labbot-capture-old', href: 'https://vcd/t/9', catalogName: 'labs' });

    await core.drive(
      labIn('capturing', {
        id: 'cap-1',
        template: 'retired',
        vappHref: vapp.href,
        captureName: 'labbot-capture-old',
        desired: 'suspended',
      }),
    );

    // No captureAs recorded: the key comes from the item name, the base from the lab's template.
    expect(core.captured.templates).toEqual([
      expect.objectContaining({ key: 'old', catalogItem: 'labbot-capture-old', baseTemplate: 'retired' }),
    ]);
    expect(core.notifier.events.at(-1)?.event).toEqual({ type: 'captured', template: 'old' });
  });

  it('a lab torn down during its capture registers the template, tells the owner, then goes', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
    const task = await core.cloud.startCapture(vapp.href, { name: 'labbot-capture-mytpl', description: '' });

    const lab = await core.drive(
      labIn('capturing', {
        id: 'cap-1',
        template: 'esxi8',
        vappHref: vapp.href,
        captureAs: 'mytpl',
        captureName: 'labbot-capture-mytpl',
        taskHref: task.href,
        desired: 'deleted',
      }),
    );

    expect(lab?.phase).toBe('deleted');
    expect(lab?.captureAs).toBeUndefined();
    expect(core.captured.templates.map((t) => t.key)).toEqual(['mytpl']);
    expect(core.notifier.events.map((e) => e.event.type)).toEqual(['captured', 'progress', 'deleted']);
    expect(core.notifier.events[0]?.event).toEqual({ type: 'captured', template: 'mytpl' });
  });

  it('a capture nobody asks for any more that cannot save its way back is failed under an empty template name', async () => {
    const core = setup();
    // Interrupted by hand: capturing, with neither the request nor a recorded item; bringing it back fails once.
    const update = jest.spyOn(core.store, 'update').mockRejectedValueOnce(new Error('disk full'));

    await core.drive(capturing(core, { phase: 'capturing', captureAs: undefined }));

    expect(update).toHaveBeenCalled();
    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: '',
      // Not VCD's words: the owner is not shown a store's error.
      reason: 'internal error',
    });
  });
});

/** Records the lab's phase at each event, and can fail the notification of one progress message once. */
class PhaseNotifier extends RecordingNotifier {
  readonly phases: { event: string; phase: Lab['phase'] }[] = [];
  failOn: string | undefined;

  override labChanged(lab: Lab, event: LabEvent): Promise<void> {
    if (event.type === 'progress' && event.message === this.failOn) {
      this.failOn = undefined;
      return Promise.reject(new Error('Slack is down'));
    }
    this.phases.push({ event: event.type, phase: lab.phase });
    return super.labChanged(lab, event);
  }
}

/** A store whose next write matching `failWrite` fails once, as a database error would. */
class FlakyStore extends MemoryLabStore {
  failUpdate: ((lab: Lab) => boolean) | undefined;
  failRequest: ((changes: LabRequestChanges) => boolean) | undefined;

  override update(lab: Lab): Promise<void> {
    if (this.failUpdate?.(lab) === true) {
      this.failUpdate = undefined;
      return Promise.reject(new Error('database is locked'));
    }
    return super.update(lab);
  }

  override applyRequest(id: string, changes: LabRequestChanges): Promise<void> {
    if (this.failRequest?.(changes) === true) {
      this.failRequest = undefined;
      return Promise.reject(new Error('database is locked'));
    }
    return super.applyRequest(id, changes);
  }
}

/** A cloud that also records what each wait for a capture expected. */
class WaitingCloud extends CaptureCloud {
  readonly waits: Pick<CaptureRequest, 'name' | 'catalogName'>[] = [];

  override waitForCapture(
    task: CloudTask,
    expected: Pick<CaptureRequest, 'name' | 'catalogName'>,
  ): Promise<CloudTemplate> {
    this.waits.push(expected);
    return super.waitForCapture(task, expected);
  }
}

function setupWith(controller: Partial<LabControllerDeps> = {}, withStore = true) {
  const cloud = new WaitingCloud();
  const captured = new MemoryCapturedTemplates();
  const store = new FlakyStore();
  const notifier = new PhaseNotifier();
  const core = wireCore({
    cloud,
    store,
    controller: { notifier, ...(withStore ? { captured } : {}), ...controller },
  });
  const drive = async (lab: Lab): Promise<Lab | undefined> => {
    await store.insert(lab);
    core.controller.wake(lab.id);
    await core.controller.idle();
    return store.get(lab.id);
  };
  return { ...core, cloud, captured, store, notifier, drive };
}

/** A lab in `capturing` whose capture was sent as `name` (its task still running unless `finished`). */
async function sent(
  core: ReturnType<typeof setupWith>,
  name: string,
  overrides: Partial<Lab> = {},
  finished = false,
): Promise<Lab> {
  const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
  const task = await core.cloud.startCapture(vapp.href, { name, description: '' });
  if (finished) {
    await core.cloud.waitForTask(task);
  }
  core.cloud.captures.length = 0;
  return labIn('capturing', {
    id: 'cap-1',
    template: 'esxi8',
    vappHref: vapp.href,
    captureAs: 'mytpl',
    captureName: name,
    ...(finished ? {} : { taskHref: task.href }),
    ...overrides,
  });
}

describe('capture steps, measured survivors', () => {
  it('waits for a task already running on the vApp instead of sending a power-off beside it', async () => {
    const core = setupWith();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_on');
    // Someone else's undeploy, still running when the capture starts.
    vapp.pendingTask = await core.cloud.startUndeploy(vapp.href);

    const lab = await core.drive(
      labIn('ready', { id: 'cap-1', template: 'esxi8', vappHref: vapp.href, captureAs: 'mytpl' }),
    );

    expect(core.cloud.calls.filter((c) => c.startsWith('startUndeploy'))).toHaveLength(1);
    expect(core.cloud.calls).toContain('waitForTask undeploy');
    expect(lab?.phase).toBe('ready');
    expect(core.captured.templates.map((t) => t.key)).toEqual(['mytpl']);
  });

  it.each([
    ['deployed though powered off', { powerState: 'powered_off', deployed: true }],
    ['powered on though not deployed', { powerState: 'powered_on', deployed: false }],
    ['suspended', { powerState: 'suspended', deployed: false }],
  ] as const)('powers off a vApp %s before capturing it', async (_case, state) => {
    const core = setupWith();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, state.powerState);
    vapp.deployed = state.deployed;

    await core.drive(
      labIn('ready', { id: 'cap-1', template: 'esxi8', vappHref: vapp.href, captureAs: 'mytpl' }),
    );

    expect(
      core.cloud.calls.filter((c) => c.startsWith('startUndeploy') || c.startsWith('startCapture')),
    ).toEqual([`startUndeploy ${vapp.href}`, `startCapture ${vapp.href} labbot-capture-mytpl`]);
  });

  it('sends nothing to the catalog without a store to register the template in', async () => {
    const core = setupWith({}, false);
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    await core.drive(
      labIn('ready', { id: 'cap-1', template: 'esxi8', vappHref: vapp.href, captureAs: 'mytpl' }),
    );

    expect(core.cloud.captures).toEqual([]);
    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'this labbot has no store for captured templates',
    });
  });

  it('fails a capture finished before a restart when the store for templates is gone since', async () => {
    const core = setupWith({}, false);

    const lab = await core.drive(await sent(core, 'labbot-capture-mytpl', {}, true));

    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'this labbot has no store for captured templates',
    });
  });

  it('names no catalog, to VCD and to the wait, when none is configured; the configured one otherwise', async () => {
    const plain = setupWith();
    await plain.drive(capturingReady(plain));
    expect(plain.cloud.captures.map((c) => c.request)).toStrictEqual([
      {
        name: 'labbot-capture-mytpl',
        description: 'labbot template mytpl, captured from lab cap-1 (esxi8) for U_ALICE',
      },
    ]);
    expect(plain.cloud.waits).toStrictEqual([{ name: 'labbot-capture-mytpl' }]);

    const gold = setupWith({ captureCatalog: 'gold' });
    await gold.drive(capturingReady(gold));
    expect(gold.cloud.waits).toStrictEqual([{ name: 'labbot-capture-mytpl', catalogName: 'gold' }]);
  });

  it('waits for and registers the item name recorded when the capture was sent', async () => {
    const core = setupWith();

    await core.drive(await sent(core, 'labbot-capture-legacy'));

    expect(core.cloud.waits).toStrictEqual([{ name: 'labbot-capture-legacy' }]);
    expect(core.captured.templates).toEqual([
      expect.objectContaining({ key: 'mytpl', catalogItem: 'labbot-capture-legacy' }),
    ]);
  });

  it('records the configured base of a lab deployed from a captured template', async () => {
    const core = setupWith();
    core.captured.templates.push({
      key: 'oldcap',
      catalogItem: 'labbot-capture-oldcap',
      catalog: 'labs',
      baseTemplate: 'esxi8',
      sourceLabId: 'old-1',
      capturedBy: 'U_BOB',
      capturedAt: core.clock.now(),
    });

    await core.drive(capturingReady(core, { template: 'oldcap' }));

    expect(core.captured.templates.find((t) => t.key === 'mytpl')?.baseTemplate).toBe('esxi8');
  });

  it('shows the owner the lab back in its desired phase when the capture fails', async () => {
    const core = setupWith();
    core.cloud.failNext('startCapture');

    await core.drive(capturingReady(core));

    expect(core.notifier.phases.find((p) => p.event === 'capture-failed')).toEqual({
      event: 'capture-failed',
      phase: 'starting',
    });
  });

  it('a failed capture-done fails the capture only: the lab stays ready, no power-on, no "resume failed"', async () => {
    const core = setupWith();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_on');
    core.store.failRequest = (changes) => 'captureAs' in changes;

    const lab = await core.drive(
      labIn('ready', {
        id: 'cap-1',
        template: 'esxi8',
        vappHref: vapp.href,
        captureAs: 'mytpl',
        captureName: 'labbot-capture-mytpl',
      }),
    );

    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.captureName).toBeUndefined();
    expect(core.notifier.messages('cap-1')).toEqual(['capture-failed']);
    expect(core.notifier.events[0]?.event).toEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'internal error',
    });
    expect(core.cloud.calls.filter((c) => c.startsWith('start'))).toEqual([]);
  });

  it('a capture whose first record fails fails the capture, not the lab nor its resume', async () => {
    const core = setupWith();
    core.store.failUpdate = (lab) => lab.phase === 'capturing';

    const lab = await core.drive(capturingReady(core));

    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.captureAs).toBeUndefined();
    expect(core.notifier.messages('cap-1')).toEqual(['capture-failed']);
    expect(core.cloud.captures).toEqual([]);
  });

  it.each([
    ['waiting for the capture task', false],
    ['finding the finished template after a restart', true],
  ])(
    'a notice that fails after the template is registered, %s, fails the capture, never the lab',
    async (_case, finished) => {
      const core = setupWith();
      core.notifier.failOn = 'captured as template mytpl; powering on again…';

      const lab = await core.drive(await sent(core, 'labbot-capture-mytpl', {}, finished));

      expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
      expect(lab?.failureReason).toBeUndefined();
      expect(core.captured.templates.map((t) => t.key)).toEqual(['mytpl']);
      expect(core.notifier.events.map((e) => e.event)).toContainEqual({
        type: 'capture-failed',
        template: 'mytpl',
        reason: 'internal error',
      });
    },
  );

  it('names the template from the recorded item when the request was cleared, on a failed capture', async () => {
    const core = setupWith();
    core.cloud.failingTasks.push('capture');
    const lab = await sent(core, 'labbot-capture-mytpl');
    const { captureAs: _cleared, ...withoutRequest } = lab;

    await core.drive(withoutRequest);

    expect(core.notifier.events.map((e) => e.event)).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'task capture failed: simulated failure',
    });
    expect(core.audit.entries.find((e) => e.action === 'capture-failed')?.detail).toBe(
      'as template mytpl: task capture failed: simulated failure',
    );
  });
});

/** A ready lab with its vApp powered off, asked to be captured as `mytpl`. */
function capturingReady(core: ReturnType<typeof setupWith>, overrides: Partial<Lab> = {}): Lab {
  const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');
  return labIn('ready', {
    id: 'cap-1',
    template: 'esxi8',
    vappHref: vapp.href,
    captureAs: 'mytpl',
    ...overrides,
  });
}
