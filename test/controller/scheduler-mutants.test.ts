/**
 * The Scheduler (controller/scheduler.ts) with a drive the test controls: one drive per lab at a time (a wake
 * meanwhile runs it once more), slots, claims taken, renewed and released, resumeAll, stop.
 */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { DEFAULT_CLAIM_TTL_MS, type LabControllerDeps } from '../../src/controller/controller-deps';
import { Scheduler } from '../../src/controller/scheduler';
import { type WorkClaims } from '../../src/labs/ports';
import { ManualClock } from '../helpers/clock';
import { RecordingNotifier } from '../helpers/core';
import { FakeCloud } from '../helpers/fake-cloud';
import { labIn } from '../helpers/labs';
import { messagesAt, recordingLogger } from '../helpers/logger';
import { MemoryClaims } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

/** Lets every pending promise and immediate settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A drive that records each start and finishes only when the test releases it. */
class HeldDrives {
  readonly started: string[] = [];
  private readonly held: { labId: string; finish: (error?: Error) => void }[] = [];
  running = 0;
  maxRunning = 0;

  readonly drive = (labId: string): Promise<void> => {
    this.started.push(labId);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise<void>((resolve, reject) => {
      this.held.push({
        labId,
        finish: (error) => {
          this.running--;
          if (error) {
            reject(error);
          } else {
            resolve();
          }
        },
      });
    });
  };

  /** Finishes the oldest held drive of the lab (or the oldest of all). */
  finish(labId?: string, error?: Error): void {
    const i = this.held.findIndex((h) => labId === undefined || h.labId === labId);
    const [entry] = this.held.splice(i, 1);
    if (!entry) {
      throw new Error(`no drive of ${labId ?? 'any lab'} is held`);
    }
    entry.finish(error);
  }

  async finishAll(): Promise<void> {
    while (this.held.length > 0) {
      this.finish();
      await settle();
    }
  }
}

function deps(overrides: Partial<LabControllerDeps> = {}) {
  const store = new MemoryLabStore();
  const logger = recordingLogger();
  const clock = new ManualClock();
  const all: LabControllerDeps = {
    installationId: 'install-test',
    store,
    cloud: new FakeCloud(),
    notifier: new RecordingNotifier(),
    clock,
    sleep: () => Promise.resolve(),
    logger,
    policy: DEFAULT_POLICY,
    ...overrides,
  };
  return { all, store, logger, clock };
}

