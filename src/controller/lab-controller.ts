import { causeChain, isCloudError } from '../labs/errors';
import { type Lab } from '../labs/lab';
import { initialLabNetwork } from '../labs/lab-network';
import { type CloudTask, type LabWaker } from '../labs/ports';
import { InProcessPublicIps } from './in-process-public-ips';
import { nextStep, type Step } from './next-step';
import { LABBOT_METADATA_KEYS as METADATA_KEYS } from '../labs/vapp-metadata';
import { stopBilling } from './billing';
import { DEFAULT_CLAIM_TTL_MS, type LabControllerDeps } from './controller-deps';
import { ControllerContext } from './controller-context';
import { awaitCapture, capture, captureDone, failCapture, findCapture, isCaptureStep } from './steps/capture';
import { allocateIp, applyEdgeRules, configureNics, releaseNetwork } from './steps/network';
import { Reconciler, type ReconcileReport } from './reconcile';
import { Scheduler } from './scheduler';
import { userMessage } from './user-message';

export { DEFAULT_RECONCILE_GUARDS, type LabControllerDeps, type ReconcileGuards } from './controller-deps';
export { type ReconcileReport } from './reconcile';

/**
 * Drives each lab from its recorded state to its desired state, one idempotent step at a time. Every step is
 * recorded in the store before and after it talks to VCD (the task href in particular), so a restart resumes
 * waiting on the same task rather than repeating the step. Labs are driven concurrently, each lab serially,
 * and with claims, by one replica at a time.
 */
export class LabController implements LabWaker {
  private readonly scheduler: Scheduler;
  private readonly ctx: ControllerContext;

  private readonly reconciler: Reconciler;

  constructor(private readonly deps: LabControllerDeps) {
    this.scheduler = new Scheduler(deps, (labId) => this.drive(labId));
    this.ctx = new ControllerContext(deps, deps.publicIps ?? new InProcessPublicIps(), this.scheduler);
    this.reconciler = new Reconciler(this.ctx);
  }

  /** Schedules a drive of the lab; a drive already under way runs once more afterwards. Never throws. */
  wake(labId: string): void {
    this.scheduler.wake(labId);
  }

  /**
   * Wakes every lab that still needs work: at start-up (to resume after a restart) and on every pass. With
   * claims, only labs no other replica holds.
   */
  resumeAll(): Promise<number> {
    return this.scheduler.resumeAll();
  }
  /** Compares what VCD holds with the store, with the guards of issue 14: see `Reconciler.reconcile`. */
  reconcile(): Promise<ReconcileReport> {
    return this.reconciler.reconcile();
  }

