import { committedHourlyRate, formatUsd, hourlyRate } from '../labs/cost';
import { formatMinutes } from '../labs/duration';
import { type Lab, lifetimeStart } from '../labs/lab';
import { type LabPolicy, type ReaperPolicy, type TemplatePolicy } from '../labs/policy';
import { type LabSignal } from '../labs/ports';
import { rhythmHold } from './rhythm';
import { ticketClosedReason } from './ticket-closed';
import {
  afterUsualEnd,
  comebackShare,
  emptyRhythm,
  nextWorkingDayEnd,
  observeUses,
  type WorkRhythm,
} from './work-rhythm';

/** Why a lab is in the plan. */
export type ReapCause = 'idle' | 'expiring' | 'expired' | 'ticket-closed';

/** The reaper's decision for one lab, always with the reason in words (issue 7: decisions people can follow). */
export type ReapDecision =
  | { labId: string; kind: 'keep'; reason: string }
  | { labId: string; kind: 'warn'; cause: ReapCause; reason: string; actAfter: Date }
  /** It had been warned, but it is in use again: withdraw the warning. */
  | { labId: string; kind: 'unwarn'; reason: string }
  | {
      labId: string;
      kind: 'act';
      cause: ReapCause;
      action: 'suspend' | 'delete';
      reason: string;
      /** A suspend in place of a delete (the restore window): deleted at this time unless its owner resumes it. */
      restoreUntil?: Date;
    }
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
  /** Owners' and labs' working days (work-rhythm.ts), keyed by `rhythmKey`; absent: none known. */
  rhythms?: ReadonlyMap<string, WorkRhythm>,
): ReapDecision[] {
  const byLab = groupSignals(signals);
  const ownerUses = usesByOwner(labs, byLab, policy);
  const rhythmOf = (lab: Lab): LabRhythms => ({
    owner: rhythms?.get(rhythmKey('owner', lab.owner)),
    lab: rhythms?.get(rhythmKey('lab', lab.id)),
  });
  const decisions = labs.map((lab) =>
    ours !== undefined && !ours.has(lab.id)
      ? {
          labId: lab.id,
          kind: 'keep' as const,
          reason: 'its vApp does not carry labbot metadata for this lab in VCD: never touched',
        }
      : decide(lab, byLab.get(lab.id) ?? [], now, policy, ownerUses.get(lab.owner) ?? [], rhythmOf(lab)),
  );
  return limitActions(decisions, labs, now, policy);
}

/** The key of an owner's or a lab's WorkRhythm, in the map planReap takes and the store keeps. */
export function rhythmKey(subject: 'owner' | 'lab', id: string): string {
  return `${subject}:${id}`;
}

interface LabRhythms {
  owner: WorkRhythm | undefined;
  lab: WorkRhythm | undefined;
}

/**
 * Every owner's and lab's WorkRhythm with this cycle's uses folded in (the reaper calls it each cycle and stores the
 * result): the uses `planReap` sees (Slack activity, keep-alive calls, busy CPU and network samples). `previous` holds
 * the stored ones; a subject without one starts afresh. Only subjects of `labs` are returned.
 */
export function updateRhythms(
  previous: ReadonlyMap<string, WorkRhythm>,
  labs: readonly Lab[],
  signals: readonly LabSignal[],
  now: Date,
  policy: LabPolicy,
): Map<string, WorkRhythm> {
  const byLab = groupSignals(signals);
  const uses = new Map<string, Date[]>();
  for (const lab of labs) {
    const labUses = useTimes(lab, byLab.get(lab.id) ?? [], policy);
    uses.set(rhythmKey('lab', lab.id), labUses);
    const owner = rhythmKey('owner', lab.owner);
    uses.set(owner, [...(uses.get(owner) ?? []), ...labUses]);
  }
  return new Map(
    [...uses].map(([key, u]) => [key, observeUses(previous.get(key) ?? emptyRhythm(), u, now)] as const),
  );
}

