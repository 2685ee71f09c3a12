/**
 * Batches labs' edge changes per edge: a change that arrives while another change to the same edge is in flight waits
 * and goes out with every other change that arrived meanwhile, in one application. A lab's later change replaces its
 * earlier pending one (the last word wins; both callers are answered when it is applied). Shared by the NSX-V writer
 * (one configureServices per batch) and the NSX-T one (one firewall PUT per batch).
 */
import { type LabEdgeRules } from '../labs/ports';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface PendingChange {
  rules: LabEdgeRules;
  waiters: Waiter[];
}

/** Applies a batch of labs' rules to one edge; resolves once the edge has them all. */
export type ApplyBatch = (edge: string, changes: Map<string, LabEdgeRules>) => Promise<void>;

export class EdgeBatcher {
  private readonly pending = new Map<string, Map<string, PendingChange>>();
  private readonly flushing = new Set<string>();

  constructor(private readonly apply: ApplyBatch) {}

  /** Queues the lab's rules for the edge; resolves when the batch carrying them is applied, rejects as it fails. */
  set(edge: string, labId: string, rules: LabEdgeRules): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let batch = this.pending.get(edge);
      if (batch === undefined) {
        batch = new Map();
        this.pending.set(edge, batch);
      }
      batch.set(labId, { rules, waiters: [...(batch.get(labId)?.waiters ?? []), { resolve, reject }] });
      if (!this.flushing.has(edge)) {
        this.flushing.add(edge);
        void this.flush(edge);
      }
    });
  }

  private async flush(edge: string): Promise<void> {
    try {
      // Callers of the same tick (a burst of labs reaching this step together) join the first batch.
      await Promise.resolve();
      for (;;) {
        const batch = this.pending.get(edge);
        if (batch === undefined || batch.size === 0) {
          return;
        }
        this.pending.delete(edge);
        const waiters = [...batch.values()].flatMap((p) => p.waiters);
        try {
          await this.apply(edge, new Map([...batch].map(([labId, p]) => [labId, p.rules])));
          waiters.forEach((w) => w.resolve());
        } catch (error) {
          waiters.forEach((w) => w.reject(error));
        }
      }
    } finally {
      this.flushing.delete(edge);
    }
  }
}