  /** Resolves once no lab is being driven (for the shell at end of input, and tests). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** Stops starting new work and waits for steps in flight to be recorded. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  private async drive(labId: string): Promise<void> {
    let transientFailures = 0;
    let teardownFailures = 0;
    for (;;) {
      if (this.ctx.isStopped()) {
        return;
      }
      const lab = await this.deps.store.get(labId);
      if (!lab) {
        return;
      }
      const step = nextStep(lab);
      if (step.kind === 'none') {
        return;
      }
      // Renew the claim before each step, so a long deploy never looks abandoned to other replicas.
      if (!(await this.ctx.claim(labId))) {
        return;
      }
      try {
        await this.perform(lab, step);
        transientFailures = 0;
      } catch (error) {
        if (isCloudError(error, 'unavailable') && ++transientFailures < (this.deps.transientAttempts ?? 5)) {
          this.deps.logger.warn(
            { labId, step: step.kind, attempt: transientFailures, causes: causeChain(error) },
            'cloud unavailable, retrying step',
          );
          await this.deps.sleep((this.deps.transientBackoffMs ?? 2000) * 2 ** (transientFailures - 1));
          continue;
        }
        transientFailures = 0;
        this.deps.logger.error({ labId, step: step.kind, causes: causeChain(error) }, 'lab step failed');
        // Decide from the lab as the step left it, not as it was loaded: a step records its intent before acting
        // (instantiate saves `deploying`, capture `capturing`), and writing the stale copy back would erase that
        // marker and lose what VCD may already have created.
        const current = (await this.deps.store.get(labId)) ?? lab;
        if (current.desired !== 'deleted' && (isCaptureStep(step) || current.phase === 'capturing')) {
          await failCapture(this.ctx, current, error);
          continue;
        }
        const { taskHref: _abandoned, ...withoutTask } = current;
        if (
          lab.desired !== 'deleted' &&
          !['suspending', 'resuming', 'suspended', 'ready'].includes(lab.phase)
        ) {
          await this.failDeploy(withoutTask, step, error);
          continue;
        }
        if (lab.desired !== 'deleted') {
          // Suspend or resume failed: the lab still exists and is usable; report and stop trying until asked again.
          await this.ctx.save(withoutTask, {
            type: 'progress',
            message: `${step.kind === 'suspend' ? 'suspend' : 'resume'} failed (${userMessage(error)})`,
          });
          await this.deps.store.applyRequest(lab.id, {
            desired: lab.phase === 'suspended' || lab.phase === 'resuming' ? 'suspended' : 'running',
          });
          await this.ctx.record(lab.id, step.kind, userMessage(error), 'failed');
          return;
        }
        // Tearing down: look at the vApp again (a failed shutdown is followed by a power off), a few times.
        if (++teardownFailures < 3) {
          await this.ctx.save(withoutTask);
          continue;
        }
        await this.ctx.save(withoutTask, {
          type: 'progress',
          message: `teardown is stuck (${userMessage(error)}); labbot retries on its next pass`,
        });
        await this.ctx.record(lab.id, 'teardown', userMessage(error), 'failed');
        return;
      }
    }
  }

  private async perform(lab: Lab, step: Step): Promise<void> {
    const { cloud } = this.deps;
    switch (step.kind) {
      case 'none':
        return;
      case 'instantiate': {
        // Record the intent first: after a crash, 'deploying' without an href means "look the vApp up by name".
        const deploying = await this.ctx.save(
          { ...lab, phase: 'deploying' },
          { type: 'progress', message: 'deploying…' },
        );
        const template = (await this.ctx.templates()).find((t) => t.key === lab.template);
        if (!template) {
          throw new Error(`template ${lab.template} is no longer configured`);
        }
        const { vappHref, task } = await cloud.startDeploy({
          vappName: lab.vappName,
          description: `labbot lab ${lab.id} (${lab.kind}) for ${lab.owner}${lab.ticket !== undefined ? `, ticket ${lab.ticket}` : ''}`,
          templateName: template.catalogItem,
          runtimeLeaseSeconds: this.maxLifetimeSeconds(lab),
          ...(template.catalog !== undefined ? { catalogName: template.catalog } : {}),
        });
        await this.ctx.save({ ...deploying, vappHref, taskHref: task.href });
        return;
      }
      case 'find-vapp': {
        const found = await cloud.findVAppByName(lab.vappName);
        if (found) {
          await this.ctx.save({
            ...lab,
            vappHref: found.href,
            ...(found.pendingTask ? { taskHref: found.pendingTask.href } : {}),
          });
        } else if (lab.desired === 'deleted') {
          await this.close(lab);
        } else {
          await this.ctx.save({ ...lab, phase: 'requested' });
        }
        return;
      }
      case 'await-task': {
        let lastRenewal = this.deps.clock.now().getTime();
        await this.ctx.withoutSlot(() =>
          cloud.waitForTask({ href: step.taskHref }, () => {
            // Long tasks (a real instantiate takes minutes) must not let the claim lapse.
            const now = this.deps.clock.now().getTime();
            if (
              this.deps.claims &&
              now - lastRenewal > (this.deps.claims.ttlMs ?? DEFAULT_CLAIM_TTL_MS) / 3
            ) {
              lastRenewal = now;
              void this.ctx.claim(lab.id).catch(() => undefined);
            }
          }),
        );
        await this.afterTask(lab);
        return;
      }
      case 'set-metadata': {
        const task = await cloud.setMetadata(this.ctx.href(lab), this.metadata(lab));
        await this.ctx.save(
          { ...lab, phase: 'configuring', ...(task ? { taskHref: task.href } : {}) },
          { type: 'progress', message: 'configuring…' },
        );
        if (!task) {
          await this.afterTask({ ...lab, phase: 'configuring' });
        }
        return;
      }
      case 'power-on': {
        const vapp = await cloud.getVApp(this.ctx.href(lab));
        if (!vapp) {
          throw new Error(`vApp ${lab.vappName} disappeared before it was powered on`);
        }
        if (vapp.powerState === 'powered_on') {
          await this.markReady(lab);
          return;
        }
        if (vapp.pendingTask) {
          // Our own power-on whose answer was lost, or someone else's task: wait for it, then look again.
          await this.ctx.save({ ...lab, taskHref: vapp.pendingTask.href });
          return;
        }
        const resuming = lab.phase === 'suspended' || lab.phase === 'resuming';
        const task = await cloud.startPowerOn(vapp.href);
        await this.ctx.save(
          { ...lab, phase: resuming ? 'resuming' : 'starting', taskHref: task.href },
          { type: 'progress', message: resuming ? 'resuming…' : 'powering on…' },
        );
        return;
      }
      case 'suspend': {
        const vapp = await cloud.getVApp(this.ctx.href(lab));
        if (!vapp) {
          throw new Error(`vApp ${lab.vappName} disappeared before it was suspended`);
        }
        if (vapp.powerState === 'suspended') {
          await this.markSuspended(lab);
          return;
        }
        if (vapp.pendingTask) {
          await this.ctx.save({ ...lab, taskHref: vapp.pendingTask.href });
          return;
        }
        const task = await cloud.startSuspend(vapp.href);
        await this.ctx.save(
          { ...lab, phase: 'suspending', taskHref: task.href },
          { type: 'progress', message: 'suspending…' },
        );
        return;
      }
      case 'configure-nics':
        await configureNics(this.ctx, lab);
        return;
      case 'allocate-ip':
        await allocateIp(this.ctx, lab);
        return;
      case 'apply-edge-rules':
        await applyEdgeRules(this.ctx, lab);
        return;
      case 'release-network':
        await releaseNetwork(this.ctx, lab);
        return;
      case 'dismantle':
        await this.dismantle(lab);
        return;
      case 'close-without-vapp':
        await this.close(lab);
        return;
      case 'capture':
        await capture(this.ctx, lab);
        return;
      case 'await-capture':
        await awaitCapture(this.ctx, lab, step.taskHref);
        return;
      case 'find-capture':
        await findCapture(this.ctx, lab);
        return;
      case 'capture-done':
        await captureDone(this.ctx, lab);
        return;
    }
  }

  /** What a finished task means depends on the phase it was started in. */
  private async afterTask(lab: Lab): Promise<void> {
    const { taskHref: _done, ...cleared } = lab;
    if (lab.desired === 'deleted') {
      await this.ctx.save(cleared);
      return;
    }
    switch (lab.phase) {
      case 'deploying':
        await this.ctx.save({ ...cleared, phase: 'configuring' });
        return;
      case 'configuring': {
        const template = (await this.ctx.templates()).find((t) => t.key === lab.template);
        const edge = this.deps.policy.edge;
        if (template?.network !== undefined && edge !== undefined) {
          await this.ctx.save(
            {
              ...cleared,
              phase: 'networking',
              network: lab.network ?? initialLabNetwork(template.network, edge.gateway),
            },
            { type: 'progress', message: 'wiring networks…' },
          );
          return;
        }
        await this.ctx.save({ ...cleared, phase: 'starting' });
        return;
      }
      case 'starting':
      case 'resuming':
        await this.markReady(cleared);
        return;
      case 'suspending':
        await this.markSuspended(cleared);
        return;
      default:
        await this.ctx.save(cleared);
    }
  }