function decide(
  lab: Lab,
  signals: LabSignal[],
  now: Date,
  policy: LabPolicy,
  ownerUses: readonly Date[],
  rhythms: LabRhythms,
): ReapDecision {
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
  const ticketClosed = ticketClosedReason(lab);
  if (ticketClosed !== undefined) {
    return warnedLongEnough(lab, now, reaper)
      ? { labId: lab.id, kind: 'act', cause: 'ticket-closed', action: 'delete', reason: ticketClosed }
      : warn(
          lab,
          'ticket-closed',
          `${ticketClosed}; deleting after a ${reaper.graceMinutes} min grace period unless kept`,
          now,
          reaper,
        );
  }
  const kind = policy.kinds.find((k) => k.name === lab.kind);
  const hardStop = new Date(lifetimeStart(lab).getTime() + (kind?.maxLifetimeHours ?? 0) * 3_600_000);
  if (lab.restoreUntil !== undefined && lab.phase === 'suspended') {
    return restoreWindow(lab, lab.restoreUntil, now);
  }
  const expiry = expiryState(lab, now, reaper);

  if (expiry.state === 'expired') {
    // Past its expiry but in use: never deleted under its user, and not even warned while they sit at it (a DM
    // there is noise; the restore window makes the later delete undoable). It goes once idle (warned first), or at
    // the kind's maximum lifetime, the hard cap nobody can extend past.
    const usage = idleState(lab, signals, now, policy, reaper.idleMinutes);
    if (lab.phase === 'ready' && !usage.idle && now < hardStop) {
      const words = `${expiry.words} but ${usage.words}; reaped once idle, at the latest at its maximum lifetime (${clock(hardStop)})`;
      return lab.reapWarnedAt || usage.inUse
        ? { labId: lab.id, kind: 'keep', reason: words }
        : warn(lab, 'expired', words, now, reaper);
    }
    if (lab.phase === 'suspended' && restoreUntil(lab, now, reaper, hardStop) !== undefined) {
      // Expired while suspended: nothing to warn about yet, the restore window starts now and the delete waits for
      // its end (a repro or dev lab suspended overnight expires before its owner is back).
      return act(lab, 'expired', 'delete', expiry.words, now, reaper, hardStop);
    }
    return warnedLongEnough(lab, now, reaper)
      ? act(lab, 'expired', 'delete', expiry.words, now, reaper, hardStop)
      : warn(
          lab,
          'expired',
          `${expiry.words}; ${deleteWords(lab, now, reaper, hardStop)} after a ${reaper.graceMinutes} min grace period`,
          now,
          reaper,
        );
  }

  const left = leftSignals(lab, signals, now, policy, rhythms.owner);
  const usage = idleState(lab, signals, now, policy, left.idleMinutes);
  if (usage.idle && lab.phase === 'ready') {
    const action = kind?.idleAction ?? 'suspend';
    const grace = { ...reaper, graceMinutes: left.graceMinutes };
    const words = usage.words + left.words;
    if (warnedLongEnough(lab, now, grace)) {
      return (
        (action === 'delete' && (reaper.restoreWindowHours ?? 0) <= 0
          ? comebackSuspend(lab, words, now, rhythms, hardStop)
          : undefined) ?? act(lab, 'idle', action, words, now, reaper, hardStop)
      );
    }
    if (!lab.reapWarnedAt && usage.lastUse) {
      const held = rhythmHold(
        [...ownerUses, ...useTimes(lab, signals, policy)],
        usage.lastUse,
        now,
        // At most twice the idle window: a quiet stretch is held only while its owner's own pauses say so.
        2 * reaper.idleMinutes,
      );
      if (held.hold) {
        return { labId: lab.id, kind: 'keep', reason: `${usage.words}, but ${held.words}` };
      }
    }
    const actAfter = new Date(now.getTime() + grace.graceMinutes * 60_000);
    const will = action === 'delete' ? deleteWords(lab, now, reaper, hardStop) : 'suspend it';
    return warn(
      lab,
      'idle',
      `${words}; will ${will} after a ${grace.graceMinutes} min grace period` +
        idleCostWords(lab, usage.lastUse, actAfter, policy),
      now,
      grace,
    );
  }
  if (expiry.state === 'expiring') {
    if (lab.reapWarnedAt) {
      return { labId: lab.id, kind: 'keep', reason: `${expiry.words}; owner warned` };
    }
    // In use: no DM now (the owner is at the lab); an expired lab in use is never reaped, and is warned once idle.
    return usage.inUse
      ? { labId: lab.id, kind: 'keep', reason: `${expiry.words}; not warned while ${usage.words}` }
      : warn(lab, 'expiring', expiry.words, now, reaper);
  }
  if (lab.reapWarnedAt) {
    return { labId: lab.id, kind: 'unwarn', reason: `in use again: ${usage.words}` };
  }
  return { labId: lab.id, kind: 'keep', reason: usage.words };
}

