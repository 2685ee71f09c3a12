import { plainText, type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { LabService } from '../../src/labs/lab-service';
import { type LabPolicy } from '../../src/labs/policy';
import { createSilentLogger } from '../../src/observability/logger';
import { planReap } from '../../src/reaper/plan-reap';
import { type ReaperMessenger } from '../../src/reaper/reaper-ports';
import { runReapCycle } from '../../src/reaper/run-reap-cycle';
import { ManualClock } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { MemoryAudit, MemorySignals } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';
import { type Lab } from '../../src/labs/lab';
import { CloudError } from '../../src/labs/errors';

class RecordingMessenger implements ReaperMessenger {
  readonly dms: { user: string; reply: Reply }[] = [];
  readonly posts: { channel: string; reply: Reply }[] = [];
  dm(user: string, reply: Reply): Promise<void> {
    this.dms.push({ user, reply });
    return Promise.resolve();
  }
  post(channel: string, reply: Reply): Promise<void> {
    this.posts.push({ channel, reply });
    return Promise.resolve();
  }
}

function setup(
  policy: LabPolicy = { ...DEFAULT_POLICY, reaper: { ...DEFAULT_POLICY.reaper, digestChannel: 'C0OPS' } },
) {
  const store = new MemoryLabStore();
  const cloud = new FakeCloud();
  const clock = new ManualClock();
  const audit = new MemoryAudit();
  const signals = new MemorySignals();
  const messenger = new RecordingMessenger();
  const notifier = { labChanged: () => Promise.resolve(), tellAdmins: () => Promise.resolve() };
  const controller = new LabController({
    installationId: 'install-test',
    store,
    cloud,
    notifier,
    clock,
    sleep: () => Promise.resolve(),
    logger: createSilentLogger(),
    policy,
    audit,
  });
  let seed = 3;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const service = new LabService({ store, waker: controller, clock, random, policy, audit });
  const deps = {
    store,
    signals,
    cloud,
    waker: controller,
    messenger,
    clock,
    policy,
    logger: createSilentLogger(),
    audit,
    installationId: 'install-test',
  };
  const cycle = async (mode: 'plan' | 'enforce') => {
    const report = await runReapCycle(deps, mode);
    await controller.idle();
    return report;
  };
  return { store, cloud, clock, audit, signals, messenger, controller, service, cycle };
}

async function deployed(ctx: ReturnType<typeof setup>, user: string, kind = 'demo'): Promise<Lab> {
  const { lab } = await ctx.service.deploy({ user, kind, template: 'esxi8' });
  await ctx.controller.idle();
  return (await ctx.store.get(lab.id))!;
}

describe('reaper/run-reap-cycle', () => {
  it('never touches a lab whose vApp now carries another installation’s id (issue 14)', async () => {
    const ctx = setup();
    const lab = await deployed(ctx, 'U1');
    ctx.cloud.cpu.set(lab.vappHref!, 1);
    // The store points at a vApp another installation tagged (a restored store, a shared VDC): not ours to reap.
    ctx.cloud.metadata.set(lab.vappHref!, {
      ...ctx.cloud.metadata.get(lab.vappHref!),
      'labbot.installation': 'install-other',
    });

    for (let minute = 0; minute < 120; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('enforce');
    }

    expect((await ctx.store.get(lab.id))?.phase).toBe('ready');
    expect(ctx.cloud.vapps.get(lab.vappHref!)?.powerState).toBe('powered_on');
    expect(ctx.messenger.dms).toEqual([]);
  });

  it('warns the owner of an abandoned lab once, then deletes it after the grace period', async () => {
    // Without a restore window (restoreWindowHours 0), as before issue 19.
    const ctx = setup({
      ...DEFAULT_POLICY,
      reaper: { ...DEFAULT_POLICY.reaper, digestChannel: 'C0OPS', restoreWindowHours: 0 },
    });
    const lab = await deployed(ctx, 'U1');
    ctx.cloud.cpu.set(lab.vappHref!, 1);

    for (let minute = 0; minute < 65; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('enforce');
    }
    const warned = await ctx.store.get(lab.id);
    for (let minute = 0; minute < 30; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('enforce');
    }

    expect(warned?.reapWarnedAt).toBeDefined();
    expect((await ctx.store.get(lab.id))?.phase).toBe('deleted');
    expect(ctx.cloud.vapps.size).toBe(0);
    expect(ctx.messenger.dms.map((d) => [d.user, d.reply.title])).toEqual([
      ['U1', 'One of your labs looks unused'],
      ['U1', 'labbot cleaned up one of your labs'],
    ]);
    const first = ctx.messenger.dms[0]?.reply.sections[0];
    expect(first?.type === 'text' ? plainText(first.text) : '').toMatch(
      /^Lab demo-\w+ idle 6\d min: CPU 1\.0% < 5% threshold/,
    );
    expect(ctx.audit.actions().filter((a) => a.startsWith('reaper'))).toEqual([
      `reaper warn-idle ${lab.id} ok`,
      `reaper delete ${lab.id} ok`,
    ]);
  });

  it('reads usage only for labs that could be idle, and a skipped stretch from VCD history (issue 17)', async () => {
    const ctx = setup();
    const lab = await deployed(ctx, 'U1');
    const chatty = await deployed(ctx, 'U2');
    ctx.cloud.cpu.set(chatty.vappHref!, 1);
    const start = ctx.clock.now().getTime();
    const at = (minutes: number) => new Date(start + minutes * 60_000);
    /** Minutes after ready at which a pass read usage (current or history), and the history windows it asked for. */
    const reads: number[] = [];
    const histories: string[] = [];
    const pass = async (minute: number) => {
      const before = ctx.cloud.calls.length;
      ctx.clock.advance(at(minute).getTime() - ctx.clock.now().getTime());
      await ctx.cycle('enforce');
      const calls = ctx.cloud.calls.slice(before);
      if (calls.some((c) => c.startsWith('getVmUsage'))) {
        reads.push(minute);
      }
      histories.push(
        ...calls.filter((c) => c.startsWith('getVmUsageHistory ')).map((c) => c.split(' ')[2] ?? ''),
      );
      // The chatty lab is used in Slack every pass: never read.
      expect(calls.filter((c) => c.includes(chatty.vappHref!) && c.startsWith('getVm'))).toEqual([]);
    };

    // Ready at 0 and busy (40% CPU): nothing to read until it could be idle, an hour later; busy then, so the
    // next read is an hour after that, with the history since.
    for (let minute = 5; minute <= 115; minute += 5) {
      await ctx.service.touch(chatty.id);
      await pass(minute);
    }
    expect(reads).toEqual([60]);
    expect(histories).toEqual([at(0).toISOString()]);

    // Idle now, but VCD's history has it busy at minute 110, which no pass read: still in use at 120.
    ctx.cloud.cpu.set(lab.vappHref!, 1);
    ctx.cloud.history.set(lab.vappHref!, [{ at: at(110), cpuPercent: 50 }]);
    for (let minute = 120; minute <= 165; minute += 5) {
      await ctx.service.touch(chatty.id);
      await pass(minute);
    }
    // At 120 the history alone shows it in use (busy at 110, within the last two samples): no current read.
    expect(reads).toEqual([60, 120]);
    expect(histories).toEqual([at(0).toISOString(), at(60).toISOString()]);
    expect(ctx.cloud.calls.filter((c) => c.startsWith('getVmUsage ')).length).toBe(1);
    expect(ctx.messenger.dms).toEqual([]);

    // An hour after that busy sample it could be idle: read, found idle, warned, and read every pass from then on.
    for (let minute = 170; minute <= 180; minute += 5) {
      await ctx.service.touch(chatty.id);
      await pass(minute);
    }
    expect(reads).toEqual([60, 120, 170, 175, 180]);
    expect(histories).toEqual([at(0).toISOString(), at(60).toISOString(), at(110).toISOString()]);
    expect(ctx.messenger.dms.map((d) => [d.user, d.reply.title])).toEqual([
      ['U1', 'One of your labs looks unused'],
    ]);
  });

  it('reports every lab to read as failed when the running VMs cannot be listed, and judges none idle', async () => {
    const ctx = setup();
    const lab = await deployed(ctx, 'U1');
    ctx.cloud.cpu.set(lab.vappHref!, 1);
    ctx.clock.advance(65 * 60_000);
    ctx.cloud.failNext('listRunningVms', new CloudError('unavailable', 'VCD answered 503'));

    const report = await ctx.cycle('enforce');

    expect(report.metricsFailed).toEqual([lab.id]);
    expect(report.decisions).toEqual([
      { labId: lab.id, kind: 'keep', reason: 'no recent CPU metrics, so not judged idle' },
    ]);
  });

  it('sends one DM per owner listing all their labs', async () => {
    const ctx = setup();
    const labs = [await deployed(ctx, 'U1'), await deployed(ctx, 'U1'), await deployed(ctx, 'U2')];
    for (const l of labs) {
      ctx.cloud.cpu.set(l.vappHref!, 1);
    }

    for (let minute = 0; minute < 65; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('enforce');
    }

    expect(ctx.messenger.dms.map((d) => [d.user, d.reply.title])).toEqual([
      ['U1', '2 of your labs look unused'],
      ['U2', 'One of your labs looks unused'],
    ]);
  });

  it('never warns a lab in use: busy CPU, keep-alive calls or Slack activity', async () => {
    const ctx = setup();
    const busy = await deployed(ctx, 'U1');
    const keptAlive = await deployed(ctx, 'U2');
    const chatty = await deployed(ctx, 'U3');
    ctx.cloud.cpu.set(keptAlive.vappHref!, 1);
    ctx.cloud.cpu.set(chatty.vappHref!, 1);

    for (let minute = 0; minute < 180; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.signals.record([{ labId: keptAlive.id, at: ctx.clock.now(), kind: 'keepalive' }]);
      await ctx.service.touch(chatty.id);
      await ctx.cycle('enforce');
    }

    expect(ctx.messenger.dms).toEqual([]);
    for (const l of [busy, keptAlive, chatty]) {
      expect((await ctx.store.get(l.id))?.reapWarnedAt).toBeUndefined();
    }
  });

  it('leaves a snoozed lab alone until the snooze ends', async () => {
    const ctx = setup();
    const lab = await deployed(ctx, 'U1');
    ctx.cloud.cpu.set(lab.vappHref!, 1);
    for (let minute = 0; minute < 65; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('enforce');
    }

    await ctx.service.keep('U1', lab.id, new Date(ctx.clock.now().getTime() + 2 * 3_600_000));
    const dmsAfterKeep = ctx.messenger.dms.length;
    for (let minute = 0; minute < 115; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('enforce');
    }

    expect(ctx.messenger.dms.length).toBe(dmsAfterKeep);
    expect((await ctx.store.get(lab.id))?.phase).toBe('ready');
    ctx.clock.advance(10 * 60_000);
    await ctx.cycle('enforce');
    expect(ctx.messenger.dms.length).toBe(dmsAfterKeep + 1);
  });

  it('changes nothing in plan mode, and posts the plan to the ops channel', async () => {
    const ctx = setup();
    const lab = await deployed(ctx, 'U1');
    ctx.cloud.cpu.set(lab.vappHref!, 1);

    for (let minute = 0; minute < 200; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('plan');
    }

    const after = await ctx.store.get(lab.id);
    expect(after?.phase).toBe('ready');
    expect(after?.reapWarnedAt).toBeUndefined();
    expect(ctx.messenger.dms).toEqual([]);
    expect(ctx.messenger.posts.at(-1)?.reply.title).toMatch(
      /^Reaper plan \(nothing changed\) at .*: 1 warn, 0 act/,
    );
  });

  it('prunes old signals in plan mode too (the default mode), keeping the recent ones', async () => {
    const ctx = setup();
    const lab = await deployed(ctx, 'U1');
    ctx.cloud.cpu.set(lab.vappHref!, 1);
    const { idleMinutes, graceMinutes } = DEFAULT_POLICY.reaper;
    // The reaper keeps twice its look-back (2 × 2 × (idle + grace)); run well past it.
    const keptMs = 4 * (idleMinutes + graceMinutes) * 60_000;

    for (let ms = 0; ms < 3 * keptMs; ms += 5 * 60_000) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('plan');
    }

    const oldest = Math.min(...ctx.signals.signals.map((s) => s.at.getTime()));
    expect(ctx.clock.now().getTime() - oldest).toBeLessThanOrEqual(keptMs);
    // At most a CPU and a network signal per cycle kept.
    expect(ctx.signals.signals.length).toBeLessThanOrEqual(2 * (keptMs / (5 * 60_000) + 1));
    expect(ctx.signals.signals.length).toBeGreaterThan(0);
  });

  it('never acts on a lab whose vApp lost our metadata', async () => {
    const ctx = setup();
    const lab = await deployed(ctx, 'U1');
    ctx.cloud.cpu.set(lab.vappHref!, 1);
    ctx.cloud.metadata.delete(lab.vappHref!);

    for (let minute = 0; minute < 200; minute += 5) {
      ctx.clock.advance(5 * 60_000);
      await ctx.cycle('enforce');
    }

    expect((await ctx.store.get(lab.id))?.phase).toBe('ready');
    expect(ctx.messenger.dms).toEqual([]);
  });
});

