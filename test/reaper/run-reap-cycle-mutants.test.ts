/**
 * One reaper cycle (reaper/run-reap-cycle.ts) in detail, over in-memory ports and labs put straight into the store
 * (no controller): which VMs are read and when a lab's reading stops, the signals recorded from them (busiest CPU,
 * network summed, history only between the look-back and now), failures, the read concurrency; then what each
 * decision does to the store, the audit log, the waker and the DMs, the ops channel post, restore windows, working-day
 * profiles, class notices, captured templates and the pruning of old signals.
 */
import { type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { CloudError } from '../../src/labs/errors';
import { type Lab, type LabRequestChanges } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import {
  type CapturedTemplate,
  type CapturedTemplateStore,
  type LabSignal,
  type RunningVm,
  type VmUsage,
  type VmUsageSample,
} from '../../src/labs/ports';
import { type ClassHours } from '../../src/reaper/class-schedule';
import { type ReaperMessenger, type WorkRhythmStore } from '../../src/reaper/reaper-ports';
import { type ReapCycleDeps, runReapCycle } from '../../src/reaper/run-reap-cycle';
import { emptyRhythm, type WorkRhythm } from '../../src/reaper/work-rhythm';
import { ManualClock } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { messagesAt, recordingLogger } from '../helpers/logger';
import { MemoryAudit, MemorySignals } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

const NOW = new Date('2026-11-24T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const INSTALL = 'install-test';
const vappOf = (id: string) => `https://vcd/api/vApp/vapp-${id}`;
const vmOf = (id: string, vm: string) => `${vappOf(id)}/vm-${vm}`;

/** FakeCloud with each VM's own figures (idle by default) and history, every read in order, and reads in flight. */
class UsageCloud extends FakeCloud {
  readonly current = new Map<string, Omit<VmUsage, 'vmName'> | Error>();
  readonly samples = new Map<string, VmUsageSample[]>();
  readonly reads: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  override async getVmUsage(vm: RunningVm): Promise<VmUsage> {
    this.reads.push(`current ${vm.href}`);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await Promise.resolve();
    await Promise.resolve();
    this.inFlight -= 1;
    const usage = this.current.get(vm.href) ?? { cpuPercent: 1, networkKbps: 1 };
    if (usage instanceof Error) {
      throw usage;
    }
    return { vmName: vm.name, ...usage };
  }

  override getVmUsageHistory(vmHref: string, since: Date): Promise<VmUsageSample[]> {
    this.reads.push(`history ${vmHref} ${since.toISOString()}`);
    return Promise.resolve(this.samples.get(vmHref) ?? []);
  }
}

/** MemorySignals that keeps each batch the cycle records, as given (a store would write every entry). */
class RecordingSignals extends MemorySignals {
  readonly batches: unknown[][] = [];
  override record(signals: LabSignal[]): Promise<void> {
    this.batches.push([...signals]);
    return super.record(signals);
  }
}

/** MemoryLabStore that keeps every request the cycle writes. */
class RecordingStore extends MemoryLabStore {
  readonly writes: { id: string; changes: LabRequestChanges }[] = [];
  override applyRequest(id: string, changes: LabRequestChanges): Promise<void> {
    this.writes.push({ id, changes });
    return super.applyRequest(id, changes);
  }
}

class Messages implements ReaperMessenger {
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

/** WorkRhythmStore in memory that records what the cycle asked of it. */
class RecordingRhythms implements WorkRhythmStore {
  readonly loaded: string[][] = [];
  readonly saved: { keys: string[]; at: Date }[] = [];
  readonly pruned: Date[] = [];
  constructor(private readonly stored = new Map<string, WorkRhythm>()) {}
  load(keys: readonly string[]): Promise<Map<string, WorkRhythm>> {
    this.loaded.push([...keys]);
    return Promise.resolve(new Map([...this.stored].filter(([k]) => keys.includes(k))));
  }
  save(rhythms: ReadonlyMap<string, WorkRhythm>, at: Date): Promise<void> {
    this.saved.push({ keys: [...rhythms.keys()].sort(), at });
    return Promise.resolve();
  }
  prune(before: Date): Promise<number> {
    this.pruned.push(before);
    return Promise.resolve(0);
  }
}

function setup(policy: LabPolicy = DEFAULT_POLICY, extra: Partial<ReapCycleDeps> = {}) {
  const store = new RecordingStore();
  const cloud = new UsageCloud();
  const signals = new RecordingSignals();
  const audit = new MemoryAudit();
  const messenger = new Messages();
  const logger = recordingLogger();
  const woken: string[] = [];
  const deps: ReapCycleDeps = {
    store,
    signals,
    cloud,
    waker: { wake: (id) => woken.push(id) },
    messenger,
    clock: new ManualClock(NOW),
    policy,
    logger,
    audit,
    installationId: INSTALL,
    ...extra,
  };
  /** A running lab of U1's, idle since 118 minutes ago, with its vApp (VMs `vms`) tagged as ours. */
  const add = async (
    id: string,
    overrides: Partial<Lab> = {},
    vms: readonly string[] = ['a'],
  ): Promise<Lab> => {
    const lab: Lab = {
      id,
      kind: 'demo',
      owner: 'U1',
      template: 'esxi8',
      vappName: `lab-${id}`,
      vappHref: vappOf(id),
      desired: 'running',
      phase: 'ready',
      createdAt: ago(200),
      readyAt: ago(190),
      expiresAt: ago(-600),
      vms: [],
      spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
      extensions: 0,
      poweredOnMs: 0,
      poweredOnSince: ago(190),
      lastActivityAt: ago(118),
      ...overrides,
    };
    await store.insert(lab);
    cloud.vapps.set(vappOf(id), {
      href: vappOf(id),
      name: `lab-${id}`,
      powerState: lab.phase === 'suspended' ? 'suspended' : 'powered_on',
      deployed: true,
      vms: vms.map((vm) => ({
        name: vm,
        href: vmOf(id, vm),
        powerState: 'powered_on',
        cpus: 4,
        memoryMb: 16_384,
        nics: [],
      })),
    });
    cloud.metadata.set(vappOf(id), { 'labbot.id': id, 'labbot.installation': INSTALL });
    return lab;
  };
  /** CPU samples every 5 minutes over the last `minutes` (now included), at `percent`, stored before the cycle. */
  const cpuSince = (labId: string, minutes: number, percent: number): void => {
    const recorded: LabSignal[] = [];
    for (let m = 0; m <= minutes; m += 5) {
      recorded.push({ labId, at: ago(m), kind: 'cpu', value: percent });
    }
    signals.signals.push(...recorded);
  };
  const run = (mode: 'plan' | 'enforce' = 'enforce') => runReapCycle(deps, mode);
  return { store, cloud, signals, audit, messenger, logger, woken, deps, add, cpuSince, run };
}

/** What the cycle recorded, in one batch, as [lab, time, kind, value]. */
const newSignals = (ctx: ReturnType<typeof setup>) => {
  expect(ctx.signals.batches).toHaveLength(1);
  return (ctx.signals.batches[0] as LabSignal[]).map((s) => [s.labId, s.at.toISOString(), s.kind, s.value]);
};

describe('reaper/run-reap-cycle in detail', () => {
  describe('reading usage', () => {
    it('reads every VM of an idle lab, and records per time the busiest CPU and the network summed', async () => {
      const ctx = setup();
      await ctx.add('x', {}, ['a', 'b', 'c']);
      ctx.cpuSince('x', 60, 1);
      ctx.cloud.current.set(vmOf('x', 'a'), { cpuPercent: 2, networkKbps: 3 });
      ctx.cloud.current.set(vmOf('x', 'b'), { cpuPercent: 4, networkKbps: 5 });
      ctx.cloud.current.set(vmOf('x', 'c'), { cpuPercent: 1, networkKbps: 7 });

      const report = await ctx.run('plan');

      expect(ctx.cloud.reads).toEqual([
        `current ${vmOf('x', 'a')}`,
        `current ${vmOf('x', 'b')}`,
        `current ${vmOf('x', 'c')}`,
      ]);
      expect(newSignals(ctx)).toEqual([
        ['x', NOW.toISOString(), 'cpu', 4],
        ['x', NOW.toISOString(), 'network', 15],
      ]);
      expect(report.metricsFailed).toEqual([]);
    });

    it.each([
      ['CPU at the threshold', { cpuPercent: 5, networkKbps: 0 }, 5],
      ['network at the threshold', { cpuPercent: 0, networkKbps: 20 }, 4.9],
    ])('stops at the first VM in use: %s', async (_name, busy, cpu) => {
      const ctx = setup();
      await ctx.add('x', {}, ['a', 'b', 'c']);
      ctx.cpuSince('x', 60, 1);
      ctx.cloud.current.set(vmOf('x', 'a'), { cpuPercent: 4.9, networkKbps: 19.9 });
      ctx.cloud.current.set(vmOf('x', 'b'), busy);

      await ctx.run('plan');

      expect(ctx.cloud.reads).toEqual([`current ${vmOf('x', 'a')}`, `current ${vmOf('x', 'b')}`]);
      expect(newSignals(ctx)).toEqual([
        ['x', NOW.toISOString(), 'cpu', cpu],
        ['x', NOW.toISOString(), 'network', 19.9 + busy.networkKbps],
      ]);
    });

    it('a VM without figures is not in use, and gives no signal', async () => {
      const ctx = setup();
      await ctx.add('x', {}, ['a', 'b']);
      ctx.cpuSince('x', 60, 1);
      ctx.cloud.current.set(vmOf('x', 'a'), {});
      ctx.cloud.current.set(vmOf('x', 'b'), { cpuPercent: 3 });

      await ctx.run('plan');

      expect(ctx.cloud.reads).toEqual([`current ${vmOf('x', 'a')}`, `current ${vmOf('x', 'b')}`]);
      expect(newSignals(ctx)).toEqual([['x', NOW.toISOString(), 'cpu', 3]]);
    });

    it('reads the history since the last use, keeping only samples after it and before now, in time order', async () => {
      const ctx = setup();
      await ctx.add('x', {}, ['a', 'b']);
      const since = ago(118);
      ctx.cloud.samples.set(vmOf('x', 'a'), [
        { at: since, cpuPercent: 90 },
        { at: ago(30), cpuPercent: 3 },
        { at: NOW, cpuPercent: 90 },
      ]);
      // Times VM a has not: recorded in time order all the same.
      ctx.cloud.samples.set(vmOf('x', 'b'), [
        { at: ago(60), cpuPercent: 4, networkKbps: 2 },
        { at: ago(45), networkKbps: 5 },
        { at: ago(30), cpuPercent: 1, networkKbps: 1 },
      ]);

      await ctx.run('plan');

      expect(ctx.cloud.reads).toEqual([
        `history ${vmOf('x', 'a')} ${since.toISOString()}`,
        `current ${vmOf('x', 'a')}`,
        `history ${vmOf('x', 'b')} ${since.toISOString()}`,
        `current ${vmOf('x', 'b')}`,
      ]);
      expect(newSignals(ctx)).toEqual([
        ['x', ago(60).toISOString(), 'cpu', 4],
        ['x', ago(60).toISOString(), 'network', 2],
        ['x', ago(45).toISOString(), 'network', 5],
        ['x', ago(30).toISOString(), 'cpu', 3],
        ['x', ago(30).toISOString(), 'network', 1],
        ['x', NOW.toISOString(), 'cpu', 1],
        ['x', NOW.toISOString(), 'network', 2],
      ]);
    });

    it('a busy history sample ten minutes old shows the lab in use: no current read, no other VM', async () => {
      const ctx = setup();
      await ctx.add('x', {}, ['a', 'b']);
      ctx.cloud.samples.set(vmOf('x', 'a'), [{ at: ago(10), cpuPercent: 40 }]);

      await ctx.run('plan');

      expect(ctx.cloud.reads).toEqual([`history ${vmOf('x', 'a')} ${ago(118).toISOString()}`]);
      expect(newSignals(ctx)).toEqual([['x', ago(10).toISOString(), 'cpu', 40]]);
    });

    it('a busy history sample older than that, or an idle recent one, does not: the current figures are read', async () => {
      const ctx = setup();
      await ctx.add('x', {}, ['a']);
      await ctx.add('y', {}, ['a']);
      ctx.cloud.samples.set(vmOf('x', 'a'), [{ at: new Date(ago(10).getTime() - 1), cpuPercent: 40 }]);
      ctx.cloud.samples.set(vmOf('y', 'a'), [{ at: ago(5), cpuPercent: 4, networkKbps: 19 }]);

      await ctx.run('plan');

      expect(ctx.cloud.reads.filter((r) => r.startsWith('current'))).toEqual([
        `current ${vmOf('x', 'a')}`,
        `current ${vmOf('y', 'a')}`,
      ]);
    });

    it('a lab that fails to read is reported and logged; the others are still read and recorded', async () => {
      const ctx = setup();
      await ctx.add('x');
      await ctx.add('y');
      ctx.cpuSince('x', 60, 1);
      ctx.cpuSince('y', 60, 1);
      ctx.cloud.current.set(vmOf('x', 'a'), new CloudError('api', 'metrics refused'));

      const report = await ctx.run('plan');

      expect(report.metricsFailed).toEqual(['x']);
      expect(newSignals(ctx)).toEqual([
        ['y', NOW.toISOString(), 'cpu', 1],
        ['y', NOW.toISOString(), 'network', 1],
      ]);
      expect(messagesAt(ctx.logger, 'warn')).toEqual(['reaper could not read lab usage']);
      expect(ctx.logger.lines[0]?.fields).toMatchObject({ labId: 'x' });
      expect(ctx.logger.lines[0]?.fields['causes']).toEqual(
        expect.arrayContaining([expect.stringContaining('metrics refused')]),
      );
    });

    it('when the running VMs cannot be listed: every lab to read is reported, and the log says how many', async () => {
      const ctx = setup();
      await ctx.add('x');
      await ctx.add('y');
      await ctx.add('busy', { lastActivityAt: ago(1) });
      ctx.cloud.failNext('listRunningVms');

      const report = await ctx.run('plan');

      expect(report.metricsFailed).toEqual(['x', 'y']);
      expect(messagesAt(ctx.logger, 'warn')).toEqual(['reaper could not list running VMs']);
      expect(ctx.logger.lines[0]?.fields).toMatchObject({ labs: 2 });
    });

    it('lists no VMs when no lab needs a read, and reports nothing failed', async () => {
      const ctx = setup();
      await ctx.add('x', { lastActivityAt: ago(1) });

      const report = await ctx.run('plan');

      expect(ctx.cloud.calls.filter((c) => c.startsWith('listRunningVms'))).toEqual([]);
      expect(report.metricsFailed).toEqual([]);
    });

    it('a lab with no running VM gives no signal and is not a failure', async () => {
      const ctx = setup();
      await ctx.add('x');
      ctx.cpuSince('x', 60, 1);
      // Powered off in VCD behind the bot's back: none of its VMs is listed as running.
      ctx.cloud.vapps.get(vappOf('x'))!.powerState = 'powered_off';

      const report = await ctx.run('plan');

      expect(newSignals(ctx)).toEqual([]);
      expect(report.metricsFailed).toEqual([]);
    });

    it.each([
      [1, 3, 1],
      [2, 3, 2],
      [undefined, 10, 8],
      [undefined, 3, 3],
    ])('reads with concurrency %p, %i labs: %i at once', async (concurrency, labs, expected) => {
      const ctx = setup(DEFAULT_POLICY, concurrency === undefined ? {} : { concurrency });
      for (let i = 0; i < labs; i++) {
        await ctx.add(`x${i}`);
        ctx.cpuSince(`x${i}`, 60, 1);
      }

      const report = await ctx.run('plan');

      expect(ctx.cloud.maxInFlight).toBe(expected);
      expect(ctx.cloud.reads).toHaveLength(labs);
      expect(report.metricsFailed).toEqual([]);
    });
  });

  describe('which labs', () => {
    it('judges only ready and suspended labs', async () => {
      const ctx = setup();
      await ctx.add('ready');
      await ctx.add('suspended', { phase: 'suspended', desired: 'suspended' });
      await ctx.add('deploying', { phase: 'deploying' });
      await ctx.add('suspending', { phase: 'suspending', desired: 'suspended' });

      const report = await ctx.run('plan');

      expect(report.decisions.map((d) => d.labId)).toEqual(['ready', 'suspended']);
    });

    it('touches only labs whose vApp carries their own id and this installation (or none)', async () => {
      const ctx = setup();
      for (const id of ['ours', 'untagged', 'other-install', 'other-lab']) {
        await ctx.add(id, { reapWarnedAt: ago(35) });
        ctx.cpuSince(id, 120, 1);
      }
      ctx.cloud.metadata.set(vappOf('untagged'), { 'labbot.id': 'untagged' });
      ctx.cloud.metadata.set(vappOf('other-install'), {
        'labbot.id': 'other-install',
        'labbot.installation': 'x',
      });
      ctx.cloud.metadata.set(vappOf('other-lab'), { 'labbot.id': 'ours', 'labbot.installation': INSTALL });

      const report = await ctx.run();

      expect(report.decisions.filter((d) => d.kind === 'act').map((d) => d.labId)).toEqual([
        'ours',
        'untagged',
      ]);
      expect(ctx.woken).toEqual(['ours', 'untagged']);
    });

    it('without an installation id, touches labs of any installation', async () => {
      const ctx = setup(DEFAULT_POLICY, { installationId: undefined });
      await ctx.add('x', { reapWarnedAt: ago(35) });
      ctx.cpuSince('x', 120, 1);
      ctx.cloud.metadata.set(vappOf('x'), { 'labbot.id': 'x', 'labbot.installation': 'elsewhere' });

      await ctx.run();

      expect(ctx.woken).toEqual(['x']);
    });

    it("judges a lab of a captured template by its base template's thresholds", async () => {
      const policy: LabPolicy = {
        ...DEFAULT_POLICY,
        templates: DEFAULT_POLICY.templates.map((t) =>
          t.key === 'esxi8' ? { ...t, idleCpuPercent: 30 } : t,
        ),
      };
      const template: CapturedTemplate = {
        key: 'mine',
        catalogItem: 'labbot-capture-mine',
        catalog: 'labs',
        baseTemplate: 'esxi8',
        sourceLabId: 'demo-old',
        capturedBy: 'U1',
        capturedAt: ago(1000),
      };
      const captured: CapturedTemplateStore = {
        list: () => Promise.resolve([template]),
        get: () => Promise.resolve(template),
        save: () => Promise.resolve(),
        publish: () => Promise.resolve(),
        remove: () => Promise.resolve(true),
      };
      const judge = async (deps: Partial<ReapCycleDeps>) => {
        const ctx = setup(policy, deps);
        await ctx.add('x', { template: 'mine' });
        ctx.cpuSince('x', 120, 20);
        ctx.cloud.current.set(vmOf('x', 'a'), { cpuPercent: 20, networkKbps: 0 });
        return (await ctx.run('plan')).decisions[0]?.kind;
      };

      // 20% is idle for its base (30%), busy for an unknown template (5%).
      expect(await judge({ captured })).toBe('warn');
      expect(await judge({})).toBe('keep');
    });
  });

  describe('carrying out the plan', () => {
    it('warns: records the warning, audits it with its reason, and DMs the owner once for all their labs', async () => {
      const ctx = setup();
      await ctx.add('x');
      await ctx.add('y');
      await ctx.add('z', { owner: 'U2' });
      for (const id of ['x', 'y', 'z']) {
        ctx.cpuSince(id, 120, 1);
      }

      const report = await ctx.run();

      expect(report.decisions.map((d) => d.kind)).toEqual(['warn', 'warn', 'warn']);
      expect((await ctx.store.get('x'))?.reapWarnedAt).toEqual(NOW);
      const reason = report.decisions[0]?.reason;
      expect(ctx.audit.entries[0]).toEqual({
        at: NOW,
        actor: 'reaper',
        labId: 'x',
        action: 'warn-idle',
        detail: reason,
        result: 'ok',
      });
      expect(ctx.messenger.dms.map((d) => [d.user, d.reply.title])).toEqual([
        ['U1', '2 of your labs look unused'],
        ['U2', 'One of your labs looks unused'],
      ]);
      expect(report.notified).toEqual(['U1', 'U2']);
      expect(ctx.woken).toEqual([]);
    });

    it('withdraws a warning of a lab in use again, audited, without a DM', async () => {
      const ctx = setup();
      await ctx.add('x', { reapWarnedAt: ago(10), lastActivityAt: ago(2) });

      const report = await ctx.run();

      expect(report.decisions.map((d) => d.kind)).toEqual(['unwarn']);
      expect((await ctx.store.get('x'))?.reapWarnedAt).toBeUndefined();
      expect(ctx.audit.actions()).toEqual(['reaper unwarn x ok']);
      expect(ctx.audit.entries[0]?.detail).toBe(report.decisions[0]?.reason);
      expect(ctx.messenger.dms).toEqual([]);
      expect(report.notified).toEqual([]);
    });

    it('acts: suspends with the restore window, clears the warning, audits, wakes the controller, DMs the owner', async () => {
      const ctx = setup();
      await ctx.add('x', { reapWarnedAt: ago(35) });
      ctx.cpuSince('x', 120, 1);

      const report = await ctx.run();

      const decision = report.decisions[0];
      expect(decision).toMatchObject({ kind: 'act', action: 'suspend' });
      const restoreUntil = decision?.kind === 'act' ? decision.restoreUntil : undefined;
      expect(restoreUntil).toBeInstanceOf(Date);
      const lab = await ctx.store.get('x');
      expect([lab?.desired, lab?.reapWarnedAt, lab?.restoreUntil]).toEqual([
        'suspended',
        undefined,
        restoreUntil,
      ]);
      expect(ctx.audit.actions()).toEqual(['reaper suspend x ok']);
      expect(ctx.audit.entries[0]?.detail).toBe(decision?.reason);
      expect(ctx.woken).toEqual(['x']);
      expect(ctx.messenger.dms.map((d) => d.user)).toEqual(['U1']);
    });

    it('acts the same without an audit log', async () => {
      const ctx = setup(DEFAULT_POLICY, { audit: undefined });
      await ctx.add('x', { reapWarnedAt: ago(35) });
      ctx.cpuSince('x', 120, 1);

      const report = await ctx.run();

      expect(report.decisions.map((d) => d.kind)).toEqual(['act']);
      expect((await ctx.store.get('x'))?.desired).toBe('suspended');
      expect(ctx.woken).toEqual(['x']);
    });

    it('acts: deletes without a restore window, recording none', async () => {
      const ctx = setup({ ...DEFAULT_POLICY, reaper: { ...DEFAULT_POLICY.reaper, restoreWindowHours: 0 } });
      await ctx.add('x', { reapWarnedAt: ago(35) });
      ctx.cpuSince('x', 120, 1);

      await ctx.run();

      const lab = await ctx.store.get('x');
      expect([lab?.desired, lab?.reapWarnedAt]).toEqual(['deleted', undefined]);
      expect(lab && 'restoreUntil' in lab).toBe(false);
      expect(ctx.audit.actions()).toEqual(['reaper delete x ok']);
    });

    it('writes nothing for a lab it keeps', async () => {
      const ctx = setup();
      await ctx.add('x', { lastActivityAt: ago(2) });

      const report = await ctx.run();

      expect(report.decisions.map((d) => d.kind)).toEqual(['keep']);
      expect(ctx.store.writes).toEqual([]);
    });

    it('ends the restore window of a lab running again, but not of one still suspended', async () => {
      const ctx = setup();
      await ctx.add('running', { restoreUntil: ago(-600), lastActivityAt: ago(2) });
      await ctx.add('suspended', { phase: 'suspended', desired: 'suspended', restoreUntil: ago(-600) });

      const report = await ctx.run();

      expect(report.decisions.map((d) => d.kind)).toEqual(['keep', 'keep']);
      expect((await ctx.store.get('running'))?.restoreUntil).toBeUndefined();
      expect((await ctx.store.get('suspended'))?.restoreUntil).toEqual(ago(-600));
    });

    it('in plan mode changes nothing and tells nobody but the ops channel', async () => {
      const ctx = setup({ ...DEFAULT_POLICY, reaper: { ...DEFAULT_POLICY.reaper, digestChannel: 'C0OPS' } });
      await ctx.add('x', { reapWarnedAt: ago(35), restoreUntil: ago(-600) });
      ctx.cpuSince('x', 120, 1);

      const report = await ctx.run('plan');

      expect(report).toMatchObject({ mode: 'plan', at: NOW, notified: [] });
      expect(report.decisions.map((d) => d.kind)).toEqual(['act']);
      const lab = await ctx.store.get('x');
      expect([lab?.desired, lab?.reapWarnedAt, lab?.restoreUntil]).toEqual(['running', ago(35), ago(-600)]);
      expect([ctx.audit.entries, ctx.woken, ctx.messenger.dms]).toEqual([[], [], []]);
      expect(ctx.messenger.posts.map((p) => p.channel)).toEqual(['C0OPS']);
    });
  });

  describe('the ops channel', () => {
    const withChannel = { ...DEFAULT_POLICY, reaper: { ...DEFAULT_POLICY.reaper, digestChannel: 'C0OPS' } };

    it('gets the plan in plan mode even when every lab is kept', async () => {
      const ctx = setup(withChannel);
      await ctx.add('x', { lastActivityAt: ago(1) });
      await ctx.run('plan');
      expect(ctx.messenger.posts.map((p) => [p.channel, p.reply.title])).toHaveLength(1);
    });

    it('in enforce mode, only when the cycle does something', async () => {
      const quiet = setup(withChannel);
      await quiet.add('x', { lastActivityAt: ago(1) });
      await quiet.run();
      expect(quiet.messenger.posts).toEqual([]);

      const busy = setup(withChannel);
      await busy.add('x');
      busy.cpuSince('x', 120, 1);
      await busy.add('y', { lastActivityAt: ago(1) });
      await busy.run();
      expect(busy.messenger.posts.map((p) => p.channel)).toEqual(['C0OPS']);
    });

    it('none without a channel configured', async () => {
      const ctx = setup();
      await ctx.add('x');
      ctx.cpuSince('x', 120, 1);
      await ctx.run('plan');
      expect(ctx.messenger.posts).toEqual([]);
    });
  });

  describe('classes', () => {
    const hours: ClassHours = {
      className: 'vsphere-101',
      trainer: 'U0TRAINER',
      startsAt: ago(300),
      endsAt: ago(60),
    };

    it("after the class's end, one DM to the trainer for the class's labs, after the owners' own", async () => {
      const asked: string[][] = [];
      const ctx = setup(DEFAULT_POLICY, {
        classHours: (ids) => {
          asked.push([...ids]);
          return Promise.resolve(
            new Map(ids.filter((id) => id.startsWith('class')).map((id) => [id, hours])),
          );
        },
      });
      await ctx.add('class-a', { kind: 'class', owner: 'U0S1' });
      await ctx.add('class-b', { kind: 'class', owner: 'U0S2' });
      await ctx.add('demo-c', { owner: 'U0S1' });
      for (const id of ['class-a', 'class-b', 'demo-c']) {
        ctx.cpuSince(id, 120, 1);
      }

      const report = await ctx.run();

      expect(asked).toEqual([['class-a', 'class-b', 'demo-c']]);
      expect(ctx.messenger.dms.map((d) => [d.user, d.reply.title])).toEqual([
        ['U0S1', 'One of your labs looks unused'],
        ['U0TRAINER', 'Class vsphere-101 has ended: 2 labs warned, 0 cleaned up'],
      ]);
      expect(report.notified).toEqual(['U0S1', 'U0TRAINER']);
    });

    it('in session, an idle class lab is kept', async () => {
      const inSession = { ...hours, endsAt: ago(-60) };
      const ctx = setup(DEFAULT_POLICY, {
        classHours: (ids) => Promise.resolve(new Map(ids.map((id) => [id, inSession]))),
      });
      await ctx.add('class-a', { kind: 'class' });
      ctx.cpuSince('class-a', 120, 1);

      const report = await ctx.run();

      expect(report.decisions.map((d) => d.kind)).toEqual(['keep']);
      expect(ctx.messenger.dms).toEqual([]);
    });
  });

  describe('working days and old signals', () => {
    it("loads each owner's profile once and each lab's, saves them at now, and prunes those 60 days old", async () => {
      const rhythms = new RecordingRhythms(new Map([['owner:U1', emptyRhythm()]]));
      const ctx = setup(DEFAULT_POLICY, { rhythms });
      await ctx.add('x');
      await ctx.add('y');
      await ctx.add('z', { owner: 'U2' });

      await ctx.run('plan');

      expect(rhythms.loaded).toEqual([['owner:U1', 'owner:U2', 'lab:x', 'lab:y', 'lab:z']]);
      expect(rhythms.saved).toEqual([{ keys: ['lab:x', 'lab:y', 'lab:z', 'owner:U1', 'owner:U2'], at: NOW }]);
      expect(rhythms.pruned).toEqual([new Date(NOW.getTime() - 60 * 86_400_000)]);
    });

    it("reads a lab quiet past its owner's usual end of day before the policy's idle window ends", async () => {
      // Five weekdays seen, ending at 10:00; the day under way since 08:00 today. Quiet for 35 minutes at 12:00: past
      // the halved window (30 min), inside the policy's (60 min).
      const tuesday = new Date('2026-11-24T00:00:00Z').getTime();
      const owner: WorkRhythm = {
        weekdays: [
          null,
          ...Array.from({ length: 5 }, () => ({ days: 1, start: 480, end: 600, endSpread: 0 })),
          null,
        ],
        day: { date: tuesday, first: tuesday + 8 * 3_600_000, last: tuesday + 8 * 3_600_000 },
        cameBack: 5,
        stayedAway: 0,
      };
      const read = async (stored: Map<string, WorkRhythm>) => {
        const ctx = setup(DEFAULT_POLICY, { rhythms: new RecordingRhythms(stored) });
        await ctx.add('x', { lastActivityAt: ago(35) });
        ctx.cpuSince('x', 30, 1);
        await ctx.run('plan');
        return ctx.cloud.reads;
      };

      expect(await read(new Map([['owner:U1', owner]]))).toEqual([`current ${vmOf('x', 'a')}`]);
      expect(await read(new Map())).toEqual([]);
    });

    it('prunes signals older than twice the look-back (6 hours), in plan mode too', async () => {
      const ctx = setup();
      await ctx.add('x', { lastActivityAt: ago(1) });
      await ctx.signals.record([
        { labId: 'x', at: new Date(ago(360).getTime() - 1), kind: 'keepalive' },
        { labId: 'x', at: ago(360), kind: 'keepalive' },
      ]);

      await ctx.run('plan');

      expect(ctx.signals.signals.map((s) => s.at)).toEqual([ago(360)]);
    });

    it('reads the history of a lab with no use on record from the look-back (3 hours, its first instant included)', async () => {
      const ctx = setup();
      await ctx.add('x', { lastActivityAt: undefined, readyAt: undefined });

      await ctx.run('plan');

      expect(ctx.cloud.reads[0]).toBe(
        `history ${vmOf('x', 'a')} ${new Date(ago(180).getTime() - 1).toISOString()}`,
      );
    });
  });
});