/** The in-lab agent's keep-alive interval: two missed calls mean its owner's console or UI session closed. */
export const KEEPALIVE_INTERVAL_MINUTES = 5;

/** The idle window the signals that the owner has left shorten the policy's to (leftSignals). */
function shortestIdleMinutes(policy: LabPolicy): number {
  return Math.ceil(policy.reaper.idleMinutes / 2);
}

/**
 * The idle window planReap judges this lab by at `now` (minutes): the policy's, or shorter once leftSignals say its
 * owner has left. A lab whose latest use is younger than it cannot be idle (usage-reads.ts skips reading it).
 * `signals` are the lab's, oldest first; `rhythms` as planReap takes them.
 */
export function idleWindowMinutes(
  lab: Lab,
  signals: readonly LabSignal[],
  now: Date,
  policy: LabPolicy,
  rhythms?: ReadonlyMap<string, WorkRhythm>,
): number {
  return leftSignals(lab, signals, now, policy, rhythms?.get(rhythmKey('owner', lab.owner))).idleMinutes;
}

/**
 * Signals that the owner has left rather than paused (issue 19): the quiet stretch is past the owner's usual end of day
 * (work-rhythm.ts), which halves the idle window; the warning then also says whether the lab's keep-alive stopped (its
 * agent called while a console or UI session was in use, and no busy CPU or network sample came after its last call).
 * The grace period is never shortened, and a stopped keep-alive alone shortens nothing: an owner at the lab with the
 * console closed (slides on a call, a lecture) looks exactly the same, for up to an hour and a half, and the cost
 * simulation's seed 20260306 had one such owner suspended after 30 + 15 min. `words` (empty or starting with "; ")
 * say why, for the warning.
 */
function leftSignals(
  lab: Lab,
  signals: readonly LabSignal[],
  now: Date,
  policy: LabPolicy,
  owner: WorkRhythm | undefined,
): { idleMinutes: number; graceMinutes: number; words: string } {
  const { idleMinutes, graceMinutes } = policy.reaper;
  const lastUse = latestUse(lab, signals, policy);
  if (lab.phase !== 'ready' || lastUse === undefined) {
    return { idleMinutes, graceMinutes, words: '' };
  }
  const interval = KEEPALIVE_INTERVAL_MINUTES * 60_000;
  const lastCall = signals.filter((s) => s.kind === 'keepalive').at(-1)?.at;
  const stopped =
    lastCall !== undefined &&
    lastUse.at.getTime() - lastCall.getTime() <= interval &&
    now.getTime() - lastCall.getTime() >= 2 * interval;
  const after = afterUsualEnd(owner, lastUse.at, now);
  if (!after.after) {
    return { idleMinutes, graceMinutes, words: '' };
  }
  const shortIdle = shortestIdleMinutes(policy);
  const keepalive = stopped
    ? `; its keep-alive stopped at ${clock(lastCall)} (console closed) and no CPU or network use came after it`
    : '';
  return {
    idleMinutes: shortIdle,
    graceMinutes,
    words: `; it went quiet ${after.words}${keepalive}: judged idle after ${shortIdle} min instead of ${idleMinutes}`,
  };
}

