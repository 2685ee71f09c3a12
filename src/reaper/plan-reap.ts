import { committedHourlyRate } from '../labs/cost';
import { formatMinutes } from '../labs/duration';
import { type Lab, lifetimeStart } from '../labs/lab';
import { type LabPolicy, type ReaperPolicy, type TemplatePolicy } from '../labs/policy';
import { type LabSignal } from '../labs/ports';

/** Why a lab is in the plan. */
export type ReapCause = 'idle' | 'expiring' | 'expired';

/** The reaper's decision for one lab, always with the reason in words (issue 7: decisions people can follow). */
export type ReapDecision =
  | { labId: string; kind: 'keep'; reason: string }
  | { labId: string; kind: 'warn'; cause: ReapCause; reason: string; actAfter: Date }
  /** It had been warned, but it is in use again: withdraw the warning. */
  | { labId: string; kind: 'unwarn'; reason: string }
  | { labId: string; kind: 'act'; cause: ReapCause; action: 'suspend' | 'delete'; reason: string }
  /** It would be acted on, but not this cycle (blast radius, allowed hours). */
  | { labId: string; kind: 'defer'; cause: ReapCause; action: 'suspend' | 'delete'; reason: string };

/** Defaults for templates the policy no longer lists (adopted labs): a nested ESXi host idles at a few %. */
const FALLBACK_THRESHOLDS = { idleCpuPercent: 5, idleNetworkKbps: 20 };

/**
 * Decides, for every live lab, keep / warn / act, from the lab's records, its recent signals and the policy.
 * Pure: the same inputs give the same plan, so `labbot reap --plan` shows exactly what `--enforce` would do.
 *
 * A lab is idle when nothing used it for `idleMinutes`: no Slack activity, no keep-alive call, no CPU or network
 * sample above its template's thresholds. Without a recent CPU sample it is never called idle (missing metrics
 * must not get a lab killed). Idle and expiring labs are warned first; after `graceMinutes` the signals are
 * looked at again and only a lab still idle (or expired) is acted on.
 */
export function planReap(
  labs: readonly Lab[],
  signals: readonly LabSignal[],
  now: Date,
  policy: LabPolicy,
  /** Ids of labs whose vApp VCD reports with our metadata; labs outside it are never acted on or warned. */
  ours?: ReadonlySet<string>,
): ReapDecision[] {
  const byLab = groupSignals(signals);
  const decisions = labs.map((lab) =>
    ours !== undefined && !ours.has(lab.id)
      ? {
          labId: lab.id,
          kind: 'keep' as const,
          reason: 'its vApp does not carry labbot metadata for this lab in VCD: never touched',
        }
      : decide(lab, byLab.get(lab.id) ?? [], now, policy),
  );
  return limitActions(decisions, labs, now, policy);
}

function decide(lab: Lab, signals: LabSignal[], now: Date, policy: LabPolicy): ReapDecision {
  const reaper = policy.reaper;
  // A snooze is the owner's word: nothing, not even expiry, overrides it (keep() never snoozes past the
  // kind's maximum lifetime, and moves the expiry to the snooze's end).
  if (lab.snoozedUntil !== undefined && lab.snoozedUntil > now) {
    return { labId: lab.id, kind: 'keep', reason: `kept by its owner until ${clock(lab.snoozedUntil)}` };
  }
  if (lab.phase !== 'ready' && lab.phase !== 'suspended') {
    return { labId: lab.id, kind: 'keep', reason: `busy: ${lab.phase}` };
  }
  if (lab.desired !== (lab.phase === 'ready' ? 'running' : 'suspended')) {
    return { labId: lab.id, kind: 'keep', reason: `already changing to ${lab.desired}` };
  }
  const kind = policy.kinds.find((k) => k.name === lab.kind);
  const expiry = expiryState(lab, now, reaper);

  if (expiry.state === 'expired') {
    // Past its expiry but in use: never deleted under its user. It goes once idle (warned first), or at the
    // kind's maximum lifetime, the hard cap nobody can extend past.
    const hardStop = new Date(lifetimeStart(lab).getTime() + (kind?.maxLifetimeHours ?? 0) * 3_600_000);
    const usage = idleState(lab, signals, now, policy);
    if (lab.phase === 'ready' && !usage.idle && now < hardStop) {
      const words = `${expiry.words} but ${usage.words}; deleted once idle, at the latest at its maximum lifetime (${clock(hardStop)})`;
      return lab.reapWarnedAt
        ? { labId: lab.id, kind: 'keep', reason: words }
        : warn(lab, 'expired', words, now, reaper);
    }
    return warnedLongEnough(lab, now, reaper)
      ? { labId: lab.id, kind: 'act', cause: 'expired', action: 'delete', reason: expiry.words }
      : warn(
          lab,
          'expired',
          `${expiry.words}; deleting after a ${reaper.graceMinutes} min grace period`,
          now,
          reaper,
        );
  }

  const usage = idleState(lab, signals, now, policy);
  if (usage.idle && lab.phase === 'ready') {
    const action = kind?.idleAction ?? 'suspend';
    return warnedLongEnough(lab, now, reaper)
      ? { labId: lab.id, kind: 'act', cause: 'idle', action, reason: usage.words }
      : warn(
          lab,
          'idle',
          `${usage.words}; will ${action} after a ${reaper.graceMinutes} min grace period`,
          now,
          reaper,
        );
  }
  if (expiry.state === 'expiring') {
    return lab.reapWarnedAt
      ? { labId: lab.id, kind: 'keep', reason: `${expiry.words}; owner warned` }
      : warn(lab, 'expiring', expiry.words, now, reaper);
  }
  if (lab.reapWarnedAt) {
    return { labId: lab.id, kind: 'unwarn', reason: `in use again: ${usage.words}` };
  }
  return { labId: lab.id, kind: 'keep', reason: usage.words };
}

