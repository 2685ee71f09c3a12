import { causeChain, isCloudError } from '../labs/errors';
import { type Lab } from '../labs/lab';
import { type LabWaker } from '../labs/ports';
import { InProcessPublicIps } from './in-process-public-ips';
import { nextStep, type Step } from './next-step';
import { type LabControllerDeps } from './controller-deps';
import { ControllerContext } from './controller-context';
import { failCapture, isCaptureStep } from './steps/capture';
import { Reconciler, type ReconcileReport } from './reconcile';
import { Scheduler } from './scheduler';
import { performStep } from './step-table';
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
        await performStep(this.ctx, lab, step);
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