  private async markReady(lab: Lab): Promise<void> {
    const vapp = await this.deps.cloud.getVApp(this.ctx.href(lab));
    if (!vapp) {
      throw new Error(`vApp ${lab.vappName} disappeared while powering on`);
    }
    if (vapp.powerState !== 'powered_on') {
      // The task we waited for was not (only) our power-on: record that it is done and let power-on look again.
      const { taskHref: _waited, ...rest } = lab;
      await this.ctx.save(rest);
      return;
    }
    const now = this.deps.clock.now();
    const { taskHref: _done, ...rest } = lab;
    const ready = await this.ctx.save(
      {
        ...rest,
        phase: 'ready',
        readyAt: lab.readyAt ?? now,
        vms: vapp.vms,
        poweredOnSince: lab.poweredOnSince ?? now,
      },
      { type: 'ready' },
    );
    await this.ctx.record(ready.id, lab.phase === 'resuming' ? 'resumed' : 'ready');
  }

  private async markSuspended(lab: Lab): Promise<void> {
    const { taskHref: _done, ...rest } = stopBilling(lab, this.deps.clock.now());
    await this.ctx.save(
      { ...rest, phase: 'suspended' },
      { type: 'progress', message: 'suspended: only storage bills now' },
    );
    await this.ctx.record(lab.id, 'suspended');
  }

