import { UserError } from '../../labs/errors';
import { type Lab, type LabPhase } from '../../labs/lab';
import { allowListKey, captureItemName, keyFromCaptureItem } from '../../labs/templates';
import { stopBilling } from '../billing';
import { type ControllerContext } from '../controller-context';
import { type Step } from '../next-step';
import { userMessage } from '../user-message';

/*
 * The steps of `/lab capture`: power the vApp off, capture it into the catalog, register the template, bring the lab
 * back to its desired state and tell the owner. A failure on this path fails the capture, never the lab.
 */

/**
 * `/lab capture`, first part: power the vApp off (undeploy; a running vApp would be captured without a
 * consistent disk state), then send the capture. The catalog item name is recorded before it is sent, so a
 * restart in between looks for the template instead of capturing twice.
 */
export async function capture(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  const key = lab.captureAs;
  if (key === undefined) {
    // Nothing asked for (a capture was interrupted by hand): bring the lab back.
    await ctx.save({ ...lab, phase: restorePhase(lab) });
    return;
  }
  const capturing =
    lab.phase === 'capturing'
      ? lab
      : await ctx.save(
          { ...stopBilling(lab, ctx.deps.clock.now()), phase: 'capturing' },
          { type: 'progress', message: `capturing as template ${key}: powering off…` },
        );
  const vapp = await cloud.getVApp(ctx.href(lab));
  if (!vapp) {
    throw new UserError('invalid_state', `its vApp ${lab.vappName} no longer exists`);
  }
  if (vapp.pendingTask) {
    await ctx.save({ ...capturing, taskHref: vapp.pendingTask.href });
    return;
  }
  if (vapp.deployed || vapp.powerState === 'powered_on' || vapp.powerState === 'suspended') {
    const task = await cloud.startUndeploy(vapp.href);
    await ctx.save({ ...capturing, taskHref: task.href });
    return;
  }
  if (!ctx.deps.captured) {
    throw new UserError('invalid_state', 'this labbot has no store for captured templates');
  }
  const name = captureItemName(key);
  const catalogName = ctx.deps.captureCatalog;
  if ((await cloud.listTemplates(catalogName)).some((t) => t.name === name)) {
    throw new UserError(
      'invalid_state',
      `the catalog${catalogName !== undefined ? ` ${catalogName}` : ''} already holds an item named ${name}; capture under another name or ask an admin to remove it`,
    );
  }
  const recorded = await ctx.save({ ...capturing, captureName: name });
  const task = await cloud.startCapture(vapp.href, {
    name,
    description: `labbot template ${key}, captured from lab ${lab.id} (${lab.template}) for ${lab.owner}`,
    ...(catalogName !== undefined ? { catalogName } : {}),
  });
  await ctx.save(
    { ...recorded, taskHref: task.href },
    { type: 'progress', message: `capturing into the catalog as template ${key}…` },
  );
}

/** Waits for the capture task (also after a restart), then registers the template and brings the lab back. */
export async function awaitCapture(ctx: ControllerContext, lab: Lab, taskHref: string): Promise<void> {
  const name = lab.captureName ?? captureItemName(lab.captureAs ?? '');
  const template = await ctx.withoutSlot(() =>
    ctx.deps.cloud.waitForCapture(
      { href: taskHref },
      {
        name,
        ...(ctx.deps.captureCatalog !== undefined ? { catalogName: ctx.deps.captureCatalog } : {}),
      },
    ),
  );
  await registerCapture(ctx, lab, name, template.catalogName);
}

/**
 * A restart after the capture may have been sent: if VCD is still writing the template, wait for that task; if
 * the template is complete, register it; if there is none, capture again.
 */
