import { DuplicateLabError } from '../../src/labs/errors';
import { type DesiredState, isTerminal, type Lab } from '../../src/labs/lab';
import { type LabQuery, type LabStore } from '../../src/labs/ports';

/** LabStore in memory for unit tests of the domain; copies on the way in and out like a real database. */
export class MemoryLabStore implements LabStore {
  readonly labs = new Map<string, Lab>();
  /** Every update in order, to assert what was recorded before and after each step. */
  readonly history: Lab[] = [];

  insert(lab: Lab): Promise<void> {
    if (this.labs.has(lab.id)) {
      return Promise.reject(new DuplicateLabError(lab.id));
    }
    this.labs.set(lab.id, structuredClone(lab));
    return Promise.resolve();
  }

  update(lab: Lab): Promise<void> {
    const current = this.labs.get(lab.id);
    if (!current) {
      return Promise.resolve();
    }
    const { channel: _c, messageTs: _m, desired: _d, ...owned } = lab;
    const next: Lab = { ...owned, desired: current.desired };
    if (current.channel !== undefined) {
      next.channel = current.channel;
    }
    if (current.messageTs !== undefined) {
      next.messageTs = current.messageTs;
    }
    this.labs.set(lab.id, structuredClone(next));
    this.history.push(structuredClone(next));
    return Promise.resolve();
  }

  setDesired(id: string, desired: DesiredState): Promise<void> {
    const current = this.labs.get(id);
    if (current) {
      current.desired = desired;
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
        .map((l) => structuredClone(l)),
    );
  }

  findLiveByTicket(ticket: string): Promise<Lab | undefined> {
    const lab = [...this.labs.values()].find((l) => l.ticket === ticket && !isTerminal(l));
    return Promise.resolve(lab ? structuredClone(lab) : undefined);
  }

  listActive(): Promise<Lab[]> {
    return Promise.resolve(
      [...this.labs.values()].filter((l) => !isTerminal(l)).map((l) => structuredClone(l)),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
