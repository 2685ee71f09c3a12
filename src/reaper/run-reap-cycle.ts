import { type Lab } from '../labs/lab';
import { type LabPolicy } from '../labs/policy';
import { deployableTemplates } from '../labs/templates';
import {
  type AuditLog,
  type CapturedTemplateStore,
  type Clock,
  type Cloud,
  type LabSignal,
  type LabStore,
  type LabWaker,
  type Logger,
  type RunningVm,
  type SignalStore,
} from '../labs/ports';
import { causeChain } from '../labs/errors';
import { planReap, type ReapDecision, rhythmKey, updateRhythms } from './plan-reap';
import { type ReaperMessenger, type WorkRhythmStore } from './reaper-ports';
import { HISTORY_INTERVAL_MS, planUsageReads, type UsageRead } from './usage-reads';
import { type Noticed, ownerNotice, planReply } from './reaper-replies';
import {
  classNotice,
  type ClassHours,
  type ClassHoursOf,
  followClassSchedule,
  noticeRecipient,
} from './class-schedule';

export interface ReapCycleDeps {
  store: LabStore;
  signals: SignalStore;
  cloud: Cloud;
  waker: LabWaker;
  messenger: ReaperMessenger;
  clock: Clock;
  policy: LabPolicy;
  /** Captured templates, so labs deployed from one are judged by their base template's idle thresholds. */
  captured?: CapturedTemplateStore;
  logger: Logger;
  audit?: AuditLog;
  /** Metrics calls in flight at once; keeps the reaper from flooding VCD. Default 8. */
  concurrency?: number;
  /**
   * This installation's id: a vApp tagged with another installation's is never touched, even when a lab here points
   * at it. Absent (tools, tests): any installation's, as before installation ids.
   */
  installationId?: string;
  /** The class of each class lab (class-schedule.ts); absent: no classes. */
  classHours?: ClassHoursOf;
  /** Owners' and labs' working days (work-rhythm.ts), updated every cycle; absent: none learned or used. */
  rhythms?: WorkRhythmStore;
}

/** A working-day profile not updated for this long belongs to an owner gone or a lab deleted long ago. */
const RHYTHM_RETENTION_MS = 60 * 86_400_000;

export interface ReapCycleReport {
  mode: 'plan' | 'enforce';
  at: Date;
  decisions: ReapDecision[];
  /** Labs whose usage could not be read this cycle (they are judged on older signals, or not at all). */
  metricsFailed: string[];
  /** Owners who got a DM. */
  notified: string[];
}

/** How far back signals are read: enough for the idle window and the grace period after it. */
function lookbackMs(policy: LabPolicy): number {
  return (policy.reaper.idleMinutes + policy.reaper.graceMinutes) * 60_000 * 2;
}

/**
 * One reaper cycle: sample usage of the running labs that could be idle (usage-reads.ts), plan, and then either describe the plan (`plan`: nothing
 * changes) or carry it out (`enforce`): warn owners (one DM each), withdraw stale warnings, and suspend or
 * delete what stayed idle or expired after its grace period. It acts only on labs whose vApp carries our
 * metadata, re-read from VCD this cycle; it never touches anything else.
 */
