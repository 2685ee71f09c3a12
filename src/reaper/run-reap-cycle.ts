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
import { planReap, type ReapDecision } from './plan-reap';
import { type ReaperMessenger } from './reaper-ports';
import { planUsageReads, type UsageRead } from './usage-reads';
import { type Noticed, ownerNotice, planReply } from './reaper-replies';

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
}

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
  const reads = planUsageReads(labs, await deps.signals.recent(ids, since), now, policy, {
    lookbackMs: lookbackMs(deps.policy),
    ours,
  });
  const metricsFailed = await sampleUsage(deps, reads, now);
  const signals = await deps.signals.recent(ids, since);
  const decisions = planReap(labs, signals, now, policy, ours);
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
  for (const decision of decisions) {
    const lab = byId.get(decision.labId);
    if (!lab) {
      continue;
    }
    switch (decision.kind) {
      case 'warn':
        await deps.store.applyRequest(lab.id, { reapWarnedAt: now });
        await record(deps, lab.id, `warn-${decision.cause}`, decision.reason);
        notices.set(lab.owner, [...(notices.get(lab.owner) ?? []), { lab, decision }]);
        break;
      case 'unwarn':
        await deps.store.applyRequest(lab.id, { reapWarnedAt: undefined });
        await record(deps, lab.id, 'unwarn', decision.reason);
        break;
      case 'act':
        await deps.store.applyRequest(lab.id, {
          desired: decision.action === 'suspend' ? 'suspended' : 'deleted',
          reapWarnedAt: undefined,
        });
        await record(deps, lab.id, decision.action, decision.reason);
        deps.waker.wake(lab.id);
        notices.set(lab.owner, [...(notices.get(lab.owner) ?? []), { lab, decision }]);
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
  return report;
}

/** One call of a pass: a VM's current usage or its history, for a lab. */
interface UsageCall {
  labId: string;
  vm: RunningVm;
  historySince?: Date;
}

/**
 * Reads what `reads` asks for and records it as signals: the running VMs of every vApp from one paged query (only when
 * some lab is to be read), then each such lab's VMs' current usage (CPU of the busiest VM, network summed, at `now`)
 * and, where samples are missing, their history (the same per sample time). Calls run `concurrency` at once. Returns
 * the labs whose reading failed: they get no signal this pass (judged on older signals, or not at all).
 */
async function sampleUsage(deps: ReapCycleDeps, reads: readonly UsageRead[], now: Date): Promise<string[]> {
  const toRead = reads.filter((r): r is Extract<UsageRead, { kind: 'read' }> => r.kind === 'read');
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
  const calls: UsageCall[] = toRead.flatMap((r) =>
    (byVApp.get(r.vappHref) ?? []).flatMap((vm): UsageCall[] => [
      ...(r.historySince !== undefined ? [{ labId: r.labId, vm, historySince: r.historySince }] : []),
      { labId: r.labId, vm },
    ]),
  );
  const failed = new Set<string>();
  const samples = new Map<string, { at: number; cpu?: number; net?: number }[]>();
  const add = (labId: string, at: Date, usage: { cpuPercent?: number; networkKbps?: number }): void => {
    samples.set(labId, [
      ...(samples.get(labId) ?? []),
      { at: at.getTime(), cpu: usage.cpuPercent, net: usage.networkKbps },
    ]);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const call = calls[next++];
      if (call === undefined || failed.has(call.labId)) {
        continue;
      }
      try {
        if (call.historySince !== undefined) {
          const since = call.historySince;
          for (const sample of await deps.cloud.getVmUsageHistory(call.vm.href, since)) {
            // Current usage stands for `now`; history fills only what lies between.
            if (sample.at > since && sample.at < now) {
              add(call.labId, sample.at, sample);
            }
          }
        } else {
          add(call.labId, now, await deps.cloud.getVmUsage(call.vm));
        }
      } catch (error) {
        failed.add(call.labId);
        deps.logger.warn({ labId: call.labId, causes: causeChain(error) }, 'reaper could not read lab usage');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 8, calls.length) }, worker));
  const signals = [...samples.entries()]
    .filter(([labId]) => !failed.has(labId))
    .flatMap(([labId, list]) => labSignals(labId, list));
  await deps.signals.record(signals);
  return [...failed];
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