function warn(lab: Lab, cause: ReapCause, reason: string, now: Date, reaper: ReaperPolicy): ReapDecision {
  if (lab.reapWarnedAt) {
    const actAfter = new Date(lab.reapWarnedAt.getTime() + reaper.graceMinutes * 60_000);
    return {
      labId: lab.id,
      kind: 'keep',
      reason: `${reason}; owner warned at ${clock(lab.reapWarnedAt)}, grace until ${clock(actAfter)}`,
    };
  }
  return {
    labId: lab.id,
    kind: 'warn',
    cause,
    reason,
    actAfter: new Date(now.getTime() + reaper.graceMinutes * 60_000),
  };
}

function warnedLongEnough(lab: Lab, now: Date, reaper: ReaperPolicy): boolean {
  return (
    lab.reapWarnedAt !== undefined &&
    now.getTime() - lab.reapWarnedAt.getTime() >= reaper.graceMinutes * 60_000
  );
}

function expiryState(
  lab: Lab,
  now: Date,
  reaper: ReaperPolicy,
): { state: 'fine' | 'expiring' | 'expired'; words: string } {
  const minutesLeft = (lab.expiresAt.getTime() - now.getTime()) / 60_000;
  if (minutesLeft <= 0) {
    return { state: 'expired', words: `expired at ${clock(lab.expiresAt)}` };
  }
  if (minutesLeft <= reaper.expiryWarningMinutes) {
    return {
      state: 'expiring',
      words: `expires at ${clock(lab.expiresAt)} (in ${formatMinutes(minutesLeft)})`,
    };
  }
  return { state: 'fine', words: `expires at ${clock(lab.expiresAt)}` };
}

interface IdleState {
  idle: boolean;
  words: string;
}

function idleState(lab: Lab, signals: LabSignal[], now: Date, policy: LabPolicy): IdleState {
  if (lab.phase === 'suspended') {
    return { idle: false, words: 'suspended (storage only)' };
  }
  const template = idleThresholds(lab, policy);
  const windowStart = now.getTime() - policy.reaper.idleMinutes * 60_000;
  const latestCpu = signals.filter((s) => s.kind === 'cpu' && s.value !== undefined).at(-1);
  const lastUse = latestUse(lab, signals, policy);
  if (lastUse && lastUse.at.getTime() > windowStart) {
    return { idle: false, words: `in use: ${lastUse.words}` };
  }
  if (!latestCpu || latestCpu.at.getTime() <= windowStart) {
    return { idle: false, words: 'no recent CPU metrics, so not judged idle' };
  }
  const idleMinutes = lastUse ? (now.getTime() - lastUse.at.getTime()) / 60_000 : policy.reaper.idleMinutes;
  const slack = lab.lastActivityAt
    ? `no Slack activity since ${clock(lab.lastActivityAt)}`
    : 'no Slack activity';
  return {
    idle: true,
    words: `idle ${Math.round(idleMinutes)} min: CPU ${pct(latestCpu.value)} < ${template.idleCpuPercent}% threshold, ${slack}`,
  };
}

/** The lab's template's idle thresholds (a template the policy no longer lists: FALLBACK_THRESHOLDS). */
function idleThresholds(
  lab: Lab,
  policy: LabPolicy,
): Pick<TemplatePolicy, 'idleCpuPercent' | 'idleNetworkKbps'> {
  return policy.templates.find((t) => t.key === lab.template) ?? FALLBACK_THRESHOLDS;
}

