import { type Lab } from '../labs/lab';
import { type TemplatePolicy } from '../labs/policy';
import { type LabEvent, type PublicIpPool } from '../labs/ports';
import { deployableTemplates } from '../labs/templates';
import { type LabControllerDeps } from './controller-deps';
import { type Scheduler } from './scheduler';

/**
 * What the steps, the drive loop and reconciliation share: the ports, the lab's record (`save`, `record`), and the
 * few scheduler controls a step needs (waiting for a task without holding a slot, renewing the lab's claim).
 */
export class ControllerContext {
  constructor(
    readonly deps: LabControllerDeps,
    readonly publicIps: PublicIpPool,
    private readonly scheduler: Scheduler,
  ) {}

  /** Configured templates and captured ones (inheriting from their base). */
  async templates(): Promise<TemplatePolicy[]> {
    const captured = this.deps.captured ? await this.deps.captured.list() : [];
    return deployableTemplates(this.deps.policy.templates, captured);
  }

  /** Records the controller's fields, then tells people, with the lab as stored (desired may have changed). */
  async save(lab: Lab, event?: LabEvent): Promise<Lab> {
    await this.deps.store.update(lab);
    const stored = (await this.deps.store.get(lab.id)) ?? lab;
    if (event) {
      await this.deps.notifier.labChanged(stored, event);
    }
    return stored;
  }

  async record(
    labId: string,
    action: string,
    detail?: string,
    result: 'ok' | 'failed' = 'ok',
  ): Promise<void> {
    await this.deps.audit?.record({
      at: this.deps.clock.now(),
      actor: 'controller',
      labId,
      action,
      ...(detail !== undefined ? { detail } : {}),
      result,
    });
  }

  href(lab: Lab): string {
    if (lab.vappHref === undefined) {
      throw new Error(`lab ${lab.id} has no vApp href`);
    }
    return lab.vappHref;
  }

  /** See `Scheduler.withoutSlot`: only for waits inside a step. */
  withoutSlot<T>(wait: () => Promise<T>): Promise<T> {
    return this.scheduler.withoutSlot(wait);
  }

  /** Takes or renews the lab's claim; true without claims (one replica). */
  claim(labId: string): Promise<boolean> {
    return this.scheduler.claim(labId);
  }

  /** Schedules a drive of the lab (reconciliation wakes the labs it adopts or reopens). */
  wake(labId: string): void {
    this.scheduler.wake(labId);
  }

  /** True once the controller is stopping: a drive ends after its current step. */
  isStopped(): boolean {
    return this.scheduler.isStopped();
  }
}