describe('reaper/plan-reap properties', () => {
  it('whatever the inventory, never acts on a lab without our metadata or inside its snooze', () => {
    let seed = 99;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
    const now = new Date('2026-11-24T12:00:00Z');
    const ago = (m: number) => new Date(now.getTime() - m * 60_000);
    for (let round = 0; round < 300; round++) {
      const labs: Lab[] = Array.from({ length: 1 + Math.floor(rnd() * 12) }, (_, i) => ({
        id: `lab-${round}-${i}`,
        kind: pick(['demo', 'repro', 'class', 'dev']),
        owner: pick(['U1', 'U2']),
        template: pick(['esxi8', 'esxi7', 'vsphere8', 'adopted']),
        vappName: `lab-lab-${round}-${i}`,
        vappHref: `h${i}`,
        desired: pick(['running', 'suspended', 'deleted'] as const),
        phase: pick(['ready', 'suspended', 'deploying', 'deleting'] as const),
        createdAt: ago(600),
        readyAt: ago(500),
        expiresAt: ago(pick([-120, -20, 5, 60])),
        vms: [],
        spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
        extensions: 0,
        poweredOnMs: 0,
        ...(rnd() < 0.5 ? { reapWarnedAt: ago(pick([5, 45, 300])) } : {}),
        ...(rnd() < 0.3 ? { snoozedUntil: ago(pick([-60, 10])) } : {}),
        ...(rnd() < 0.3 ? { lastActivityAt: ago(pick([3, 400])) } : {}),
      }));
      const signals = labs.flatMap((l) =>
        Array.from({ length: 10 }, (_, k) => ({
          labId: l.id,
          at: ago(k * 10),
          kind: 'cpu' as const,
          value: pick([0.5, 2, 30]),
        })),
      );
      const ours = new Set(labs.filter(() => rnd() < 0.7).map((l) => l.id));
      const policy = {
        ...DEFAULT_POLICY,
        reaper: { ...DEFAULT_POLICY.reaper, maxActionsPerCycle: Math.floor(rnd() * 5) },
      };

      const decisions = planReap(labs, signals, now, policy, ours);

      for (const decision of decisions) {
        const lab = labs.find((l) => l.id === decision.labId)!;
        const snoozed = lab.snoozedUntil !== undefined && lab.snoozedUntil > now;
        if (!ours.has(lab.id) || snoozed) {
          expect([decision.labId, decision.kind]).toEqual([lab.id, 'keep']);
        }
      }
      expect(decisions.filter((d) => d.kind === 'act').length).toBeLessThanOrEqual(
        policy.reaper.maxActionsPerCycle,
      );
    }
  });

  describe('restore window (issue 19)', () => {
    /** Runs cycles every 5 minutes for `minutes`. */
    async function cycles(ctx: ReturnType<typeof setup>, minutes: number): Promise<void> {
      for (let minute = 0; minute < minutes; minute += 5) {
        ctx.clock.advance(5 * 60_000);
        await ctx.cycle('enforce');
      }
    }

    /** A 2 h window: well inside a demo lab's 12 h maximum lifetime, which caps the window. */
    const twoHours = {
      ...DEFAULT_POLICY,
      reaper: { ...DEFAULT_POLICY.reaper, restoreWindowHours: 2 },
    };

    it('suspends an abandoned demo lab instead of deleting it, offers Bring it back, and deletes it when the window ends unclaimed', async () => {
      const ctx = setup(twoHours);
      const lab = await deployed(ctx, 'U1');
      ctx.cloud.cpu.set(lab.vappHref!, 1);

      await cycles(ctx, 95);
      const suspended = await ctx.store.get(lab.id);
      const suspendedSeenAt = ctx.clock.now().getTime();
      await cycles(ctx, 60);
      const beforeEnd = await ctx.store.get(lab.id);
      await cycles(ctx, 65);

      expect(suspended).toMatchObject({ phase: 'suspended', desired: 'suspended' });
      // Suspended within the last cycle, for the policy's 2 h.
      expect((suspended?.restoreUntil?.getTime() ?? 0) - suspendedSeenAt).toBeGreaterThanOrEqual(
        2 * 3_600_000 - 5 * 60_000,
      );
      expect(beforeEnd?.phase).toBe('suspended');
      expect((await ctx.store.get(lab.id))?.phase).toBe('deleted');
      expect(ctx.cloud.vapps.size).toBe(0);
      const notice = ctx.messenger.dms[1]?.reply;
      expect(notice?.title).toBe('labbot cleaned up one of your labs');
      const text = notice?.sections[0];
      expect(text?.type === 'text' ? plainText(text.text) : '').toMatch(
        /was suspended: .*suspended, not deleted: deleted at \d\d:\d\d UTC unless its owner brings it back\. Cost so far \$\d+\.\d\d; keeping its storage until \d\d:\d\d UTC costs \$0\.\d\d\./,
      );
      expect(notice?.sections[1]).toEqual({
        type: 'actions',
        actions: [{ id: 'reap_bring_back', label: 'Bring it back', value: lab.id, style: 'primary' }],
      });
      expect(ctx.audit.actions().filter((a) => a.startsWith('reaper'))).toEqual([
        `reaper warn-idle ${lab.id} ok`,
        `reaper suspend ${lab.id} ok`,
        `reaper delete ${lab.id} ok`,
      ]);
      const deletion = ctx.audit.entries.find((e) => e.actor === 'reaper' && e.action === 'delete');
      expect(deletion?.detail).toMatch(/^unclaimed through its restore window \(ended \d\d:\d\d UTC\)/);
    });

    it('never deletes a lab its owner brought back within the window', async () => {
      const ctx = setup(twoHours);
      const lab = await deployed(ctx, 'U1');
      ctx.cloud.cpu.set(lab.vappHref!, 1);
      await cycles(ctx, 95);

      await ctx.service.resume('U1', lab.id);
      await ctx.controller.idle();
      ctx.cloud.cpu.set(lab.vappHref!, 40);
      await cycles(ctx, 3 * 60);

      const back = await ctx.store.get(lab.id);
      expect(back).toMatchObject({ phase: 'ready', desired: 'running' });
      expect(back?.restoreUntil).toBeUndefined();
      expect(ctx.audit.actions().filter((a) => a.startsWith('reaper'))).toEqual([
        `reaper warn-idle ${lab.id} ok`,
        `reaper suspend ${lab.id} ok`,
      ]);
    });

    it('never deletes a lab suspended by its owner (no restore window), however long it stays suspended', async () => {
      const ctx = setup();
      const lab = await deployed(ctx, 'U1', 'class');
      await ctx.service.suspend('U1', lab.id);
      await ctx.controller.idle();

      await cycles(ctx, 7 * 60);

      expect((await ctx.store.get(lab.id))?.phase).toBe('suspended');
    });
  });
});