/**
 * With no restore window in the policy, an idle delete of a lab that usually comes back the next working day (its own
 * rhythm, else its owner's) is a suspend until the end of that day instead: the restore path stays open where it is
 * likely needed. Undefined when the comeback is not likely or not known.
 */
function comebackSuspend(
  lab: Lab,
  reason: string,
  now: Date,
  rhythms: LabRhythms,
  hardStop: Date,
): ReapDecision | undefined {
  const rhythm =
    rhythms.lab !== undefined && comebackShare(rhythms.lab) !== undefined ? rhythms.lab : rhythms.owner;
  const share = rhythm === undefined ? undefined : comebackShare(rhythm);
  if (rhythm === undefined || share === undefined || share < 0.5) {
    return undefined;
  }
  const today = now.getTime() - (now.getTime() % 86_400_000);
  const until = new Date(Math.min(nextWorkingDayEnd(today), hardStop.getTime()));
  if (until <= now) {
    return undefined;
  }
  return {
    labId: lab.id,
    kind: 'act',
    cause: 'idle',
    action: 'suspend',
    reason:
      `${reason}; suspended, not deleted: it was used again the next working day after ${rhythm.cameBack} of ` +
      `${rhythm.cameBack + rhythm.stayedAway} working days, so it is deleted at ${clock(until)} unless brought back`,
    restoreUntil: until,
  };
}

/**
 * A lab in its restore window: kept until the window ends, then deleted if it is still suspended and nobody asked
 * for it (a resume clears the window; `decide` saw desired = suspended already).
 */
function restoreWindow(lab: Lab, until: Date, now: Date): ReapDecision {
  if (now < until) {
    return {
      labId: lab.id,
      kind: 'keep',
      reason: `suspended in its restore window: deleted at ${clock(until)} unless its owner brings it back (\`/lab resume ${lab.id}\`)`,
    };
  }
  return {
    labId: lab.id,
    kind: 'act',
    cause: 'idle',
    action: 'delete',
    reason: `unclaimed through its restore window (ended ${clock(until)}): still suspended, nobody resumed it`,
  };
}

/**
 * The act after a warning's grace period. A delete of a running lab becomes a suspend for the restore window (never
 * past the maximum lifetime) when the policy has one, so a lab needed again is resumed instead of redeployed.
 */
function act(
  lab: Lab,
  cause: ReapCause,
  action: 'suspend' | 'delete',
  reason: string,
  now: Date,
  reaper: ReaperPolicy,
  hardStop: Date,
): ReapDecision {
  const until = restoreUntil(lab, now, reaper, hardStop);
  if (action === 'delete' && until !== undefined) {
    return {
      labId: lab.id,
      kind: 'act',
      cause,
      action: 'suspend',
      reason: `${reason}; ${lab.phase === 'suspended' ? 'stays suspended' : 'suspended'}, not deleted: deleted at ${clock(until)} unless its owner brings it back`,
      restoreUntil: until,
    };
  }
  return { labId: lab.id, kind: 'act', cause, action, reason };
}

/** End of the restore window a delete at `now` would get; undefined when there is none (no window, or no time left). */
function restoreUntil(lab: Lab, now: Date, reaper: ReaperPolicy, hardStop: Date): Date | undefined {
  const hours = reaper.restoreWindowHours ?? 0;
  if (hours <= 0 || (lab.phase !== 'ready' && lab.phase !== 'suspended')) {
    return undefined;
  }
  const until = new Date(Math.min(now.getTime() + hours * 3_600_000, hardStop.getTime()));
  return until > now ? until : undefined;
}

function deleteWords(lab: Lab, now: Date, reaper: ReaperPolicy, hardStop: Date): string {
  const until = restoreUntil(lab, now, reaper, hardStop);
  return until === undefined
    ? 'delete it'
    : `suspend it for a ${reaper.restoreWindowHours ?? 0} h restore window, then delete it`;
}

