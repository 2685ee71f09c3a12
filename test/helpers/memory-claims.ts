import {
  type AuditEntry,
  type AuditLog,
  type LabSignal,
  type SignalStore,
  type WorkClaims,
} from '../../src/labs/ports';
import { isTerminal } from '../../src/labs/lab';
import { type MemoryLabStore } from './memory-lab-store';

/** WorkClaims in memory, shared by several controllers in one test to stand for replicas on one database. */
export class MemoryClaims implements WorkClaims {
  readonly holders = new Map<string, { holder: string; expiresAt: number }>();

  constructor(private readonly store: MemoryLabStore) {}

  claim(labId: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const current = this.holders.get(labId);
    if (current && current.holder !== holder && current.expiresAt > now.getTime()) {
      return Promise.resolve(false);
    }
    this.holders.set(labId, { holder, expiresAt: now.getTime() + ttlMs });
    return Promise.resolve(true);
  }

  async claimActive(holder: string, limit: number, ttlMs: number, now: Date): Promise<string[]> {
    const claimed: string[] = [];
    for (const lab of this.store.labs.values()) {
      if (claimed.length >= limit || isTerminal(lab)) {
        continue;
      }
      if (await this.claim(lab.id, holder, ttlMs, now)) {
        claimed.push(lab.id);
      }
    }
    return claimed;
  }

  releaseAll(holder: string): Promise<number> {
    let dropped = 0;
    for (const [labId, claim] of this.holders) {
      if (claim.holder === holder) {
        this.holders.delete(labId);
        dropped++;
      }
    }
    return Promise.resolve(dropped);
  }

  release(labId: string, holder: string): Promise<void> {
    if (this.holders.get(labId)?.holder === holder) {
      this.holders.delete(labId);
    }
    return Promise.resolve();
  }
}

/** AuditLog in memory. */
export class MemoryAudit implements AuditLog {
  readonly entries: AuditEntry[] = [];

  record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
    return Promise.resolve();
  }

  list(query: { labId?: string; actor?: string; limit: number }): Promise<AuditEntry[]> {
    return Promise.resolve(
      this.entries
        .filter(
          (e) =>
            (query.labId === undefined || e.labId === query.labId) &&
            (query.actor === undefined || e.actor === query.actor),
        )
        .reverse()
        .slice(0, query.limit),
    );
  }

  actions(): string[] {
    return this.entries.map(
      (e) => `${e.actor} ${e.action}${e.labId !== undefined ? ` ${e.labId}` : ''} ${e.result}`,
    );
  }
}

/** SignalStore in memory. */
export class MemorySignals implements SignalStore {
  readonly signals: LabSignal[] = [];

  record(signals: LabSignal[]): Promise<void> {
    this.signals.push(...signals);
    return Promise.resolve();
  }

  recordKeepalive(labId: string, at: Date, windowMs: number): Promise<boolean> {
    const recorded = this.signals.some(
      (s) =>
        s.labId === labId && s.kind === 'keepalive' && Math.abs(s.at.getTime() - at.getTime()) < windowMs,
    );
    if (!recorded) {
      this.signals.push({ labId, at, kind: 'keepalive' });
    }
    return Promise.resolve(!recorded);
  }

  recent(labIds: string[], since: Date): Promise<LabSignal[]> {
    const ids = new Set(labIds);
    return Promise.resolve(
      this.signals
        .filter((s) => ids.has(s.labId) && s.at >= since)
        .sort((a, b) => a.at.getTime() - b.at.getTime()),
    );
  }

  prune(before: Date): Promise<number> {
    const keep = this.signals.filter((s) => s.at >= before);
    const removed = this.signals.length - keep.length;
    this.signals.splice(0, this.signals.length, ...keep);
    return Promise.resolve(removed);
  }
}
