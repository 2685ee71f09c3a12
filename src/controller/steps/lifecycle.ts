import { type Lab } from '../../labs/lab';
import { initialLabNetwork } from '../../labs/lab-network';
import { type CloudTask } from '../../labs/ports';
import { LABBOT_METADATA_KEYS as METADATA_KEYS } from '../../labs/vapp-metadata';
import { stopBilling } from '../billing';
import { type ControllerContext } from '../controller-context';
import { DEFAULT_CLAIM_TTL_MS } from '../controller-deps';
import { type StepOf } from '../next-step';

/*
 * The steps of a lab's life in VCD: create the vApp, tag it, wait for VCD's tasks, power it on, suspend it, tear it
 * down and close the lab. Each records its intent or its task before the next one can run (see next-step.ts).
 */

/** Asks VCD to create the vApp from the template (undeployed, powered off), `deploying` recorded first. */
export async function instantiate(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  // Record the intent first: after a crash, 'deploying' without an href means "look the vApp up by name".
  const deploying = await ctx.save(
    { ...lab, phase: 'deploying' },
    { type: 'progress', message: 'deploying…' },
  );
  const template = (await ctx.templates()).find((t) => t.key === lab.template);
  if (!template) {
    throw new Error(`template ${lab.template} is no longer configured`);
  }
  const { vappHref, task } = await cloud.startDeploy({
    vappName: lab.vappName,
    description: `labbot lab ${lab.id} (${lab.kind}) for ${lab.owner}${lab.ticket !== undefined ? `, ticket ${lab.ticket}` : ''}`,
    templateName: template.catalogItem,
    runtimeLeaseSeconds: maxLifetimeSeconds(ctx, lab),
    ...(template.catalog !== undefined ? { catalogName: template.catalog } : {}),
  });
  await ctx.save({ ...deploying, vappHref, taskHref: task.href });
}

/** After a crash between sending instantiate and recording its href: look the vApp up by name. */
export async function findVApp(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  const found = await cloud.findVAppByName(lab.vappName);
  if (found) {
    await ctx.save({
      ...lab,
      vappHref: found.href,
      ...(found.pendingTask ? { taskHref: found.pendingTask.href } : {}),
    });
  } else if (lab.desired === 'deleted') {
    await close(ctx, lab);
  } else {
    await ctx.save({ ...lab, phase: 'requested' });
  }
}

/** Tags the vApp with the `labbot.*` keys by which reconciliation recognises it (phase `configuring`). */
export async function setMetadata(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  const task = await cloud.setMetadata(ctx.href(lab), metadata(ctx, lab));
  await ctx.save(
    { ...lab, phase: 'configuring', ...(task ? { taskHref: task.href } : {}) },
    { type: 'progress', message: 'configuring…' },
  );
  if (!task) {
    await afterTask(ctx, { ...lab, phase: 'configuring' });
  }
}

/** Waits for the recorded VCD task without holding a slot, renewing the lab's claim, then moves on by phase. */
export async function awaitTask(ctx: ControllerContext, lab: Lab, step: StepOf<'await-task'>): Promise<void> {
  const { cloud } = ctx.deps;
  let lastRenewal = ctx.deps.clock.now().getTime();
  await ctx.withoutSlot(() =>
    cloud.waitForTask({ href: step.taskHref }, () => {
      // Long tasks (a real instantiate takes minutes) must not let the claim lapse.
      const now = ctx.deps.clock.now().getTime();
      if (ctx.deps.claims && now - lastRenewal > (ctx.deps.claims.ttlMs ?? DEFAULT_CLAIM_TTL_MS) / 3) {
        lastRenewal = now;
        void ctx.claim(lab.id).catch(() => undefined);
      }
    }),
  );
  await afterTask(ctx, lab);
}

/** What a finished task means depends on the phase it was started in. */
async function afterTask(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { taskHref: _done, ...cleared } = lab;
  if (lab.desired === 'deleted') {
    await ctx.save(cleared);
    return;
  }
  switch (lab.phase) {
    case 'deploying':
      await ctx.save({ ...cleared, phase: 'configuring' });
      return;
    case 'configuring': {
      const template = (await ctx.templates()).find((t) => t.key === lab.template);
      const edge = ctx.deps.policy.edge;
      if (template?.network !== undefined && edge !== undefined) {
        await ctx.save(
          {
            ...cleared,
            phase: 'networking',
            network: lab.network ?? initialLabNetwork(template.network, edge.gateway),
          },
          { type: 'progress', message: 'wiring networks…' },
        );
        return;
      }
      await ctx.save({ ...cleared, phase: 'starting' });
      return;
    }
    case 'starting':
    case 'resuming':
      await markReady(ctx, cleared);
      return;
    case 'suspending':
      await markSuspended(ctx, cleared);
      return;
    default:
      await ctx.save(cleared);
  }
}