export async function runReapCycle(deps: ReapCycleDeps, mode: 'plan' | 'enforce'): Promise<ReapCycleReport> {
  const now = deps.clock.now();
  const labs = (await deps.store.listActive()).filter((l) => l.phase === 'ready' || l.phase === 'suspended');
  const policy = deps.captured
    ? {
        ...deps.policy,
        templates: deployableTemplates(deps.policy.templates, await deps.captured.list()),
      }
    : deps.policy;
  const ours = await ourLabIds(deps, labs);
  const since = new Date(now.getTime() - lookbackMs(deps.policy));
  const ids = labs.map((l) => l.id);
  const stored = deps.rhythms
    ? await deps.rhythms.load([
        ...new Set(labs.map((l) => rhythmKey('owner', l.owner))),
        ...ids.map((id) => rhythmKey('lab', id)),
      ])
    : new Map();
  const before = await deps.signals.recent(ids, since);
  const reads = planUsageReads(labs, before, now, policy, {
    lookbackMs: lookbackMs(deps.policy),
    ours,
    ...(deps.rhythms ? { rhythms: updateRhythms(stored, labs, before, now, policy) } : {}),
  });
  const metricsFailed = await sampleUsage(deps, reads, now);
  const signals = await deps.signals.recent(ids, since);
  // Folded from the stored ones with every use seen now (folding is idempotent: uses already in are skipped).
  const rhythms = deps.rhythms ? updateRhythms(stored, labs, signals, now, policy) : undefined;
  const classes = deps.classHours ? await deps.classHours(ids) : new Map<string, ClassHours>();
  const decisions = followClassSchedule(planReap(labs, signals, now, policy, ours, rhythms), classes, now);
  if (deps.rhythms && rhythms) {
    // In plan mode too: learning a working day changes no lab.
    await deps.rhythms.save(rhythms, now);
    await deps.rhythms.prune(new Date(now.getTime() - RHYTHM_RETENTION_MS));
  }
  // In every mode: plan mode (the default) records a pass of signals too, and the keep-alive URL adds to them, so
  // skipping this there would let the table grow forever. Only signals beyond twice the look-back go.
  await deps.signals.prune(new Date(now.getTime() - 2 * lookbackMs(deps.policy)));

  const report: ReapCycleReport = { mode, at: now, decisions, metricsFailed, notified: [] };
  if (
    deps.policy.reaper.digestChannel !== undefined &&
    (mode === 'plan' || decisions.some((d) => d.kind !== 'keep'))
  ) {
    await deps.messenger.post(deps.policy.reaper.digestChannel, planReply(decisions, mode, now));
  }
  if (mode === 'plan') {
    return report;
  }

  const byId = new Map(labs.map((l) => [l.id, l]));
  const notices = new Map<string, Noticed[]>();
  // After a class's end its labs' notices go to the trainer, one message per class (class-schedule.ts).
  const classNotices = new Map<string, { hours: ClassHours; items: Noticed[] }>();
  const notify = (lab: Lab, item: Noticed): void => {
    const { trainerOf } = noticeRecipient(lab, classes, now);
    if (trainerOf) {
      const entry = classNotices.get(trainerOf.className) ?? { hours: trainerOf, items: [] };
      entry.items.push(item);
      classNotices.set(trainerOf.className, entry);
      return;
    }
    notices.set(lab.owner, [...(notices.get(lab.owner) ?? []), item]);
  };
  for (const decision of decisions) {
    const lab = byId.get(decision.labId);
    if (!lab) {
      continue;
    }
    if (lab.phase === 'ready' && lab.restoreUntil !== undefined && decision.kind !== 'act') {
      // Running again without `/lab resume` (powered on in VCD, say): its restore window is over, so that a later
      // suspend by its owner cannot end in the old window's delete.
      await deps.store.applyRequest(lab.id, { restoreUntil: undefined });
    }
    switch (decision.kind) {
      case 'warn':
        await deps.store.applyRequest(lab.id, { reapWarnedAt: now });
        await record(deps, lab.id, `warn-${decision.cause}`, decision.reason);
        notify(lab, { lab, decision });
        break;
      case 'unwarn':
        await deps.store.applyRequest(lab.id, { reapWarnedAt: undefined });
        await record(deps, lab.id, 'unwarn', decision.reason);
        break;
      case 'act':
        await deps.store.applyRequest(lab.id, {
          desired: decision.action === 'suspend' ? 'suspended' : 'deleted',
          reapWarnedAt: undefined,
          ...(decision.restoreUntil !== undefined ? { restoreUntil: decision.restoreUntil } : {}),
        });
        await record(deps, lab.id, decision.action, decision.reason);
        deps.waker.wake(lab.id);
        notify(lab, { lab, decision });
        break;
      case 'defer':
      case 'keep':
        break;
    }
  }
  for (const [owner, items] of notices) {
    await deps.messenger.dm(owner, ownerNotice(owner, items, now, deps.policy.rates));
    report.notified.push(owner);
  }
  for (const { hours, items } of classNotices.values()) {
    await deps.messenger.dm(hours.trainer, classNotice(hours, items, now, deps.policy.rates));
    report.notified.push(hours.trainer);
  }
  return report;
}

type Read = Extract<UsageRead, { kind: 'read' }>;
type Sample = { at: number; cpu?: number; net?: number };

/** History samples this recent show the lab in use now: VCD's rollups trail real time by a sample or two. */
const RECENT_HISTORY_MS = 2 * HISTORY_INTERVAL_MS;

/**
 * Reads what `reads` asks for and records it as signals: the running VMs of every vApp from one paged query (only when
 * some lab is to be read), then, lab by lab, each VM's history since `historySince` (where samples are missing) and
 * its current usage (at `now`), until one VM shows a recent use: the lab is in use then, whatever its other VMs do.
 * Per sample time, the signal is the busiest VM's CPU and the VMs' network summed. Labs are read `concurrency` at
 * once. Returns the labs whose reading failed: they get no signal this pass (judged on older signals, or not at all).
 */
