import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { parseCommand } from '../../src/commands/parse-command';
import { LabController } from '../../src/controller/lab-controller';
import { UserError } from '../../src/labs/errors';
import { type Lab } from '../../src/labs/lab';
import { LabService } from '../../src/labs/lab-service';
import { type LabEvent, type LabNotifier } from '../../src/labs/ports';
import { createCommandRunner } from '../../src/commands/run-command';
import { deployableTemplates, mayUseCapture } from '../../src/labs/templates';
import { replyText } from '../helpers/reply-text';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { MemoryAudit } from '../helpers/memory-claims';
import { MemoryCapturedTemplates } from '../helpers/memory-captured-templates';
import { MemoryLabStore } from '../helpers/memory-lab-store';

/** Issue 8, `/lab capture`: parser, use case and the controller's capture path against an in-memory cloud. */

class RecordingNotifier implements LabNotifier {
  readonly events: LabEvent[] = [];
  labChanged(_lab: Lab, event: LabEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
  tellAdmins(): Promise<void> {
    return Promise.resolve();
  }
}

const POLICY = { ...DEFAULT_POLICY, admins: ['UADMIN'] };

function setup(
  cloud = new FakeCloud(),
  store = new MemoryLabStore(),
  captured = new MemoryCapturedTemplates(),
) {
  const clock = new ManualClock();
  const notifier = new RecordingNotifier();
  const audit = new MemoryAudit();
  const controller = new LabController({
    installationId: 'install-test',
    store,
    cloud,
    notifier,
    clock,
    sleep: () => Promise.resolve(),
    logger: createSilentLogger(),
    policy: POLICY,
    audit,
    captured,
  });
  const service = new LabService({
    store,
    waker: controller,
    clock,
    random: sequenceRandom(),
    policy: POLICY,
    audit,
    captured,
  });
  return { cloud, store, captured, controller, service, notifier, audit };
}

async function readyLab(env: ReturnType<typeof setup>, template = 'esxi8'): Promise<string> {
  const { lab } = await env.service.deploy({ user: 'U1', kind: 'demo', template });
  await env.controller.idle();
  expect((await env.store.get(lab.id))?.phase).toBe('ready');
  return lab.id;
}

describe('/lab capture: parser', () => {
  const parse = (text: string) => parseCommand(text, { ticketPattern: DEFAULT_POLICY.ticketPattern });

  it('reads a lab id and a template name, lowercasing the name', () => {
    expect(parse('capture demo-4kq MyTpl-2')).toEqual({
      verb: 'capture',
      labId: 'demo-4kq',
      template: 'mytpl-2',
    });
  });

  it.each([
    ['capture', /the lab id is missing/i],
    ['capture demo-4kq', /the name of the new template is missing/i],
    ['capture demo-4kq my_tpl', /"my_tpl" is not a template name/],
    ['capture demo-4kq -tpl', /"-tpl" is not a template name/],
    [`capture demo-4kq ${'a'.repeat(33)}`, /is not a template name/],
    ['capture demo-4kq tpl extra', /unexpected "extra"/i],
  ])('refuses %s with its usage', (text, message) => {
    expect(() => parse(text)).toThrow(message);
    expect(() => parse(text)).toThrow(/Usage: `\/lab capture LAB NAME`/);
  });
});

describe('/lab capture: use case', () => {
  it('lets only the owner or an admin capture', async () => {
    const env = setup();
    const labId = await readyLab(env);

    await expect(env.service.capture('U2', labId, 'mytpl')).rejects.toThrow(/belongs to someone else/);
    await env.service.capture('UADMIN', labId, 'mytpl');
    await env.controller.idle();
    expect(env.captured.templates.map((t) => t.key)).toEqual(['mytpl']);
  });

  it('refuses names of configured and captured templates, and a name another capture is using', async () => {
    const env = setup();
    const labId = await readyLab(env);
    await expect(env.service.capture('U1', labId, 'esxi7')).rejects.toThrow(/already a configured template/);
    await env.service.capture('U1', labId, 'mytpl');
    await env.controller.idle();
    const other = await readyLab(env);
    await expect(env.service.capture('U1', other, 'mytpl')).rejects.toThrow(
      /already a captured template "mytpl"/,
    );
    await expect(env.service.capture('U1', other, 'Bad Name')).rejects.toThrow(/is not a template name/);
  });

  it('refuses a lab that is deploying, being torn down or already being captured, and says why', async () => {
    const env = setup();
    const { lab } = await env.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await expect(env.service.capture('U1', lab.id, 'mytpl')).rejects.toThrow(/is still deploying/);
    await env.controller.idle();

    await env.store.applyRequest(lab.id, { captureAs: 'first' });
    await expect(env.service.capture('U1', lab.id, 'second')).rejects.toThrow(
      /already being captured as first/,
    );
    await env.store.applyRequest(lab.id, { captureAs: undefined, desired: 'deleted' });
    await expect(env.service.capture('U1', lab.id, 'second')).rejects.toThrow(/is being torn down/);
    await expect(env.service.capture('U1', lab.id, 'second')).rejects.toBeInstanceOf(UserError);
    expect(env.audit.entries.filter((e) => e.action === 'capture-requested').map((e) => e.result)).toEqual([
      'denied',
      'denied',
      'denied',
      'denied',
    ]);
  });
});

describe('/lab capture: controller', () => {
  it('powers off, captures, registers, powers on again and then tells the owner', async () => {
    const env = setup();
    const labId = await readyLab(env);
    env.cloud.calls.length = 0;
    env.notifier.events.length = 0;

    await env.service.capture('U1', labId, 'mytpl');
    await env.controller.idle();

    const lab = await env.store.get(labId);
    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.captureAs).toBeUndefined();
    expect(lab?.captureName).toBeUndefined();
    expect(env.cloud.calls.filter((c) => c.startsWith('start'))).toEqual([
      expect.stringMatching(/^startUndeploy /),
      expect.stringMatching(/^startCapture .* labbot-capture-mytpl$/),
      expect.stringMatching(/^startPowerOn /),
    ]);
    expect(env.notifier.events.at(-1)).toEqual({ type: 'captured', template: 'mytpl' });
    expect(env.notifier.events.map((e) => e.type)).toContain('ready');
    expect(env.captured.templates).toEqual([
      expect.objectContaining({
        key: 'mytpl',
        catalogItem: 'labbot-capture-mytpl',
        catalog: 'labs',
        baseTemplate: 'esxi8',
        sourceLabId: labId,
        capturedBy: 'U1',
      }),
    ]);
    expect(env.audit.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['capture-requested', 'captured']),
    );

    // Deployable, with the base's size and the base's place in kind allow lists.
    const { lab: copy } = await env.service.deploy({ user: 'U1', kind: 'demo', template: 'mytpl' });
    await env.controller.idle();
    expect(copy.spec).toEqual({ vcpus: 4, memoryGb: 16, storageGb: 100 });
    expect((await env.store.get(copy.id))?.phase).toBe('ready');
    expect((await env.service.templates('U1')).map((t) => t.template.key)).toContain('mytpl');
  });

