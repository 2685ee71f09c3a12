import { type LabWaker } from '../labs/ports';
import { InProcessPublicIps } from './in-process-public-ips';
import { type LabControllerDeps } from './controller-deps';
import { ControllerContext } from './controller-context';
import { Reconciler, type ReconcileReport } from './reconcile';
import { drive } from './drive';
import { Scheduler } from './scheduler';

export { DEFAULT_RECONCILE_GUARDS, type LabControllerDeps, type ReconcileGuards } from './controller-deps';
export { type ReconcileReport } from './reconcile';

/**
 * Drives each lab from its recorded state to its desired state, one idempotent step at a time. Every step is
 * recorded in the store before and after it talks to VCD (the task href in particular), so a restart resumes
 * waiting on the same task rather than repeating the step. Labs are driven concurrently, each lab serially,
 * and with claims, by one replica at a time.
 *
 * A facade over its parts, read in this order: `scheduler.ts` (when: slots, claims, wake), `drive.ts` (the loop:
 * `nextStep` from `next-step.ts`, then the step's handler from `step-table.ts`, and what a failure does),
 * `steps/lifecycle.ts`, `steps/network.ts`, `steps/capture.ts` (what each step sends to VCD and records), and
 * `reconcile.ts` (making the store and VCD agree, with the guards of issue 14). `controller-context.ts` is what
 * they share.
 */
export class LabController implements LabWaker {
  private readonly scheduler: Scheduler;
  private readonly ctx: ControllerContext;
  private readonly reconciler: Reconciler;

  constructor(deps: LabControllerDeps) {
    this.scheduler = new Scheduler(deps, (labId) => drive(this.ctx, labId));
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
}
