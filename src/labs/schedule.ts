/**
 * Scheduled labs (issue 18 item 2), pure: when to start a deploy so that the lab is ready at the time its owner asked
 * for, learned from the template's recent deploys; and when to tell the owner it will be late.
 */
import { formatMinutes } from './duration';
import { isTerminal, type Lab } from './lab';
import { type SchedulePolicy } from './policy';

/** How many of a template's latest deploys the expected deploy time is learned from. */
export const DEPLOY_HISTORY_SIZE = 20;
/** Fewer deploys than this and the configured default is used: two samples say little about a p90. */
export const MIN_DEPLOY_SAMPLES = 5;
/**
 * The controller looks for due labs once a pass (a minute): a deploy starts up to a pass late, so it is planned a pass
 * early.
 */
export const PICKUP_MINUTES = 1;

/** The deploy time a schedule plans with, and where it comes from (for the audit log and the reply). */
export interface ExpectedDeploy {
  minutes: number;
  /** `p90 of 20 deploys`, or `default` when there were too few to learn from. */
  source: string;
}

/**
 * The p90 (nearest rank) of the recent deploy durations, rounded up to a minute; the default with fewer than
 * MIN_DEPLOY_SAMPLES. The p90 rather than the mean: a lab ready late ruins a meeting, one ready a few minutes early
 * costs cents.
 */
export function expectedDeployMinutes(durations: readonly number[], defaultMinutes: number): ExpectedDeploy {
  const valid = durations.filter((d) => Number.isFinite(d) && d >= 0).sort((a, b) => a - b);
  if (valid.length < MIN_DEPLOY_SAMPLES) {
    return { minutes: defaultMinutes, source: `default (${valid.length} recent deploys)` };
  }
  const rank = Math.ceil(0.9 * valid.length);
  const p90 = valid[rank - 1] ?? defaultMinutes;
  return { minutes: Math.max(1, Math.ceil(p90)), source: `p90 of ${valid.length} recent deploys` };
}

export interface SchedulePlan {
  deployAt: Date;
  /** The deploy starts now and still may not be ready in time: the owner is told at once. */
  tight: boolean;
}

/** When to start the deploy: the ready-by time minus the expected deploy time and a pass; never before now. */
export function planDeploy(readyBy: Date, now: Date, expected: ExpectedDeploy): SchedulePlan {
  const wanted = readyBy.getTime() - (expected.minutes + PICKUP_MINUTES) * 60_000;
  return wanted <= now.getTime()
    ? { deployAt: now, tight: true }
    : { deployAt: new Date(wanted), tight: false };
}

/**
 * Why the owner of a scheduled lab must hear now that it will be late, in words for them; undefined when not (or
 * when they were told already). Late means: not ready `lateWarningMinutes` before its ready-by time, or its deploy has
 * not started a pass and more after its deploy time (no replica picked it up). A failed deploy is reported by the
 * failure notice itself.
 */
export function lateNotice(lab: Lab, now: Date, policy: SchedulePolicy): string | undefined {
  if (
    lab.readyBy === undefined ||
    lab.lateWarnedAt !== undefined ||
    lab.readyAt !== undefined ||
    lab.desired === 'deleted' ||
    isTerminal(lab) ||
    lab.readyBy.getTime() <= lab.createdAt.getTime()
  ) {
    return undefined;
  }
  const left = (lab.readyBy.getTime() - now.getTime()) / 60_000;
  const notStarted =
    lab.phase === 'scheduled' &&
    lab.deployAt !== undefined &&
    now.getTime() - lab.deployAt.getTime() > 5 * PICKUP_MINUTES * 60_000;
  if (left > policy.lateWarningMinutes && !notStarted) {
    return undefined;
  }
  const when = left > 0 ? `in ${formatMinutes(left)}` : `${formatMinutes(-left)} ago`;
  const state = lab.phase === 'scheduled' ? 'its deploy has not started yet' : `it is still ${lab.phase}`;
  return `Lab ${lab.id} is running late: it should be ready ${when} but ${state}. labbot keeps going and tells you when it is ready; if the meeting cannot wait, deploy another lab or tell the attendees.`;
}
