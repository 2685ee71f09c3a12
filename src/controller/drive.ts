import { causeChain, isCloudError } from '../labs/errors';
import { type Lab } from '../labs/lab';
import { type ControllerContext } from './controller-context';
import { nextStep, type Step } from './next-step';
import { performStep } from './step-table';
import { failCapture, isCaptureStep } from './steps/capture';
import { userMessage } from './user-message';

/**
 * Drives one lab (the scheduler holds its slot and claim meanwhile): load it, `nextStep`, perform that step with its
 * entry of `STEPS`, until the step is `none`. Transient cloud errors retry the step with back-off; other failures
 * fail the capture, fail the deploy (and clean up), report a failed suspend or resume, or retry a stuck teardown.
 */
export async function drive(ctx: ControllerContext, labId: string): Promise<void> {
  let transientFailures = 0;
  let teardownFailures = 0;
  for (;;) {
    if (ctx.isStopped()) {
      return;
    }
    const lab = await ctx.deps.store.get(labId);
    if (!lab) {
      return;
    }
    const step = nextStep(lab, ctx.deps.clock.now());
    if (step.kind === 'none') {
      return;
    }
    // Renew the claim before each step, so a long deploy never looks abandoned to other replicas.
    if (!(await ctx.claim(labId))) {
      return;
    }
    try {
      await performStep(ctx, lab, step);
      transientFailures = 0;
    } catch (error) {
      if (isCloudError(error, 'unavailable') && ++transientFailures < (ctx.deps.transientAttempts ?? 5)) {
        ctx.deps.logger.warn(
          { labId, step: step.kind, attempt: transientFailures, causes: causeChain(error) },
          'cloud unavailable, retrying step',
        );
        await ctx.deps.sleep((ctx.deps.transientBackoffMs ?? 2000) * 2 ** (transientFailures - 1));
        continue;
      }
      transientFailures = 0;
      ctx.deps.logger.error({ labId, step: step.kind, causes: causeChain(error) }, 'lab step failed');
      // Decide from the lab as the step left it, not as it was loaded: a step records its intent before acting
      // (instantiate saves `deploying`, capture `capturing`), and writing the stale copy back would erase that
      // marker and lose what VCD may already have created.
      const current = (await ctx.deps.store.get(labId)) ?? lab;
      if (current.desired !== 'deleted' && (isCaptureStep(step) || current.phase === 'capturing')) {
        await failCapture(ctx, current, error);
        continue;
      }
      const { taskHref: _abandoned, ...withoutTask } = current;
      if (
        lab.desired !== 'deleted' &&
        !['suspending', 'resuming', 'suspended', 'ready'].includes(lab.phase)
      ) {
        await failDeploy(ctx, withoutTask, step, error);
        continue;
      }
      if (lab.desired !== 'deleted') {
        // Suspend or resume failed: the lab still exists and is usable; report and stop trying until asked again.
        // The phase goes back to where the operation started, as `desired` does: `suspending` and `resuming` are
        // steps in progress (nextStep would send the same operation again on the next pass, and then undo it).
        // Named by the phase, not the step: the step that failed may be the wait for VCD's task.
        const resume = lab.phase === 'suspended' || lab.phase === 'resuming';
        await ctx.save(
          { ...withoutTask, phase: resume ? 'suspended' : 'ready' },
          { type: 'progress', message: `${resume ? 'resume' : 'suspend'} failed (${userMessage(error)})` },
        );
        await ctx.deps.store.applyRequest(lab.id, { desired: resume ? 'suspended' : 'running' });
        await ctx.record(lab.id, step.kind, userMessage(error), 'failed');
        return;
      }
      // Tearing down: look at the vApp again (a failed shutdown is followed by a power off), a few times.
      if (++teardownFailures < 3) {
        await ctx.save(withoutTask);
        continue;
      }
      await ctx.save(withoutTask, {
        type: 'progress',
        message: `teardown is stuck (${userMessage(error)}); labbot retries on its next pass`,
      });
      await ctx.record(lab.id, 'teardown', userMessage(error), 'failed');
      return;
    }
  }
}

/**
 * A deploy step failed for good: remember why and switch the lab to deletion, so that what was created is
 * cleaned up; close() then ends it as failed with the reason and what was removed.
 */
async function failDeploy(ctx: ControllerContext, lab: Lab, step: Step, error: unknown): Promise<void> {
  const message = userMessage(error);
  await ctx.deps.store.applyRequest(lab.id, { desired: 'deleted' });
  await ctx.save(
    { ...lab, failureReason: `Deploy failed while ${stepWords(step)}: ${message}.` },
    { type: 'progress', message: `deploy failed (${message}); cleaning up…` },
  );
}

/** What a failed deploy step was doing, in the words of the failure reason users read. */
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