/**
 * The latest use of a lab the signals and its record show (Slack activity, a keep-alive call, a CPU or network
 * sample at or above its template's threshold, becoming ready), in words; undefined when there is none. `signals`
 * are the lab's, oldest first. A lab whose latest use is at `t` cannot be idle before `t` + idleMinutes: the reaper
 * needs no metrics for it until then.
 */
export function latestUse(
  lab: Lab,
  signals: readonly LabSignal[],
  policy: LabPolicy,
): { at: Date; words: string } | undefined {
  const template = idleThresholds(lab, policy);
  const lastBusyCpu = signals
    .filter((s) => s.kind === 'cpu' && s.value !== undefined && s.value >= template.idleCpuPercent)
    .at(-1);
  const lastBusyNet = signals
    .filter((s) => s.kind === 'network' && (s.value ?? 0) >= template.idleNetworkKbps)
    .at(-1);
  const lastKeepalive = signals.filter((s) => s.kind === 'keepalive').at(-1);

  const uses: { at: Date; words: string }[] = [];
  if (lab.lastActivityAt) {
    uses.push({ at: lab.lastActivityAt, words: `Slack activity at ${clock(lab.lastActivityAt)}` });
  }
  if (lastKeepalive) {
    uses.push({ at: lastKeepalive.at, words: `keep-alive call at ${clock(lastKeepalive.at)}` });
  }
  if (lastBusyCpu) {
    uses.push({ at: lastBusyCpu.at, words: `CPU ${pct(lastBusyCpu.value)} at ${clock(lastBusyCpu.at)}` });
  }
  if (lastBusyNet) {
    uses.push({
      at: lastBusyNet.at,
      words: `network ${Math.round(lastBusyNet.value ?? 0)} KB/s at ${clock(lastBusyNet.at)}`,
    });
  }
  if (lab.readyAt) {
    uses.push({ at: lab.readyAt, words: `ready at ${clock(lab.readyAt)}` });
  }
  return uses.reduce<{ at: Date; words: string } | undefined>(
    (a, b) => (a === undefined || b.at > a.at ? b : a),
    undefined,
  );
}

/**
 * Blast radius: at most `maxActionsPerCycle` acts, the most expensive labs first, and none outside the allowed
 * hours. The rest are deferred, with the reason.
 */
function limitActions(
  decisions: ReapDecision[],
  labs: readonly Lab[],
  now: Date,
  policy: LabPolicy,
): ReapDecision[] {
  const reaper = policy.reaper;
  const rate = new Map(labs.map((l) => [l.id, committedHourlyRate(l, policy.rates)]));
  const acts = decisions
    .filter((d): d is Extract<ReapDecision, { kind: 'act' }> => d.kind === 'act')
    .sort((a, b) => (rate.get(b.labId) ?? 0) - (rate.get(a.labId) ?? 0) || a.labId.localeCompare(b.labId));
  const outsideHours = reaper.allowedHours !== undefined && !withinHours(now, reaper.allowedHours);
  const allowed = new Set(outsideHours ? [] : acts.slice(0, reaper.maxActionsPerCycle).map((d) => d.labId));
  return decisions.map((d) => {
    if (d.kind !== 'act' || allowed.has(d.labId)) {
      return d;
    }
    const why =
      outsideHours && reaper.allowedHours
        ? `outside the allowed hours ${reaper.allowedHours.from}:00-${reaper.allowedHours.to}:00 ${reaper.allowedHours.timeZone}`
        : `at most ${reaper.maxActionsPerCycle} actions per cycle`;
    return {
      labId: d.labId,
      kind: 'defer',
      cause: d.cause,
      action: d.action,
      reason: `${d.reason}; deferred: ${why}`,
    };
  });
}

/** The hour of `now` in the time zone, compared with [from, to). */
export function withinHours(now: Date, hours: { from: number; to: number; timeZone: string }): boolean {
  const hour = Number(
    new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: hours.timeZone }).format(
      now,
    ),
  );
  return hours.from <= hours.to
    ? hour >= hours.from && hour < hours.to
    : hour >= hours.from || hour < hours.to;
}

function groupSignals(signals: readonly LabSignal[]): Map<string, LabSignal[]> {
  const byLab = new Map<string, LabSignal[]>();
  for (const signal of [...signals].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const list = byLab.get(signal.labId) ?? [];
    list.push(signal);
    byLab.set(signal.labId, list);
  }
  return byLab;
}

/** `10:02 UTC`: times in reasons are UTC, which every reader can convert. */
function clock(at: Date): string {
  return `${at.toISOString().slice(11, 16)} UTC`;
}

function pct(value: number | undefined): string {
  return `${(value ?? 0).toFixed(1)}%`;
}