describe('Scheduler', () => {
  it('drives a lab once at a time; wakes meanwhile run it once more afterwards', async () => {
    const drives = new HeldDrives();
    const scheduler = new Scheduler(deps().all, drives.drive);

    scheduler.wake('a');
    await settle();
    scheduler.wake('a');
    scheduler.wake('a');
    await settle();
    expect(drives.started).toEqual(['a']);

    drives.finish('a');
    await settle();
    expect(drives.started).toEqual(['a', 'a']);
    expect(drives.maxRunning).toBe(1);

    drives.finish('a');
    await settle();
    expect(drives.started).toEqual(['a', 'a']);
    await scheduler.idle();
  });

  it('idle waits for the extra drive a wake asked for', async () => {
    const drives = new HeldDrives();
    const scheduler = new Scheduler(deps().all, drives.drive);
    scheduler.wake('a');
    await settle();
    scheduler.wake('a');

    let idle = false;
    const waiting = scheduler.idle().then(() => (idle = true));
    drives.finish('a');
    await settle();
    expect(idle).toBe(false);
    drives.finish('a');
    await waiting;
    expect(drives.started).toEqual(['a', 'a']);
  });

  it('a crashed drive is logged and the lab can be driven again', async () => {
    const drives = new HeldDrives();
    const { all, logger } = deps();
    const scheduler = new Scheduler(all, drives.drive);

    scheduler.wake('a');
    await settle();
    drives.finish('a', new Error('bug'));
    await scheduler.idle();
    expect(messagesAt(logger, 'error')).toEqual(['controller drive crashed']);
    expect(logger.lines.find((l) => l.level === 'error')?.fields).toMatchObject({ labId: 'a' });

    scheduler.wake('a');
    await settle();
    expect(drives.started).toEqual(['a', 'a']);
    await drives.finishAll();
  });

  it('without claims, a drive that ends well releases nothing and logs no crash', async () => {
    const drives = new HeldDrives();
    const { all, logger } = deps();
    const scheduler = new Scheduler(all, drives.drive);

    scheduler.wake('a');
    await settle();
    drives.finish('a');
    await scheduler.idle();

    expect(messagesAt(logger, 'error')).toEqual([]);
  });

  it('runs at most eight drives at once by default, the next as soon as one ends', async () => {
    const drives = new HeldDrives();
    const scheduler = new Scheduler(deps().all, drives.drive);

    for (let i = 0; i < 10; i++) {
      scheduler.wake(`lab-${i}`);
    }
    await settle();
    expect(drives.started).toHaveLength(8);

    drives.finish('lab-0');
    await settle();
    expect(drives.started).toHaveLength(9);
    expect(drives.started.at(-1)).toBe('lab-8');
    expect(drives.maxRunning).toBe(8);
    await drives.finishAll();
    expect(drives.started).toHaveLength(10);
  });

  it('follows maxConcurrentLabs', async () => {
    const drives = new HeldDrives();
    const scheduler = new Scheduler(deps({ maxConcurrentLabs: 2 }).all, drives.drive);

    for (let i = 0; i < 4; i++) {
      scheduler.wake(`lab-${i}`);
    }
    await settle();
    expect(drives.started).toEqual(['lab-0', 'lab-1']);
    await drives.finishAll();
    expect(drives.maxRunning).toBe(2);
    expect(drives.started).toHaveLength(4);
  });

  it('a wait without a slot lets another lab drive, and takes a slot back before going on', async () => {
    const order: string[] = [];
    let releaseWait: () => void = () => undefined;
    const drives = new HeldDrives();
    const drive = async (labId: string): Promise<void> => {
      if (labId === 'waiter') {
        order.push('waiter waits');
        await scheduler.withoutSlot(() => new Promise<void>((resolve) => (releaseWait = resolve)));
        order.push('waiter goes on');
        return;
      }
      order.push(`${labId} starts`);
      await drives.drive(labId);
      order.push(`${labId} ends`);
    };
    const scheduler = new Scheduler(deps({ maxConcurrentLabs: 1 }).all, drive);

    scheduler.wake('waiter');
    await settle();
    scheduler.wake('other');
    await settle();
    expect(order).toEqual(['waiter waits', 'other starts']);

    // The wait is over, but `other` holds the only slot: the waiter goes on once it is released.
    releaseWait();
    await settle();
    expect(order).toEqual(['waiter waits', 'other starts']);
    drives.finish('other');
    await scheduler.idle();
    expect(order).toEqual(['waiter waits', 'other starts', 'other ends', 'waiter goes on']);
  });

  it('stop ends new work: later wakes start nothing', async () => {
    const drives = new HeldDrives();
    const scheduler = new Scheduler(deps().all, drives.drive);
    scheduler.wake('a');
    await settle();

    expect(scheduler.isStopped()).toBe(false);
    const stopping = scheduler.stop();
    expect(scheduler.isStopped()).toBe(true);
    scheduler.wake('b');
    drives.finish('a');
    await stopping;
    expect(drives.started).toEqual(['a']);
  });

  it('resumeAll without claims wakes every active lab and says how many', async () => {
    const drives = new HeldDrives();
    const { all, store } = deps();
    await store.insert(labIn('ready', { id: 'a' }));
    await store.insert(labIn('deploying', { id: 'b' }));
    await store.insert(labIn('deleted', { id: 'c' }));
    const scheduler = new Scheduler(all, drives.drive);

    expect(await scheduler.resumeAll()).toBe(2);
    await settle();
    expect([...drives.started].sort()).toEqual(['a', 'b']);
    await drives.finishAll();
  });

  describe('with claims', () => {
    /** MemoryClaims that also records each call. */
    function recordingClaims(store: MemoryLabStore) {
      const inner = new MemoryClaims(store);
      const calls: string[] = [];
      const claims: WorkClaims = {
        claim: (labId, holder, ttlMs, now) => {
          calls.push(`claim ${labId} ${holder} ${ttlMs} ${now.toISOString()}`);
          return inner.claim(labId, holder, ttlMs, now);
        },
        claimActive: (holder, limit, ttlMs, now) => {
          calls.push(`claimActive ${holder} ${limit} ${ttlMs} ${now.toISOString()}`);
          return inner.claimActive(holder, limit, ttlMs, now);
        },
        release: (labId, holder) => {
          calls.push(`release ${labId} ${holder}`);
          return inner.release(labId, holder);
        },
        releaseAll: (holder) => inner.releaseAll(holder),
      };
      return { inner, calls, claims };
    }

    it('claims the lab before driving it and releases it after, with the default lifetime', async () => {
      const drives = new HeldDrives();
      const store = new MemoryLabStore();
      const { calls, claims } = recordingClaims(store);
      const { all, clock } = deps({ store, claims: { store: claims, holder: 'r1' } });
      const scheduler = new Scheduler(all, drives.drive);

      expect(DEFAULT_CLAIM_TTL_MS).toBe(600_000);
      scheduler.wake('a');
      await settle();
      expect(calls).toEqual([`claim a r1 600000 ${clock.now().toISOString()}`]);
      drives.finish('a');
      await scheduler.idle();
      expect(calls.at(-1)).toBe('release a r1');
    });

    it('releases the claim also when the drive crashes', async () => {
      const drives = new HeldDrives();
      const store = new MemoryLabStore();
      const { inner, claims } = recordingClaims(store);
      const scheduler = new Scheduler(
        deps({ store, claims: { store: claims, holder: 'r1' } }).all,
        drives.drive,
      );

      scheduler.wake('a');
      await settle();
      expect(inner.holders.get('a')?.holder).toBe('r1');
      drives.finish('a', new Error('bug'));
      await scheduler.idle();
      expect(inner.holders.has('a')).toBe(false);
    });

    it('leaves a lab another replica holds alone, and says so at debug level', async () => {
      const drives = new HeldDrives();
      const store = new MemoryLabStore();
      const { inner, calls, claims } = recordingClaims(store);
      const { all, logger, clock } = deps({ store, claims: { store: claims, holder: 'r1', ttlMs: 5000 } });
      await inner.claim('a', 'r2', 60_000, clock.now());
      const scheduler = new Scheduler(all, drives.drive);

      scheduler.wake('a');
      await scheduler.idle();

      expect(drives.started).toEqual([]);
      expect(messagesAt(logger, 'debug')).toEqual(['lab is driven by another replica']);
      expect(logger.lines.find((l) => l.level === 'debug')?.fields).toMatchObject({ labId: 'a' });
      // Not released: it was never ours.
      expect(calls).toEqual([`claim a r1 5000 ${clock.now().toISOString()}`]);
      expect(inner.holders.get('a')?.holder).toBe('r2');
    });

    it('resumeAll claims up to 1000 active labs with the configured lifetime, and wakes those', async () => {
      const drives = new HeldDrives();
      const store = new MemoryLabStore();
      await store.insert(labIn('ready', { id: 'a' }));
      await store.insert(labIn('ready', { id: 'b' }));
      const { inner, calls, claims } = recordingClaims(store);
      const { all, clock } = deps({ store, claims: { store: claims, holder: 'r1', ttlMs: 7000 } });
      await inner.claim('b', 'r2', 60_000, clock.now());
      const scheduler = new Scheduler(all, drives.drive);

      expect(await scheduler.resumeAll()).toBe(1);
      await settle();
      expect(calls[0]).toBe(`claimActive r1 1000 7000 ${clock.now().toISOString()}`);
      expect(drives.started).toEqual(['a']);
      await drives.finishAll();
    });

    it('resumeAll uses the default claim lifetime when none is configured', async () => {
      const store = new MemoryLabStore();
      const { calls, claims } = recordingClaims(store);
      const { all, clock } = deps({ store, claims: { store: claims, holder: 'r1' } });

      expect(await new Scheduler(all, () => Promise.resolve()).resumeAll()).toBe(0);
      expect(calls).toEqual([`claimActive r1 1000 600000 ${clock.now().toISOString()}`]);
    });

    it('claim is true without claims, and asks the claims store otherwise', async () => {
      expect(await new Scheduler(deps().all, () => Promise.resolve()).claim('a')).toBe(true);

      const store = new MemoryLabStore();
      const { inner, claims } = recordingClaims(store);
      const { all, clock } = deps({ store, claims: { store: claims, holder: 'r1' } });
      await inner.claim('a', 'r2', 60_000, clock.now());
      const scheduler = new Scheduler(all, () => Promise.resolve());
      expect(await scheduler.claim('a')).toBe(false);
      expect(await scheduler.claim('b')).toBe(true);
    });
  });
});
