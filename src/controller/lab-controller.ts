import { causeChain, isCloudError } from '../labs/errors';
import { type Lab } from '../labs/lab';
import { type LabPolicy } from '../labs/policy';
import {
  type Clock,
  type Cloud,
  type CloudTask,
  type LabEvent,
  type LabNotifier,
  type LabStore,
  type LabWaker,
  type Logger,
  type Sleep,
} from '../labs/ports';
import { nextStep, type Step } from './next-step';

export interface LabControllerDeps {
  store: LabStore;
  cloud: Cloud;
  notifier: LabNotifier;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  policy: LabPolicy;
  /** Labs driven at once; VCD limits simultaneous operations per org, so keep this modest. */
  maxConcurrentLabs?: number;
  /** Attempts for a step that failed because VCD was unreachable, before the lab is failed. */
  transientAttempts?: number;
  transientBackoffMs?: number;
}

/** Metadata keys every vApp we create carries (DESIGN.md section 2): how we recognise our own. */
export const METADATA_KEYS = {
  id: 'labbot.id',
  owner: 'labbot.owner',
  kind: 'labbot.kind',
  ticket: 'labbot.ticket',
  expiresAt: 'labbot.expiresAt',
} as const;

/**
 * Drives each lab from its recorded state to its desired state, one idempotent step at a time. Every step is
 * recorded in the store before and after it talks to VCD (the task href in particular), so a restart resumes
 * waiting on the same task rather than repeating the step. Labs are driven concurrently, each lab serially.
 */
export class LabController implements LabWaker {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly queue: (() => void)[] = [];
  private active = 0;
  private stopped = false;

  constructor(private readonly deps: LabControllerDeps) {}

  /** Schedules a drive of the lab; a drive already under way runs once more afterwards. Never throws. */
  wake(labId: string): void {
    if (this.stopped) {
      return;
    }
    if (this.running.has(labId)) {
      this.again.add(labId);
      return;
    }
    const run = this.withSlot(() => this.drive(labId))
      .catch((error: unknown) => this.deps.logger.error({ labId, err: error }, 'controller drive crashed'))
      .finally(() => {
        this.running.delete(labId);
        if (this.again.delete(labId)) {
          this.wake(labId);
        }
      });
    this.running.set(labId, run);
  }

  /** Wakes every lab that still needs work: called at start-up to resume after a restart. */
  async resumeAll(): Promise<number> {
    const labs = await this.deps.store.listActive();
    for (const lab of labs) {
      this.wake(lab.id);
    }
    return labs.length;
  }

  /** Resolves once no lab is being driven (for the shell at end of input, and tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running.values()]);
    }
  }

  /** Stops starting new work and waits for steps in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private async withSlot(work: () => Promise<void>): Promise<void> {
    const limit = this.deps.maxConcurrentLabs ?? 8;
    if (this.active >= limit) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.active++;
    try {
      await work();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  private async drive(labId: string): Promise<void> {
    let transientFailures = 0;
    let teardownFailures = 0;
    for (;;) {
      if (this.stopped) {
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
      try {
        await this.perform(lab, step);
        transientFailures = 0;
      } catch (error) {
        if (isCloudError(error, 'unavailable') && ++transientFailures < (this.deps.transientAttempts ?? 5)) {
          this.deps.logger.warn(
            { labId, step: step.kind, attempt: transientFailures, err: error },
            'cloud unavailable, retrying step',
          );
          await this.deps.sleep((this.deps.transientBackoffMs ?? 2000) * 2 ** (transientFailures - 1));
          continue;
        }
        transientFailures = 0;
        this.deps.logger.error({ labId, step: step.kind, causes: causeChain(error) }, 'lab step failed');
        const { taskHref: _abandoned, ...withoutTask } = lab;
        if (lab.desired !== 'deleted') {
          await this.failDeploy(withoutTask, step, error);
          continue;
        }
        // Tearing down: look at the vApp again (a failed shutdown is followed by a power off), a few times.
        if (++teardownFailures < 3) {
          await this.save(withoutTask);
          continue;
        }
        await this.save(withoutTask, {
          type: 'progress',
          message: `teardown is stuck (${userMessage(error)}); labbot retries on its next pass`,
        });
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
        const deploying = await this.save(
          { ...lab, phase: 'deploying' },
          { type: 'progress', message: 'deploying…' },
        );
        const template = this.deps.policy.templates.find((t) => t.key === lab.template);
        if (!template) {
          throw new Error(`template ${lab.template} is no longer configured`);
        }
        const { vappHref, task } = await cloud.startDeploy({
          vappName: lab.vappName,
          description: `labbot lab ${lab.id} (${lab.kind}) for ${lab.owner}${lab.ticket !== undefined ? `, ticket ${lab.ticket}` : ''}`,
          templateName: template.catalogItem,
          runtimeLeaseSeconds: this.maxLifetimeSeconds(lab),
        });
        await this.save({ ...deploying, vappHref, taskHref: task.href });
        return;
      }
      case 'find-vapp': {
        const found = await cloud.findVAppByName(lab.vappName);
        if (found) {
          await this.save({
            ...lab,
            vappHref: found.href,
            ...(found.pendingTask ? { taskHref: found.pendingTask.href } : {}),
          });
        } else if (lab.desired === 'deleted') {
          await this.close(lab);
        } else {
          await this.save({ ...lab, phase: 'requested' });
        }
        return;
      }
      case 'await-task':
        await cloud.waitForTask({ href: step.taskHref });
        await this.afterTask(lab);
        return;
      case 'set-metadata': {
        const task = await cloud.setMetadata(this.href(lab), this.metadata(lab));
        await this.save(
          { ...lab, phase: 'configuring', ...(task ? { taskHref: task.href } : {}) },
          { type: 'progress', message: 'configuring…' },
        );
        if (!task) {
          await this.afterTask({ ...lab, phase: 'configuring' });
        }
        return;
      }
      case 'power-on': {
        const vapp = await cloud.getVApp(this.href(lab));
        if (!vapp) {
          throw new Error(`vApp ${lab.vappName} disappeared before it was powered on`);
        }
        if (vapp.powerState === 'powered_on') {
          await this.markReady(lab);
          return;
        }
        const task = await cloud.startPowerOn(vapp.href);
        await this.save(
          { ...lab, phase: 'starting', taskHref: task.href },
          { type: 'progress', message: 'powering on…' },
        );
        return;
      }
      case 'observe-ready':
        await this.markReady(lab);
        return;
      case 'dismantle':
        await this.dismantle(lab);
        return;
      case 'close-without-vapp':
        await this.close(lab);
        return;
    }
  }

  /** What a finished task means depends on the phase it was started in. */
  private async afterTask(lab: Lab): Promise<void> {
    const { taskHref: _done, ...rest } = lab;
    const cleared: Lab = rest;
    if (lab.desired === 'deleted') {
      await this.save(cleared);
      return;
    }
    switch (lab.phase) {
      case 'deploying':
        await this.save({ ...cleared, phase: 'configuring' });
        return;
      case 'configuring':
        await this.save({ ...cleared, phase: 'starting' });
        return;
      case 'starting':
        await this.markReady(cleared);
        return;
      default:
        await this.save(cleared);
    }
  }