export async function findCapture(ctx: ControllerContext, lab: Lab): Promise<void> {
  const name = lab.captureName ?? '';
  const found = (await ctx.deps.cloud.listTemplates(ctx.deps.captureCatalog)).find((t) => t.name === name);
  if (found) {
    const running = await ctx.deps.cloud.findTemplateTask(found.href);
    if (running) {
      await ctx.save({ ...lab, taskHref: running.href });
      return;
    }
    await registerCapture(ctx, lab, name, found.catalogName);
    return;
  }
  const { captureName: _notSent, ...rest } = lab;
  await ctx.save(rest);
}

/** Records the new template (idempotent), then brings the lab back to its desired state. */
async function registerCapture(
  ctx: ControllerContext,
  lab: Lab,
  name: string,
  catalog: string,
): Promise<void> {
  const store = ctx.deps.captured;
  if (!store) {
    throw new UserError('invalid_state', 'this labbot has no store for captured templates');
  }
  const key = lab.captureAs ?? keyFromCaptureItem(name);
  const source = (await ctx.templates()).find((t) => t.key === lab.template);
  await store.save({
    key,
    catalogItem: name,
    catalog,
    baseTemplate: source ? allowListKey(source) : lab.template,
    sourceLabId: lab.id,
    capturedBy: lab.owner,
    capturedAt: ctx.deps.clock.now(),
  });
  await ctx.record(lab.id, 'captured', `as template ${key} (${name} in catalog ${catalog})`);
  const { taskHref: _done, ...rest } = lab;
  if (lab.desired === 'deleted') {
    // Torn down meanwhile: the template stands on its own; tell the owner now, then the teardown goes on.
    const { captureName: _told, ...bare } = rest;
    await ctx.deps.store.applyRequest(lab.id, { captureAs: undefined });
    await ctx.save(bare, { type: 'captured', template: key });
    return;
  }
  await ctx.save(
    { ...rest, captureName: name, phase: restorePhase(lab) },
    {
      type: 'progress',
      message: `captured as template ${key}; ${lab.desired === 'running' ? 'powering on again…' : 'leaving it powered off (suspended)'}`,
    },
  );
}

/** The lab is back in its desired state: forget the capture, then tell the owner it is deployable. */
export async function captureDone(ctx: ControllerContext, lab: Lab): Promise<void> {
  const key = lab.captureAs ?? keyFromCaptureItem(lab.captureName ?? '');
  // The request goes first: cleared captureName with captureAs still set would read as a new capture.
  await ctx.deps.store.applyRequest(lab.id, { captureAs: undefined });
  const { captureName: _told, ...rest } = lab;
  await ctx.save(rest, { type: 'captured', template: key });
}

/** A capture failed: nothing registered, the lab goes back to its desired state and the owner is told why. */
export async function failCapture(ctx: ControllerContext, lab: Lab, error: unknown): Promise<void> {
  const reason = error instanceof UserError ? error.message : userMessage(error);
  const key = lab.captureAs ?? keyFromCaptureItem(lab.captureName ?? '');
  await ctx.deps.store.applyRequest(lab.id, { captureAs: undefined });
  const { taskHref: _abandoned, captureName: _failed, ...rest } = lab;
  await ctx.save(
    { ...rest, phase: lab.phase === 'capturing' ? restorePhase(lab) : lab.phase },
    { type: 'capture-failed', template: key, reason },
  );
  await ctx.record(lab.id, 'capture-failed', `as template ${key}: ${reason}`, 'failed');
}

/**
 * Where a lab goes after a capture, its vApp now powered off: powering on again if it should run; suspended
 * (powered off, which bills the same and resumes with a power on) if it should be suspended.
 */
function restorePhase(lab: Pick<Lab, 'desired'>): LabPhase {
  return lab.desired === 'running' ? 'starting' : 'suspended';
}

/** Steps of the capture path: a failure there fails the capture, never the lab. */
export function isCaptureStep(step: Step): boolean {
  return (
    step.kind === 'capture' ||
    step.kind === 'await-capture' ||
    step.kind === 'find-capture' ||
    step.kind === 'capture-done'
  );
}
