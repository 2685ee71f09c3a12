/**
 * The capture steps (controller/steps/capture.ts) from recorded lab states, on fakes: what is sent and registered,
 * the words owners read on each path, the catalog captures go to, and the failures that fail the capture only.
 */
import { type Lab } from '../../src/labs/lab';
import { type LabControllerDeps } from '../../src/controller/lab-controller';
import { DuplicateTemplateError } from '../../src/labs/errors';
import {
  type CaptureRequest,
  type CapturedTemplate,
  type CapturedTemplateStore,
  type CloudTask,
} from '../../src/labs/ports';
import { wireCore } from '../helpers/core';
import { FakeCloud } from '../helpers/fake-cloud';
import { labIn } from '../helpers/labs';

class Captured implements CapturedTemplateStore {
  readonly templates: CapturedTemplate[] = [];
  list(): Promise<CapturedTemplate[]> {
    return Promise.resolve([...this.templates]);
  }
  get(key: string): Promise<CapturedTemplate | undefined> {
    return Promise.resolve(this.templates.find((t) => t.key === key));
  }
  save(template: CapturedTemplate): Promise<void> {
    const existing = this.templates.find((t) => t.key === template.key);
    if (existing && existing.catalogItem !== template.catalogItem) {
      return Promise.reject(new DuplicateTemplateError(template.key));
    }
    if (!existing) {
      this.templates.push(template);
    }
    return Promise.resolve();
  }
  publish(): Promise<void> {
    return Promise.resolve();
  }
  remove(): Promise<boolean> {
    return Promise.resolve(false);
  }
}

class CaptureCloud extends FakeCloud {
  readonly captures: { vappHref: string; request: CaptureRequest }[] = [];

  override startCapture(vappHref: string, request: CaptureRequest): Promise<CloudTask> {
    this.captures.push({ vappHref, request });
    return super.startCapture(vappHref, request);
  }
}

function setup(controller: Partial<LabControllerDeps> = {}, withStore = true) {
  const cloud = new CaptureCloud();
  const captured = new Captured();
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
});