async function sampleUsage(deps: ReapCycleDeps, reads: readonly UsageRead[], now: Date): Promise<string[]> {
  const toRead = reads.filter((r): r is Read => r.kind === 'read');
  if (toRead.length === 0) {
    return [];
  }
  let vms: RunningVm[];
  try {
    vms = await deps.cloud.listRunningVms();
  } catch (error) {
    deps.logger.warn({ labs: toRead.length, causes: causeChain(error) }, 'reaper could not list running VMs');
    return toRead.map((r) => r.labId);
  }
  const byVApp = new Map<string, RunningVm[]>();
  for (const vm of vms) {
    byVApp.set(vm.vappHref, [...(byVApp.get(vm.vappHref) ?? []), vm]);
  }
  const failed: string[] = [];
  const signals: LabSignal[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toRead.length) {
      const read = toRead[next++];
      if (read === undefined) {
        continue;
      }
      try {
        signals.push(
          ...labSignals(read.labId, await readLab(deps, read, byVApp.get(read.vappHref) ?? [], now)),
        );
      } catch (error) {
        failed.push(read.labId);
        deps.logger.warn({ labId: read.labId, causes: causeChain(error) }, 'reaper could not read lab usage');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 8, toRead.length) }, worker));
  await deps.signals.record(signals);
  return failed;
}

/** One lab's samples: its VMs one by one, stopping at the first that shows a recent use. */
async function readLab(
  deps: ReapCycleDeps,
  read: Read,
  vms: readonly RunningVm[],
  now: Date,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  const isBusy = (s: { cpuPercent?: number; networkKbps?: number }): boolean =>
    (s.cpuPercent ?? 0) >= read.busy.cpuPercent || (s.networkKbps ?? 0) >= read.busy.networkKbps;
  for (const vm of vms) {
    if (read.historySince !== undefined) {
      const since = read.historySince;
      // Current usage stands for `now`; history fills only what lies between.
      const history = (await deps.cloud.getVmUsageHistory(vm.href, since)).filter(
        (s) => s.at > since && s.at < now,
      );
      samples.push(...history.map((s) => ({ at: s.at.getTime(), cpu: s.cpuPercent, net: s.networkKbps })));
      if (history.some((s) => isBusy(s) && s.at.getTime() >= now.getTime() - RECENT_HISTORY_MS)) {
        return samples;
      }
    }
    const current = await deps.cloud.getVmUsage(vm);
    samples.push({ at: now.getTime(), cpu: current.cpuPercent, net: current.networkKbps });
    if (isBusy(current)) {
      return samples;
    }
  }
  return samples;
}

/** A lab's per-VM samples as signals: per sample time, CPU of the busiest VM and network summed over its VMs. */
function labSignals(
  labId: string,
  samples: readonly { at: number; cpu?: number; net?: number }[],
): LabSignal[] {
  const times = [...new Set(samples.map((s) => s.at))].sort((a, b) => a - b);
  return times.flatMap((t) => {
    const at = samples.filter((s) => s.at === t);
    const cpu = at.map((s) => s.cpu).filter((v): v is number => v !== undefined);
    const net = at.map((s) => s.net).filter((v): v is number => v !== undefined);
    return [
      ...(cpu.length > 0 ? [{ labId, at: new Date(t), kind: 'cpu' as const, value: Math.max(...cpu) }] : []),
      ...(net.length > 0
        ? [{ labId, at: new Date(t), kind: 'network' as const, value: net.reduce((a, b) => a + b, 0) }]
        : []),
    ];
  });
}

/**
 * Labs whose vApp VCD reports, right now, with our metadata for that very lab and this installation's id (or none:
 * created before ids, and this store has the lab): the only ones the reaper may touch.
 */
async function ourLabIds(deps: ReapCycleDeps, labs: readonly Lab[]): Promise<Set<string>> {
  const managed = (await deps.cloud.listManagedVApps()).filter(
    (v) =>
      deps.installationId === undefined ||
      v.metadata.installation === undefined ||
      v.metadata.installation === deps.installationId,
  );
  const ours = new Set(managed.map((v) => `${v.href}|${v.metadata.labId}`));
  return new Set(
    labs.filter((l) => l.vappHref !== undefined && ours.has(`${l.vappHref}|${l.id}`)).map((l) => l.id),
  );
}

async function record(deps: ReapCycleDeps, labId: string, action: string, detail: string): Promise<void> {
  await deps.audit?.record({ at: deps.clock.now(), actor: 'reaper', labId, action, detail, result: 'ok' });
}