/** Powers the vApp on (`starting`, or `resuming` from suspended); a vApp already on is marked ready. */
export async function powerOn(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  const vapp = await cloud.getVApp(ctx.href(lab));
  if (!vapp) {
    throw new Error(`vApp ${lab.vappName} disappeared before it was powered on`);
  }
  if (vapp.powerState === 'powered_on') {
    await markReady(ctx, lab);
    return;
  }
  if (vapp.pendingTask) {
    // Our own power-on whose answer was lost, or someone else's task: wait for it, then look again.
    await ctx.save({ ...lab, taskHref: vapp.pendingTask.href });
    return;
  }
  const resuming = lab.phase === 'suspended' || lab.phase === 'resuming';
  const task = await cloud.startPowerOn(vapp.href);
  await ctx.save(
    { ...lab, phase: resuming ? 'resuming' : 'starting', taskHref: task.href },
    { type: 'progress', message: resuming ? 'resuming…' : 'powering on…' },
  );
}

async function markReady(ctx: ControllerContext, lab: Lab): Promise<void> {
  const vapp = await ctx.deps.cloud.getVApp(ctx.href(lab));
  if (!vapp) {
    throw new Error(`vApp ${lab.vappName} disappeared while powering on`);
  }
  if (vapp.powerState !== 'powered_on') {
    // The task we waited for was not (only) our power-on: record that it is done and let power-on look again.
    const { taskHref: _waited, ...rest } = lab;
    await ctx.save(rest);
    return;
  }
  const now = ctx.deps.clock.now();
  const { taskHref: _done, ...rest } = lab;
  const ready = await ctx.save(
    {
      ...rest,
      phase: 'ready',
      readyAt: lab.readyAt ?? now,
      vms: vapp.vms,
      poweredOnSince: lab.poweredOnSince ?? now,
    },
    { type: 'ready' },
  );
  await ctx.record(ready.id, lab.phase === 'resuming' ? 'resumed' : 'ready');
}

/** Suspends the vApp (`suspending`); one already suspended is marked suspended. */
export async function suspend(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  const vapp = await cloud.getVApp(ctx.href(lab));
  if (!vapp) {
    throw new Error(`vApp ${lab.vappName} disappeared before it was suspended`);
  }
  if (vapp.powerState === 'suspended') {
    await markSuspended(ctx, lab);
    return;
  }
  if (vapp.pendingTask) {
    await ctx.save({ ...lab, taskHref: vapp.pendingTask.href });
    return;
  }
  const task = await cloud.startSuspend(vapp.href);
  await ctx.save(
    { ...lab, phase: 'suspending', taskHref: task.href },
    { type: 'progress', message: 'suspending…' },
  );
}

async function markSuspended(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { taskHref: _done, ...rest } = stopBilling(lab, ctx.deps.clock.now());
  await ctx.save(
    { ...rest, phase: 'suspended' },
    { type: 'progress', message: 'suspended: only storage bills now' },
  );
  await ctx.record(lab.id, 'suspended');
}

export async function dismantle(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { cloud } = ctx.deps;
  const deleting: Lab =
    lab.phase === 'deleting'
      ? lab
      : await ctx.save(
          { ...stopBilling(lab, ctx.deps.clock.now()), phase: 'deleting' },
          { type: 'progress', message: 'tearing down…' },
        );
  const vapp = await cloud.getVApp(ctx.href(lab));
  if (!vapp) {
    await close(ctx, deleting);
    return;
  }
  if (vapp.pendingTask) {
    await ctx.save({ ...deleting, taskHref: vapp.pendingTask.href });
    return;
  }
  let task: CloudTask;
  if (vapp.deployed || vapp.powerState === 'powered_on' || vapp.powerState === 'suspended') {
    task = await cloud.startUndeploy(vapp.href);
  } else {
    task = await cloud.startDelete(vapp.href);
  }
  await ctx.save({ ...deleting, taskHref: task.href });
}

/** Ends the lab: `failed` when it got here through a failure (the reason says what was cleaned up), else `deleted`. */
export async function close(ctx: ControllerContext, lab: Lab): Promise<void> {
  const { taskHref: _done, ...rest } = stopBilling(lab, ctx.deps.clock.now());
  const failed = lab.failureReason !== undefined;
  const reason = failed
    ? `${lab.failureReason} Cleaned up: ${lab.vappHref !== undefined ? `vApp ${lab.vappName} deleted` : 'nothing had been created'}${lab.network?.released === true ? ', edge rules removed and public IP returned' : ''}.`
    : undefined;
  await ctx.save(
    {
      ...rest,
      phase: failed ? 'failed' : 'deleted',
      endedAt: ctx.deps.clock.now(),
      ...(reason !== undefined ? { failureReason: reason } : {}),
    },
    failed ? { type: 'failed', reason: reason ?? '' } : { type: 'deleted' },
  );
  await ctx.record(lab.id, failed ? 'failed' : 'deleted', reason, failed ? 'failed' : 'ok');
}

function metadata(ctx: ControllerContext, lab: Lab): Record<string, string> {
  return {
    [METADATA_KEYS.installation]: ctx.deps.installationId,
    [METADATA_KEYS.id]: lab.id,
    [METADATA_KEYS.owner]: lab.owner,
    [METADATA_KEYS.kind]: lab.kind,
    ...(lab.ticket !== undefined ? { [METADATA_KEYS.ticket]: lab.ticket } : {}),
    [METADATA_KEYS.expiresAt]: lab.expiresAt.toISOString(),
  };
}

function maxLifetimeSeconds(ctx: ControllerContext, lab: Lab): number {
  const kind = ctx.deps.policy.kinds.find((k) => k.name === lab.kind);
  return Math.round((kind?.maxLifetimeHours ?? 24) * 3600);
}
