/**
 * Which labs a reaper pass must read usage for, and how far back (issue 17). Reading every running VM every pass is
 * what planReap needs only for a lab that could be idle now; for the others their last known use already decides:
 *
 * - A lab whose latest use (Slack activity, a keep-alive call, a busy CPU or network sample, becoming ready) is at `t`
 *   cannot be idle before `t` + its idle window (idleMinutes, or shorter once its owner looks gone: plan-reap.ts),
 *   whatever its CPU does meanwhile: no read until then.
 * - A lab that could be idle is read now (current usage, as before). When samples are missing since its latest use
 *   or latest sample (it was skipped), VCD's 5-minute history since then is read too, so planReap sees every sample
 *   it would have seen had the lab been read on every pass, and judges the same.
 * - Labs planReap does not judge by usage (snoozed, changing state, not ours) are not read.
 *
 * Pure: the same inputs give the same reads.
 */
import { type Lab } from '../labs/lab';
import { type LabPolicy } from '../labs/policy';
import { type LabSignal } from '../labs/ports';
import { idleWindowMinutes, latestUse } from './plan-reap';
import { type WorkRhythm } from './work-rhythm';

/** VCD's historic samples are 5 minutes apart: a shorter gap since the last sample holds none that current misses. */
export const HISTORY_INTERVAL_MS = 5 * 60_000;
/** A pass a little late (cron, a slow pass before) is still contiguous with the one before. */
const GAP_TOLERANCE_MS = 60_000;

/** planReap's thresholds for a template the policy no longer lists. */
const FALLBACK_BUSY = { cpuPercent: 5, networkKbps: 20 };

/** What a pass reads for one running lab. */
export type UsageRead =
  | { labId: string; vappHref: string; kind: 'skip'; reason: string }
  | {
      labId: string;
      vappHref: string;
      kind: 'read';
      /** Also read the history after this time: samples since then were never read. */
      historySince?: Date;
      /**
       * A sample at or above these is a use: once one VM shows one, recent enough, the lab is in use and its other VMs
       * need no read (planReap's verdict cannot change; only which VM's figure its words quote).
       */
      busy: { cpuPercent: number; networkKbps: number };
    };

/**
 * The reads of one pass for the running labs among `labs` (ready, with a vApp). `signals` are the recorded ones
 * (any order), read back at least `idleMinutes` + `lookbackMs`.
 */
export function planUsageReads(
  labs: readonly Lab[],
  signals: readonly LabSignal[],
  now: Date,
  policy: LabPolicy,
  options: { lookbackMs: number; ours?: ReadonlySet<string>; rhythms?: ReadonlyMap<string, WorkRhythm> },
): UsageRead[] {
  const byLab = new Map<string, LabSignal[]>();
  for (const signal of [...signals].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    byLab.set(signal.labId, [...(byLab.get(signal.labId) ?? []), signal]);
  }
  return labs.flatMap((lab) =>
    lab.phase === 'ready' && lab.vappHref !== undefined
      ? [readFor(lab, lab.vappHref, byLab.get(lab.id) ?? [], now, policy, options)]
      : [],
  );
}

function readFor(
  lab: Lab,
  vappHref: string,
  signals: readonly LabSignal[],
  now: Date,
  policy: LabPolicy,
  options: { lookbackMs: number; ours?: ReadonlySet<string>; rhythms?: ReadonlyMap<string, WorkRhythm> },
): UsageRead {
  const skip = (reason: string): UsageRead => ({ labId: lab.id, vappHref, kind: 'skip', reason });
  if (options.ours !== undefined && !options.ours.has(lab.id)) {
    return skip('its vApp does not carry our metadata: never judged');
  }
  if (lab.snoozedUntil !== undefined && lab.snoozedUntil > now) {
    return skip('kept by its owner: not judged by usage');
  }
  if (lab.desired !== 'running') {
    return skip(`already changing to ${lab.desired}`);
  }
  const use = latestUse(lab, signals, policy);
  const template = policy.templates.find((t) => t.key === lab.template);
  const busy = {
    cpuPercent: template?.idleCpuPercent ?? FALLBACK_BUSY.cpuPercent,
    networkKbps: template?.idleNetworkKbps ?? FALLBACK_BUSY.networkKbps,
  };
  // The window planReap judges it by now: shorter than the policy's once its owner looks gone (plan-reap.ts).
  const idleMs = idleWindowMinutes(lab, signals, now, policy, options.rhythms) * 60_000;
  if (use !== undefined && use.at.getTime() > now.getTime() - idleMs) {
    return skip(
      `in use (${use.words}): cannot be idle before ${new Date(use.at.getTime() + idleMs).toISOString()}`,
    );
  }
  const lastSample = signals.filter((s) => s.kind === 'cpu' && s.value !== undefined).at(-1)?.at;
  const covered = Math.max(
    use?.at.getTime() ?? -Infinity,
    lastSample?.getTime() ?? -Infinity,
    // The look-back includes its first instant (SignalStore.recent reads `at or after`); history is read after `since`.
    now.getTime() - options.lookbackMs - 1,
  );
  return now.getTime() - covered > HISTORY_INTERVAL_MS + GAP_TOLERANCE_MS
    ? { labId: lab.id, vappHref, kind: 'read', historySince: new Date(covered), busy }
    : { labId: lab.id, vappHref, kind: 'read', busy };
}