  it('leaves a suspended lab suspended (powered off) after capturing it', async () => {
    const env = setup();
    const labId = await readyLab(env);
    await env.service.suspend('U1', labId);
    await env.controller.idle();

    await env.service.capture('U1', labId, 'mytpl');
    await env.controller.idle();

    expect(await env.store.get(labId)).toMatchObject({ phase: 'suspended', desired: 'suspended' });
    expect(env.notifier.events.at(-1)).toEqual({ type: 'captured', template: 'mytpl' });
  });

  it('on a failed capture task registers nothing, brings the lab back and tells the owner why', async () => {
    const env = setup();
    const labId = await readyLab(env);
    env.cloud.failingTasks.push('capture');

    await env.service.capture('U1', labId, 'mytpl');
    await env.controller.idle();

    const lab = await env.store.get(labId);
    expect(lab).toMatchObject({ phase: 'ready', desired: 'running' });
    expect(lab?.captureAs).toBeUndefined();
    expect(env.captured.templates).toEqual([]);
    expect(env.cloud.captured).toEqual([]);
    expect(env.notifier.events).toContainEqual({
      type: 'capture-failed',
      template: 'mytpl',
      reason: 'task capture failed: simulated failure',
    });
    expect(env.audit.entries.find((e) => e.action === 'capture-failed')?.result).toBe('failed');
    // The name is free again.
    await env.service.capture('U1', labId, 'mytpl');
    await env.controller.idle();
    expect(env.captured.templates.map((t) => t.key)).toEqual(['mytpl']);
  });

  it('fails clearly when the catalog already holds an item of that name', async () => {
    const env = setup();
    const labId = await readyLab(env);
    env.cloud.captured.push({ name: 'labbot-capture-mytpl', href: 'https://vcd/x', catalogName: 'labs' });

    await env.service.capture('U1', labId, 'mytpl');
    await env.controller.idle();

    expect(env.notifier.events).toContainEqual(
      expect.objectContaining({
        type: 'capture-failed',
        reason: expect.stringMatching(/already holds an item named labbot-capture-mytpl/) as unknown,
      }),
    );
    expect(await env.store.get(labId)).toMatchObject({ phase: 'ready' });
    expect(env.captured.templates).toEqual([]);
  });

