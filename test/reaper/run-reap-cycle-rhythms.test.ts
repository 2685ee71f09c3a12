import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { LabService } from '../../src/labs/lab-service';
import { createSilentLogger } from '../../src/observability/logger';
import { type WorkRhythmStore } from '../../src/reaper/reaper-ports';
import { runReapCycle } from '../../src/reaper/run-reap-cycle';
import { emptyRhythm, observeUses, type WorkRhythm } from '../../src/reaper/work-rhythm';
import { ManualClock } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { MemoryAudit, MemorySignals } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

/** WorkRhythmStore in memory, as KyselyWorkRhythms keeps it (one record per key, replaced on save). */
class MemoryRhythms implements WorkRhythmStore {
  readonly rows = new Map<string, { rhythm: WorkRhythm; at: Date }>();
  load(keys: readonly string[]): Promise<Map<string, WorkRhythm>> {
    return Promise.resolve(
      new Map(keys.flatMap((k) => (this.rows.has(k) ? [[k, this.rows.get(k)!.rhythm] as const] : []))),
    );
  }
  save(rhythms: ReadonlyMap<string, WorkRhythm>, at: Date): Promise<void> {
    for (const [key, rhythm] of rhythms) {
      this.rows.set(key, { rhythm, at });
    }
    return Promise.resolve();
  }
  prune(before: Date): Promise<number> {
    const old = [...this.rows].filter(([, row]) => row.at < before).map(([key]) => key);
    old.forEach((key) => this.rows.delete(key));
    return Promise.resolve(old.length);
  }
}

/** U1 worked 09:00–17:00 on the five weekdays before Monday 2026-11-23, and is at work that Monday since 09:00. */
function regularOwner(): WorkRhythm {
  const uses: Date[] = [];
  for (const date of ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-23']) {
    for (let h = 9; h <= 17; h++) {
      uses.push(new Date(`${date}T${String(h).padStart(2, '0')}:00:00Z`));
    }
  }
  return observeUses(emptyRhythm(), uses, new Date('2026-11-23T17:00:00Z'));
}

async function eveningRun(
  rhythms: MemoryRhythms | undefined,
): Promise<{ warnedAt?: string; store: MemoryLabStore }> {
  const store = new MemoryLabStore();
  const cloud = new FakeCloud();
  const clock = new ManualClock(new Date('2026-11-23T17:20:00Z'));
  const audit = new MemoryAudit();
  const policy = DEFAULT_POLICY;
  const logger = createSilentLogger();
  const controller = new LabController({
    installationId: 'install-test',
    store,
    cloud,
    notifier: { labChanged: () => Promise.resolve(), tellAdmins: () => Promise.resolve() },
    clock,
    sleep: () => Promise.resolve(),
    logger,
    policy,
    audit,
  });
  let seed = 3;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const service = new LabService({ store, waker: controller, clock, random, policy, audit });
  const { lab } = await service.deploy({ user: 'U1', kind: 'repro', template: 'esxi8' });
  await controller.idle();
  const href = (await store.get(lab.id))!.vappHref!;
  const signals = new MemorySignals();
  let warnedAt: string | undefined;
  // Worked until 18:00 (busy CPU), quiet after it; cycles every 5 min until 19:00.
  while (clock.now() < new Date('2026-11-23T19:00:00Z')) {
    clock.advance(5 * 60_000);
    const cpu = clock.now() <= new Date('2026-11-23T18:00:00Z') ? 40 : 1;
    cloud.cpu.set(href, cpu);
    // VCD's 5-minute history, which a read of a lab skipped while in use fills in (usage-reads.ts).
    cloud.history.set(href, [...(cloud.history.get(href) ?? []), { at: clock.now(), cpuPercent: cpu }]);
    const report = await runReapCycle(
      {
        store,
        signals,
        cloud,
        waker: controller,
        messenger: { dm: () => Promise.resolve(), post: () => Promise.resolve() },
        clock,
        policy,
        logger,
        audit,
        installationId: 'install-test',
        ...(rhythms ? { rhythms } : {}),
      },
      'enforce',
    );
    await controller.idle();
    if (warnedAt === undefined && report.decisions.some((d) => d.kind === 'warn')) {
      warnedAt = clock.now().toISOString().slice(11, 16);
    }
  }
  return { ...(warnedAt !== undefined ? { warnedAt } : {}), store };
}

describe('reaper/run-reap-cycle with working days (issue 19)', () => {
  it("learns each owner's and lab's working day into the store, and warns sooner past the owner's end of day", async () => {
    const rhythms = new MemoryRhythms();
    rhythms.rows.set('owner:U1', { rhythm: regularOwner(), at: new Date('2026-11-23T17:00:00Z') });

    const learned = await eveningRun(rhythms);
    const plain = await eveningRun(undefined);

    // Quiet since 18:00, past U1's usual end of day: warned at half the 60 min idle window; without the profiles,
    // after the whole window.
    expect(learned.warnedAt).toBe('18:30');
    expect(plain.warnedAt).toBe('19:00');
    const labKeys = [...rhythms.rows.keys()].filter((k) => k.startsWith('lab:'));
    expect(labKeys).toHaveLength(1);
    expect(rhythms.rows.get('owner:U1')?.rhythm.day?.last).toBe(Date.parse('2026-11-23T18:00:00Z'));
    expect(rhythms.rows.get(labKeys[0]!)?.rhythm.seenUntil).toBe(Date.parse('2026-11-23T18:00:00Z'));
  });
});
