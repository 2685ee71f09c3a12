import { DuplicateLabError, LiveTicketConflictError } from '../../src/labs/errors';
import { isTerminal, type Lab, type LabRequestChanges, REQUEST_FIELDS } from '../../src/labs/lab';
import { type LimitRefusal, type OwnerLabsCheck, ticketKey } from '../../src/labs/limits';
import { type BillingInterval, nextLedgerChange } from '../../src/labs/billing';
import { type BillingLedger, type LabQuery, type LabStore, type TransferOutcome } from '../../src/labs/ports';

/** LabStore in memory for unit tests of the domain; copies on the way in and out like a real database. */
export class MemoryLabStore implements LabStore, BillingLedger {
  readonly labs = new Map<string, Lab>();
  /** The billing ledger, followed on insert and update as KyselyLabStore does (billing.ts). */
  readonly ledger: BillingInterval[] = [];
  /** Every update in order, to assert what was recorded before and after each step. */
  readonly history: Lab[] = [];

  insert(lab: Lab): Promise<void> {
    if (this.labs.has(lab.id)) {
      return Promise.reject(new DuplicateLabError(lab.id));
    }
    const clash = [...this.labs.values()].some(
      (l) =>
        l.ticket !== undefined &&
        lab.ticket !== undefined &&
        ticketKey(l.ticket) === ticketKey(lab.ticket) &&
        !isTerminal(l),
    );
    if (clash && !isTerminal(lab)) {
      return Promise.reject(new LiveTicketConflictError(lab.id, lab.ticket ?? ''));
    }
    this.labs.set(lab.id, structuredClone(lab));
    this.follow(lab.id, undefined, lab);
    return Promise.resolve();
  }

  intervals(from: Date, to: Date, owner?: string): Promise<BillingInterval[]> {
    return Promise.resolve(
      this.ledger
        .filter(
          (i) =>
            i.startedAt < to &&
            (i.endedAt === undefined || i.endedAt > from) &&
            (owner === undefined || this.labs.get(i.labId)?.owner === owner),
        )
        .map((i) => structuredClone(i)),
    );
  }

  private follow(id: string, before: Lab | undefined, after: Lab): void {
    const open = this.ledger.find((i) => i.labId === id && i.endedAt === undefined);
    const change = nextLedgerChange(open, before, after);
    if (open !== undefined && change.close !== undefined) {
      open.endedAt = change.close;
    }
    if (change.open !== undefined) {
      this.ledger.push({ labId: id, ...change.open });
    }
  }

  /** Atomic by construction: the check and the insert run with no await in between. */
  insertWithinLimits(lab: Lab, check: OwnerLabsCheck): Promise<LimitRefusal | undefined> {
    const refusal = check(this.liveOf(lab.owner));
    return refusal !== undefined ? Promise.resolve(refusal) : this.insert(lab).then(() => undefined);
  }

  transferWithinLimits(
    id: string,
    from: string,
    changes: LabRequestChanges & { owner: string },
    check: OwnerLabsCheck,
  ): Promise<TransferOutcome> {
    const refusal = check(this.liveOf(changes.owner));
    if (refusal !== undefined) {
      return Promise.resolve({ status: 'refused', refusal });
    }
    const current = this.labs.get(id);
    if (!current || current.owner !== from || isTerminal(current)) {
      return Promise.resolve({ status: 'stale' });
    }
    Object.assign(current, structuredClone(changes));
    return Promise.resolve({ status: 'moved' });
  }

  private liveOf(owner: string): Lab[] {
    return [...this.labs.values()]
      .filter((l) => l.owner === owner && !isTerminal(l))
      .map((l) => structuredClone(l));
  }

  update(lab: Lab): Promise<void> {
    const current = this.labs.get(lab.id);
    if (!current) {
      return Promise.resolve();
    }
    // Like the real store: the controller's write leaves the request and message fields alone.
    const next: Lab = { ...lab };
    for (const field of [...REQUEST_FIELDS, 'channel', 'messageTs'] as const) {
      delete next[field];
      if (current[field] !== undefined) {
        Object.assign(next, { [field]: current[field] });
      }
    }
    this.labs.set(lab.id, structuredClone(next));
    this.follow(lab.id, current, next);
    this.history.push(structuredClone(next));
    return Promise.resolve();
  }

  applyRequest(id: string, changes: LabRequestChanges): Promise<void> {
    const current = this.labs.get(id);
    if (current) {
      Object.assign(current, structuredClone(changes));
    }
    return Promise.resolve();
  }

  setMessageRef(id: string, channel: string, messageTs: string): Promise<void> {
    const current = this.labs.get(id);
    if (current) {
      Object.assign(current, { channel, messageTs });
    }
    return Promise.resolve();
  }

  get(id: string): Promise<Lab | undefined> {
    const lab = this.labs.get(id);
    return Promise.resolve(lab ? structuredClone(lab) : undefined);
  }

  list(query: LabQuery): Promise<Lab[]> {
    return Promise.resolve(
      [...this.labs.values()]
        .filter((l) => query.owner === undefined || l.owner === query.owner)
        .filter((l) => query.includeEnded === true || !isTerminal(l))
        .sort(oldestFirst)
        .map((l) => structuredClone(l)),
    );
  }

  findLiveByTicket(ticket: string): Promise<Lab | undefined> {
    const lab = [...this.labs.values()].find(
      (l) => l.ticket !== undefined && ticketKey(l.ticket) === ticketKey(ticket) && !isTerminal(l),
    );
    return Promise.resolve(lab ? structuredClone(lab) : undefined);
  }

  listActive(): Promise<Lab[]> {
    return Promise.resolve(
      [...this.labs.values()]
        .filter((l) => !isTerminal(l))
        .sort(oldestFirst)
        .map((l) => structuredClone(l)),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The real store's order (created_at, then id): tests built on the fake see labs in the order production does. */
function oldestFirst(a: Lab, b: Lab): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