  it('resumes after a restart: a capture task in flight is awaited, not sent again', async () => {
    const store = new MemoryLabStore();
    const cloud = new FakeCloud();
    const captured = new MemoryCapturedTemplates();
    const first = setup(cloud, store, captured);
    const labId = await readyLab(first);
    // Stop the first controller the moment the capture task is recorded.
    const update = store.update.bind(store);
    store.update = async (lab: Lab) => {
      await update(lab);
      if (lab.captureName !== undefined && lab.taskHref !== undefined && lab.phase === 'capturing') {
        void first.controller.stop();
      }
    };
    await first.service.capture('U1', labId, 'mytpl');
    await first.controller.idle();
    store.update = update;
    expect(await store.get(labId)).toMatchObject({ phase: 'capturing', captureName: 'labbot-capture-mytpl' });

    const second = setup(cloud, store, captured);
    await second.controller.resumeAll();
    await second.controller.idle();

    expect(await store.get(labId)).toMatchObject({ phase: 'ready' });
    expect(cloud.calls.filter((c) => c.startsWith('startCapture'))).toHaveLength(1);
    expect(captured.templates.map((t) => t.key)).toEqual(['mytpl']);
    expect(second.notifier.events.at(-1)).toEqual({ type: 'captured', template: 'mytpl' });
  });
});

describe('capture: a crash between sending the capture and recording its task', () => {
  it('waits for the capture VCD is still running instead of sending it again, then registers the template', async () => {
    const store = new MemoryLabStore();
    const cloud = new FakeCloud();
    const captured = new MemoryCapturedTemplates();
    const first = setup(cloud, store, captured);
    const labId = await readyLab(first);
    // The first controller sends the capture and dies before it records the task's href.
    const update = store.update.bind(store);
    let lost = false;
    store.update = async (lab: Lab) => {
      if (!lost && lab.phase === 'capturing' && lab.captureName !== undefined && lab.taskHref !== undefined) {
        lost = true;
        void first.controller.stop();
        return;
      }
      await update(lab);
    };
    await first.service.capture('U1', labId, 'mytpl');
    await first.controller.idle();
    store.update = update;
    expect(await store.get(labId)).toMatchObject({ phase: 'capturing', captureName: 'labbot-capture-mytpl' });
    expect((await store.get(labId))?.taskHref).toBeUndefined();

    const second = setup(cloud, store, captured);
    await second.controller.resumeAll();
    await second.controller.idle();

    expect(cloud.calls.filter((c) => c.startsWith('startCapture'))).toHaveLength(1);
    // The template is registered only once the capture that writes it has finished.
    expect(cloud.calls.indexOf('waitForTask capture')).toBeGreaterThan(
      cloud.calls.findIndex((c) => c.startsWith('findTemplateTask')),
    );
    expect(cloud.calls.findIndex((c) => c.startsWith('findTemplateTask'))).toBeGreaterThan(-1);
    expect(captured.templates.map((t) => t.key)).toEqual(['mytpl']);
    expect(await store.get(labId)).toMatchObject({ phase: 'ready' });
    expect(second.notifier.events.at(-1)).toEqual({ type: 'captured', template: 'mytpl' });
  });
});

describe('deployableTemplates', () => {
  it('copies the base under the captured key and drops templates whose base is gone', () => {
    const at = new Date('2026-11-24T09:00:00Z');
    const base = {
      key: 'esxi8',
      catalogItem: 'labbot-capture-x',
      catalog: 'labs',
      sourceLabId: 'demo-aaa',
      capturedBy: 'U1',
      capturedAt: at,
    };
    const merged = deployableTemplates(POLICY.templates, [
      { ...base, key: 'mine', baseTemplate: 'esxi8' },
      { ...base, key: 'orphan', baseTemplate: 'esxi6' },
    ]);
    expect(merged.map((t) => t.key)).toEqual([...POLICY.templates.map((t) => t.key), 'mine']);
    expect(merged.at(-1)).toMatchObject({
      key: 'mine',
      base: 'esxi8',
      catalogItem: 'labbot-capture-x',
      vcpus: 4,
    });
  });
});