  private async dismantle(lab: Lab): Promise<void> {
    const { cloud } = this.deps;
    const deleting: Lab =
      lab.phase === 'deleting'
        ? lab
        : await this.ctx.save(
            { ...stopBilling(lab, this.deps.clock.now()), phase: 'deleting' },
            { type: 'progress', message: 'tearing down…' },
          );
    const vapp = await cloud.getVApp(this.ctx.href(lab));
    if (!vapp) {
      await this.close(deleting);
      return;
    }
    if (vapp.pendingTask) {
      await this.ctx.save({ ...deleting, taskHref: vapp.pendingTask.href });
      return;
    }
    let task: CloudTask;
    if (vapp.deployed || vapp.powerState === 'powered_on' || vapp.powerState === 'suspended') {
      task = await cloud.startUndeploy(vapp.href);
    } else {
      task = await cloud.startDelete(vapp.href);
    }
    await this.ctx.save({ ...deleting, taskHref: task.href });
  }

  /** Ends the lab: `failed` when it got here through a failure (the reason says what was cleaned up), else `deleted`. */
  private async close(lab: Lab): Promise<void> {
    const { taskHref: _done, ...rest } = stopBilling(lab, this.deps.clock.now());
    const failed = lab.failureReason !== undefined;
    const reason = failed
      ? `${lab.failureReason} Cleaned up: ${lab.vappHref !== undefined ? `vApp ${lab.vappName} deleted` : 'nothing had been created'}${lab.network?.released === true ? ', edge rules removed and public IP returned' : ''}.`
      : undefined;
    await this.ctx.save(
      {
        ...rest,
        phase: failed ? 'failed' : 'deleted',
        endedAt: this.deps.clock.now(),
        ...(reason !== undefined ? { failureReason: reason } : {}),
      },
      failed ? { type: 'failed', reason: reason ?? '' } : { type: 'deleted' },
    );
    await this.ctx.record(lab.id, failed ? 'failed' : 'deleted', reason, failed ? 'failed' : 'ok');
  }

  /**
   * A deploy step failed for good: remember why and switch the lab to deletion, so that what was created is
   * cleaned up; close() then ends it as failed with the reason and what was removed.
   */
  private async failDeploy(lab: Lab, step: Step, error: unknown): Promise<void> {
    const message = userMessage(error);
    await this.deps.store.applyRequest(lab.id, { desired: 'deleted' });
    await this.ctx.save(
      { ...lab, failureReason: `Deploy failed while ${stepWords(step)}: ${message}.` },
      { type: 'progress', message: `deploy failed (${message}); cleaning up…` },
    );
  }

  private metadata(lab: Lab): Record<string, string> {
    return {
      [METADATA_KEYS.installation]: this.deps.installationId,
      [METADATA_KEYS.id]: lab.id,
      [METADATA_KEYS.owner]: lab.owner,
      [METADATA_KEYS.kind]: lab.kind,
      ...(lab.ticket !== undefined ? { [METADATA_KEYS.ticket]: lab.ticket } : {}),
      [METADATA_KEYS.expiresAt]: lab.expiresAt.toISOString(),
    };
  }

  private maxLifetimeSeconds(lab: Lab): number {
    const kind = this.deps.policy.kinds.find((k) => k.name === lab.kind);
    return Math.round((kind?.maxLifetimeHours ?? 24) * 3600);
  }
}

function stepWords(step: Step): string {
  switch (step.kind) {
    case 'instantiate':
    case 'find-vapp':
      return 'creating the vApp';
    case 'await-task':
      return 'waiting for VCD';
    case 'set-metadata':
      return 'tagging the vApp';
    case 'power-on':
      return 'powering on';
    case 'configure-nics':
      return 'configuring the ESXi NICs';
    case 'allocate-ip':
      return 'allocating a public IP';
    case 'apply-edge-rules':
      return 'adding the edge rules';
    default:
      return 'working on it';
  }
}
