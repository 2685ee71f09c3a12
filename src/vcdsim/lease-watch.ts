/**
 * Which vApp's runtime lease runs out next, without looking at every vApp: SimState.settle asks on every request,
 * and a scan of the whole world there made each request cost O(vApps) (a 20,000-lab world spent its time settling).
 *
 * The watch keeps the lease ends it was told about in a min-heap. A vApp's lease end changes only when the vApp is
 * added or a task that holds it ends (deploy, power, lease settings, undeploy: SimState notes the vApp then), so an
 * entry whose vApp has since moved on is stale and is dropped when it reaches the top. A busy vApp's lease takes
 * effect when its task ends, so its entry is dropped too; the task's end notes the vApp again.
 */
import { type SimVApp } from './model';

/** When the vApp's runtime lease runs out, if it is deployed with a finite lease. */
export function runtimeLeaseExpiry(vApp: SimVApp): number | undefined {
  if (!vApp.deployed || vApp.deploymentLeaseSeconds <= 0 || vApp.deployedAt === undefined) {
    return undefined;
  }
  return vApp.deployedAt + vApp.deploymentLeaseSeconds * 1000;
}

interface Entry {
  readonly vApp: SimVApp;
  /** The lease end when the entry was made. */
  readonly expiry: number;
  /** The vApp's creation order: of two leases ending at once, the older vApp's goes first (as a scan found it). */
  readonly seq: number;
}

const before = (a: Entry, b: Entry): boolean =>
  a.expiry < b.expiry || (a.expiry === b.expiry && a.seq < b.seq);

/** A binary min-heap of entries, earliest lease end first. */
class EntryHeap {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Entry | undefined {
    return this.items[0];
  }

  push(entry: Entry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as Entry;
      if (!before(entry, p)) {
        break;
      }
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) {
      return top;
    }
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) {
        break;
      }
      const right = left + 1;
      const l = items[left] as Entry;
      const r = items[right];
      const child = r !== undefined && before(r, l) ? right : left;
      const c = items[child] as Entry;
      if (!before(c, last)) {
        break;
      }
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

export class LeaseWatch {
  private readonly heap = new EntryHeap();
  private readonly pending = new Set<SimVApp>();
  private readonly order = new WeakMap<SimVApp, number>();
  private nextSeq = 0;

  /** @param live true while the vApp is in the world (a removed vApp's entries are stale). */
  constructor(private readonly live: (vApp: SimVApp) => boolean) {}

  /**
   * The vApp's lease may have changed: it is read again at the next `due`, so callers may still change the vApp in
   * the same synchronous step (a seeded vApp is added, then deployed). The first note fixes its creation order.
   */
  note(vApp: SimVApp): void {
    if (!this.order.has(vApp)) {
      this.order.set(vApp, this.nextSeq++);
    }
    this.pending.add(vApp);
  }

  /**
   * The lease to end first, at `max(its end, cursor)`, among vApps not busy, if that is at or before `now`. A lease
   * that ran out before `cursor` (the time settling has reached) ends at `cursor`; of several, the oldest vApp's.
   * Reading it changes nothing but dropping stale and busy entries.
   */
  due(
    now: number,
    cursor: number,
    busy: (vAppId: string) => boolean,
  ): { vApp: SimVApp; at: number } | undefined {
    this.drain();
    const late: Entry[] = [];
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      if (!this.current(top) || busy(top.vApp.id)) {
        this.heap.pop();
      } else if (top.expiry <= cursor) {
        late.push(top);
        this.heap.pop();
      } else {
        break;
      }
    }
    if (late.length > 0) {
      for (const entry of late) {
        this.heap.push(entry);
      }
      const oldest = late.reduce((a, b) => (b.seq < a.seq ? b : a));
      return cursor <= now ? { vApp: oldest.vApp, at: cursor } : undefined;
    }
    const top = this.heap.peek();
    return top !== undefined && top.expiry <= now ? { vApp: top.vApp, at: top.expiry } : undefined;
  }

  private drain(): void {
    for (const vApp of this.pending) {
      const expiry = runtimeLeaseExpiry(vApp);
      if (expiry !== undefined && this.live(vApp)) {
        this.heap.push({ vApp, expiry, seq: this.order.get(vApp) ?? 0 });
      }
    }
    this.pending.clear();
  }

  private current(entry: Entry): boolean {
    return this.live(entry.vApp) && runtimeLeaseExpiry(entry.vApp) === entry.expiry;
  }
}