  private async markReady(lab: Lab): Promise<void> {
    const vapp = await this.deps.cloud.getVApp(this.href(lab));
    if (!vapp) {
      throw new Error(`vApp ${lab.vappName} disappeared while powering on`);
    }
    const { taskHref: _done, ...rest } = lab;
    await this.save(
      { ...rest, phase: 'ready', readyAt: lab.readyAt ?? this.deps.clock.now(), vms: vapp.vms },
      { type: 'ready' },
    );
  }

  private async dismantle(lab: Lab): Promise<void> {
    const { cloud } = this.deps;
    const deleting: Lab =
      lab.phase === 'deleting'
        ? lab
        : await this.save({ ...lab, phase: 'deleting' }, { type: 'progress', message: 'tearing down…' });
    const vapp = await cloud.getVApp(this.href(lab));
    if (!vapp) {
      await this.close(deleting);
      return;
    }
    if (vapp.pendingTask) {
      await this.save({ ...deleting, taskHref: vapp.pendingTask.href });
      return;
    }
    let task: CloudTask;
    if (vapp.deployed || vapp.powerState === 'powered_on' || vapp.powerState === 'suspended') {
      task = await cloud.startUndeploy(vapp.href);
    } else {
      task = await cloud.startDelete(vapp.href);
    }
    await this.save({ ...deleting, taskHref: task.href });
  }

  /** Ends the lab: `failed` when it got here through a failure (the reason says what was cleaned up), else `deleted`. */
  private async close(lab: Lab): Promise<void> {
    const { taskHref: _done, ...rest } = lab;
    const failed = lab.failureReason !== undefined;
    const reason = failed
      ? `${lab.failureReason} Cleaned up: ${lab.vappHref !== undefined ? `vApp ${lab.vappName} deleted` : 'nothing had been created'}.`
      : undefined;
    await this.save(
      {
        ...rest,
        phase: failed ? 'failed' : 'deleted',
        endedAt: this.deps.clock.now(),
        ...(reason !== undefined ? { failureReason: reason } : {}),
      },
      failed ? { type: 'failed', reason: reason ?? '' } : { type: 'deleted' },
    );
  }

  /**
   * A deploy step failed for good: remember why and switch the lab to deletion, so that what was created is
   * cleaned up; close() then ends it as failed with the reason and what was removed.
   */
  private async failDeploy(lab: Lab, step: Step, error: unknown): Promise<void> {
    const message = userMessage(error);
    await this.deps.store.setDesired(lab.id, 'deleted');
    await this.save(
      { ...lab, desired: 'deleted', failureReason: `Deploy failed while ${stepWords(step)}: ${message}.` },
      { type: 'progress', message: `deploy failed (${message}); cleaning up…` },
    );
  }

  /** Records the controller's fields, then tells people, with the lab as stored (desired may have changed). */
  private async save(lab: Lab, event?: LabEvent): Promise<Lab> {
    await this.deps.store.update(lab);
    const stored = (await this.deps.store.get(lab.id)) ?? lab;
    if (event) {
      await this.deps.notifier.labChanged(stored, event);
    }
    return stored;
  }

  private href(lab: Lab): string {
    if (lab.vappHref === undefined) {
      throw new Error(`lab ${lab.id} has no vApp href`);
    }
    return lab.vappHref;
  }

  private metadata(lab: Lab): Record<string, string> {
    return {
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

/** What a user may read about a failure: cloud errors say what VCD said; anything else stays internal. */
function userMessage(error: unknown): string {
  return isCloudError(error) ? error.message : 'internal error';
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
    case 'observe-ready':
      return 'powering on';
    default:
      return 'working on it';
  }
}