describe('/lab templates: captured templates are private until an admin publishes them (issue 14)', () => {
  async function capturedBy(
    owner: 'U1',
  ): Promise<ReturnType<typeof setup> & { run: (text: string, user: string) => Promise<string> }> {
    const env = setup();
    const labId = await readyLab(env);
    await env.service.capture(owner, labId, 'mytpl');
    await env.controller.idle();
    const runner = createCommandRunner({
      service: env.service,
      policy: POLICY,
      clock: new ManualClock(),
      random: sequenceRandom(),
      logger: createSilentLogger(),
      simulated: true,
    });
    return { ...env, run: async (text, user) => replyText(await runner.run(text, { user })) };
  }

  it('decides who may use a capture (pure rule)', () => {
    const capture = { capturedBy: 'U1' };
    expect(mayUseCapture(capture, 'U1', false)).toBe(true);
    expect(mayUseCapture(capture, 'U2', false)).toBe(false);
    expect(mayUseCapture(capture, 'U2', true)).toBe(true);
    expect(mayUseCapture({ ...capture, publishedAt: new Date(0) }, 'U2', false)).toBe(true);
  });

  it('lists and deploys a private capture for its owner and admins only', async () => {
    const env = await capturedBy('U1');

    expect(await env.run('templates', 'U1')).toContain('mytpl');
    expect(await env.run('templates', 'U1')).toContain('private to you until an admin publishes it');
    expect(await env.run('templates', 'U2')).not.toContain('mytpl');
    expect(await env.run('templates', 'UADMIN')).toContain('private to U1');
    await expect(env.service.deploy({ user: 'U2', kind: 'demo', template: 'mytpl' })).rejects.toThrow(
      'There is no template "mytpl"',
    );
    await expect(env.service.deploy({ user: 'U1', kind: 'demo', template: 'mytpl' })).resolves.toBeDefined();
  });

  it('offers each person one list, the same in /lab templates and the deploy form (deployableTemplates)', async () => {
    const env = await capturedBy('U1');
    const configured = POLICY.templates.map((t) => t.key);

    for (const user of ['U1', 'U2', 'UADMIN']) {
      const offered = (await env.service.deployableTemplates(user)).map((t) => t.key);
      expect((await env.service.templates(user)).map((t) => t.template.key)).toEqual(offered);
      expect(offered.slice(0, configured.length)).toEqual(configured);
    }
    expect((await env.service.deployableTemplates('U1')).map((t) => t.key)).toContain('mytpl');
    expect((await env.service.deployableTemplates('U2')).map((t) => t.key)).not.toContain('mytpl');
    expect((await env.service.deployableTemplates('UADMIN')).find((t) => t.key === 'mytpl')).toMatchObject({
      base: 'esxi8',
      catalogItem: 'labbot-capture-mytpl',
    });
  });

  it('lets only an admin publish, after which everyone can deploy it', async () => {
    const env = await capturedBy('U1');

    expect(await env.run('templates publish mytpl', 'U1')).toContain('Only labbot admins can publish');
    expect(await env.run('templates publish mytpl', 'UADMIN')).toContain('Template mytpl is published');

    expect(await env.run('templates', 'U2')).toContain('mytpl');
    expect(await env.run('templates', 'U2')).not.toContain('private');
    await expect(env.service.deploy({ user: 'U2', kind: 'demo', template: 'mytpl' })).resolves.toBeDefined();
    expect(env.audit.actions()).toEqual(
      expect.arrayContaining(['U1 template-publish denied', 'UADMIN template-publish ok']),
    );
  });

  it('removes the registration for the owner or an admin, never the catalog item', async () => {
    const env = await capturedBy('U1');
    env.cloud.calls.length = 0;

    expect(await env.run('templates remove mytpl', 'U2')).toContain(
      'There is no captured template "mytpl" of yours',
    );
    await env.service.publishTemplate('UADMIN', 'mytpl');
    expect(await env.run('templates remove mytpl', 'U2')).toContain('only they or an admin can remove it');
    const removed = await env.run('templates remove mytpl', 'U1');

    expect(removed).toContain('Template mytpl is removed from labbot');
    expect(removed).toContain('labbot-capture-mytpl');
    expect(removed).toContain('still in VCD catalog');
    expect(env.captured.templates).toEqual([]);
    expect(env.cloud.calls).toEqual([]);
    expect(await env.run('templates remove mytpl', 'UADMIN')).toContain('There is no captured template');
  });

  it('refuses to remove a template that live labs were deployed from', async () => {
    const env = await capturedBy('U1');
    const { lab } = await env.service.deploy({ user: 'U1', kind: 'demo', template: 'mytpl' });

    expect(await env.run('templates remove mytpl', 'U1')).toContain(
      `Template "mytpl" is still used by live lab ${lab.id}`,
    );
    await env.service.teardown('U1', lab.id);
    await env.controller.idle();
    expect(await env.run('templates remove mytpl', 'U1')).toContain('Template mytpl is removed');
  });

  it('parses the publish and remove forms', () => {
    const parse = (text: string) => parseCommand(text, { ticketPattern: DEFAULT_POLICY.ticketPattern });

    expect(parse('templates')).toEqual({ verb: 'templates' });
    expect(parse('templates publish MyTpl')).toEqual({
      verb: 'templates',
      action: { kind: 'publish', template: 'mytpl' },
    });
    expect(parse('templates remove mytpl')).toEqual({
      verb: 'templates',
      action: { kind: 'remove', template: 'mytpl' },
    });
    expect(() => parse('templates publish')).toThrow(/say which template to publish/i);
    expect(() => parse('templates delete mytpl')).toThrow(/unexpected "delete"/i);
    expect(() => parse('templates remove my_tpl')).toThrow(/is not a template name/);
  });
});