/** What an idle lab will have cost since its last use by the time it would be acted on. */
function idleCostWords(lab: Lab, lastUse: Date | undefined, actAfter: Date, policy: LabPolicy): string {
  if (lastUse === undefined) {
    return '';
  }
  const hours = (actAfter.getTime() - lastUse.getTime()) / 3_600_000;
  const cost = hourlyRate(lab.spec, policy.rates).total * hours;
  return ` (by then it will have cost ${formatUsd(cost)} unused since ${clock(lastUse)})`;
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
  /** Used within idleMinutes: someone is (very likely) at the lab. */
  inUse: boolean;
  words: string;
  lastUse?: Date;
}

function idleState(
  lab: Lab,
  signals: LabSignal[],
  now: Date,
  policy: LabPolicy,
  /** The idle window: the policy's, or shorter where leftSignals say the owner has left. */
  idleWindow: number,
): IdleState {
  if (lab.phase === 'suspended') {
    return { idle: false, inUse: false, words: 'suspended (storage only)' };
  }
  const template = idleThresholds(lab, policy);
  const windowStart = now.getTime() - idleWindow * 60_000;
  const latestCpu = signals.filter((s) => s.kind === 'cpu' && s.value !== undefined).at(-1);
  const lastUse = latestUse(lab, signals, policy);
  if (lastUse && lastUse.at.getTime() > windowStart) {
    return { idle: false, inUse: true, words: `in use: ${lastUse.words}`, lastUse: lastUse.at };
  }
  if (!latestCpu || latestCpu.at.getTime() <= windowStart) {
    return { idle: false, inUse: false, words: 'no recent CPU metrics, so not judged idle' };
  }
  const idleMinutes = lastUse ? (now.getTime() - lastUse.at.getTime()) / 60_000 : idleWindow;
  const slack = lab.lastActivityAt
    ? `no Slack activity since ${clock(lab.lastActivityAt)}`
    : 'no Slack activity';
  // Every signal that could have shown a use, so the owner can see what the reaper looked at.
  const latestNet = signals.filter((s) => s.kind === 'network' && s.value !== undefined).at(-1);
  const network =
    latestNet && latestNet.at.getTime() > windowStart
      ? `network ${Math.round(latestNet.value ?? 0)} KB/s < ${template.idleNetworkKbps} KB/s`
      : 'no network traffic recorded';
  const keepalive = signals.some((s) => s.kind === 'keepalive')
    ? 'no keep-alive call since ' + clock(signals.filter((s) => s.kind === 'keepalive').at(-1)?.at ?? now)
    : 'no keep-alive call';
  return {
    idle: true,
    inUse: false,
    words: `idle ${Math.round(idleMinutes)} min: CPU ${pct(latestCpu.value)} < ${template.idleCpuPercent}% threshold, ${network}, ${keepalive}, ${slack}`,
    ...(lastUse ? { lastUse: lastUse.at } : {}),
  };
}

/** Every use the lab's record and signals show (not only the latest): the rhythm learns its pauses from them. */
function useTimes(lab: Lab, signals: readonly LabSignal[], policy: LabPolicy): Date[] {
  const template = idleThresholds(lab, policy);
  return [
    ...(lab.lastActivityAt ? [lab.lastActivityAt] : []),
    ...signals
      .filter(
        (s) =>
          s.kind === 'keepalive' ||
          (s.kind === 'cpu' && (s.value ?? 0) >= template.idleCpuPercent) ||
          (s.kind === 'network' && (s.value ?? 0) >= template.idleNetworkKbps),
      )
      .map((s) => s.at),
  ];
}

/** Each owner's uses across all their labs: a pause they came back from on one lab says how they work. */
function usesByOwner(
  labs: readonly Lab[],
  byLab: ReadonlyMap<string, LabSignal[]>,
  policy: LabPolicy,
): Map<string, Date[]> {
  const uses = new Map<string, Date[]>();
  for (const lab of labs) {
    uses.set(lab.owner, [...(uses.get(lab.owner) ?? []), ...useTimes(lab, byLab.get(lab.id) ?? [], policy)]);
  }
  return uses;
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
