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
  type SignalStore,
} from '../labs/ports';
import { causeChain } from '../labs/errors';
import { planReap, type ReapDecision } from './plan-reap';
import { type ReaperMessenger } from './reaper-ports';
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
  /** Metrics calls in flight at once (one per lab); keeps the reaper from flooding VCD. */
  concurrency?: number;
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
 * One reaper cycle: sample usage of every running lab, plan, and then either describe the plan (`plan`: nothing
 * changes) or carry it out (`enforce`): warn owners (one DM each), withdraw stale warnings, and suspend or
 * delete what stayed idle or expired after its grace period. It acts only on labs whose vApp carries our
 * metadata, re-read from VCD this cycle; it never touches anything else.
 */
export async function runReapCycle(deps: ReapCycleDeps, mode: 'plan' | 'enforce'): Promise<ReapCycleReport> {
  const now = deps.clock.now();
  const labs = (await deps.store.listActive()).filter((l) => l.phase === 'ready' || l.phase === 'suspended');
  const metricsFailed = await sampleUsage(deps, labs, now);
  const signals = await deps.signals.recent(
    labs.map((l) => l.id),
    new Date(now.getTime() - lookbackMs(deps.policy)),
  );
  const policy = deps.captured
    ? {
        ...deps.policy,
        templates: deployableTemplates(deps.policy.templates, await deps.captured.list()),
      }
    : deps.policy;
  const decisions = planReap(labs, signals, now, policy, await ourLabIds(deps, labs));
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

/** Reads current usage of every running lab and records it as signals; returns the labs whose read failed. */
async function sampleUsage(deps: ReapCycleDeps, labs: readonly Lab[], now: Date): Promise<string[]> {
  const running = labs.filter((l) => l.phase === 'ready' && l.vappHref !== undefined);
  const failed: string[] = [];
  const signals: LabSignal[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < running.length) {
      const lab = running[next++];
      if (!lab?.vappHref) {
        continue;
      }
      try {
        const usage = await deps.cloud.getUsage(lab.vappHref);
        const cpu = usage.map((u) => u.cpuPercent).filter((v): v is number => v !== undefined);
        const net = usage.map((u) => u.networkKbps).filter((v): v is number => v !== undefined);
        if (cpu.length > 0) {
          signals.push({ labId: lab.id, at: now, kind: 'cpu', value: Math.max(...cpu) });
        }
        if (net.length > 0) {
          signals.push({ labId: lab.id, at: now, kind: 'network', value: net.reduce((a, b) => a + b, 0) });
        }
      } catch (error) {
        failed.push(lab.id);
        deps.logger.warn({ labId: lab.id, causes: causeChain(error) }, 'reaper could not read lab usage');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency ?? 8, running.length) }, worker));
  await deps.signals.record(signals);
  return failed;
}

/** Labs whose vApp VCD reports, right now, with our metadata for that very lab: the only ones the reaper may touch. */
async function ourLabIds(deps: ReapCycleDeps, labs: readonly Lab[]): Promise<Set<string>> {
  const managed = await deps.cloud.listManagedVApps();
  const ours = new Set(managed.map((v) => `${v.href}|${v.metadata.labId}`));
  return new Set(
    labs.filter((l) => l.vappHref !== undefined && ours.has(`${l.vappHref}|${l.id}`)).map((l) => l.id),
  );
}

async function record(deps: ReapCycleDeps, labId: string, action: string, detail: string): Promise<void> {
  await deps.audit?.record({ at: deps.clock.now(), actor: 'reaper', labId, action, detail, result: 'ok' });
}
