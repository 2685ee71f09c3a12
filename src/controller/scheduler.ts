import { causeChain } from '../labs/errors';
import { DEFAULT_CLAIM_TTL_MS, type LabControllerDeps } from './controller-deps';

/**
 * When labs are driven: at most one drive per lab at a time (a wake during a drive runs it once more afterwards), at
 * most `maxConcurrentLabs` labs issuing VCD calls at once (slots), and with claims, one replica per lab. What a drive
 * does is not its business: it is given the drive.
 */
export class Scheduler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly queue: (() => void)[] = [];
  private active = 0;
  private stopped = false;

  constructor(
    private readonly deps: LabControllerDeps,
    private readonly drive: (labId: string) => Promise<void>,
  ) {}

  /** True once `stop` was called: a drive in progress ends after its current step. */
  isStopped(): boolean {
    return this.stopped;
  }

  /** Schedules a drive of the lab; a drive already under way runs once more afterwards. Never throws. */
  wake(labId: string): void {
    if (this.stopped) {
      return;
    }
    if (this.running.has(labId)) {
      this.again.add(labId);
      return;
    }
    const run = this.withSlot(() => this.driveClaimed(labId))
      .catch((error: unknown) =>
        this.deps.logger.error({ labId, causes: causeChain(error) }, 'controller drive crashed'),
      )
      .finally(() => {
        this.running.delete(labId);
        if (this.again.delete(labId)) {
          this.wake(labId);
        }
      });
    this.running.set(labId, run);
  }

  /**
   * Wakes every lab that still needs work: at start-up (to resume after a restart) and on every pass. With
   * claims, only labs no other replica holds.
   */
  async resumeAll(): Promise<number> {
    const claims = this.deps.claims;
    const ids = claims
      ? await claims.store.claimActive(
          claims.holder,
          1000,
          claims.ttlMs ?? DEFAULT_CLAIM_TTL_MS,
          this.deps.clock.now(),
        )
      : (await this.deps.store.listActive()).map((lab) => lab.id);
    for (const id of ids) {
      this.wake(id);
    }
    return ids.length;
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
    await this.acquireSlot();
    try {
      await work();
    } finally {
      this.releaseSlot();
    }
  }

  /**
   * Runs a wait for a VCD task without holding a slot. Slots bound how many labs issue calls at once, not how many
   * tasks VCD runs: a real instantiate takes minutes, and holding slots through it made a classroom of 30 deploy in
   * waves of 8. Only for code running inside `withSlot` (the steps of `drive`).
   */
  async withoutSlot<T>(wait: () => Promise<T>): Promise<T> {
    this.releaseSlot();
    try {
      return await wait();
    } finally {
      await this.acquireSlot();
    }
  }

  private async acquireSlot(): Promise<void> {
    if (this.active < (this.deps.maxConcurrentLabs ?? 8)) {
      this.active++;
      return;
    }
    // releaseSlot hands its slot straight to the first waiter, so `active` never exceeds the limit.
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.queue.shift();
    if (next) {
      next();
    } else {
      this.active--;
    }
  }

  async claim(labId: string): Promise<boolean> {
    const claims = this.deps.claims;
    if (!claims) {
      return true;
    }
    return claims.store.claim(
      labId,
      claims.holder,
      claims.ttlMs ?? DEFAULT_CLAIM_TTL_MS,
      this.deps.clock.now(),
    );
  }

  private async driveClaimed(labId: string): Promise<void> {
    if (!(await this.claim(labId))) {
      this.deps.logger.debug({ labId }, 'lab is driven by another replica');
      return;
    }
    try {
      await this.drive(labId);
    } finally {
      await this.deps.claims?.store.release(labId, this.deps.claims.holder);
    }
  }
}
