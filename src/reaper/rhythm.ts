/**
 * The owner's rhythm (issue 19 item 2): from the times a lab and its owner's other labs were used (busy CPU or
 * network samples, keep-alive calls, Slack activity), learn how long this owner pauses and comes back (lunch, a
 * meeting, a call), so that a quiet stretch inside a working session draws no warning. Pure: the reaper's signal
 * history is the input, a decision in words the output.
 *
 * What it can learn is bounded by the history the reaper keeps (twice idle + grace, see run-reap-cycle.ts): pauses
 * within a day. Nights and the next working day are not held here: a quiet lab at night is reaped as before, and the
 * restore window (plan-reap.ts) makes a delete of a lab needed again the next day a resume instead of a redeploy.
 */

/** Gaps shorter than this between two uses are part of the work itself, not a pause. */
export const MIN_PAUSE_MINUTES = 10;
/** A session: uses spanning at least this long before the quiet stretch (a lab deployed and left is no session). */
export const MIN_SESSION_MINUTES = 20;

export interface RhythmHold {
  hold: boolean;
  /** Why, in words for the plan and the audit log. */
  words: string;
  /** With `hold`: when the quiet stretch would outlast the longest pause the owner came back from. */
  until?: Date;
}

/**
 * Whether a lab quiet since `lastUse` should be left unwarned at `now`: it was in a working session (uses spanning
 * MIN_SESSION_MINUTES up to `lastUse`), and its owner came back from a longer pause in the history (this lab's or
 * another of theirs), which `maxHoldMinutes` caps so an owner's one long lunch cannot keep every lab on for hours.
 * `uses` are the lab's and its owner's use times in the history, any order; those after `now` are ignored.
 */
export function rhythmHold(
  uses: readonly Date[],
  lastUse: Date,
  now: Date,
  maxHoldMinutes: number,
): RhythmHold {
  const times = uses
    .map((u) => u.getTime())
    .filter((t) => t <= lastUse.getTime())
    .sort((a, b) => a - b);
  const quiet = minutes(now.getTime() - lastUse.getTime());
  const first = times[0];
  if (first === undefined || minutes(lastUse.getTime() - first) < MIN_SESSION_MINUTES) {
    return { hold: false, words: 'no working session before the quiet stretch' };
  }
  const longest = longestPause(times);
  if (longest < MIN_PAUSE_MINUTES) {
    return { hold: false, words: 'its owner took no pause in the history to learn from' };
  }
  const limit = Math.min(longest, maxHoldMinutes);
  if (quiet >= limit) {
    return {
      hold: false,
      words: `quiet ${Math.round(quiet)} min, longer than its owner's usual pause (${Math.round(limit)} min)`,
    };
  }
  const until = new Date(lastUse.getTime() + limit * 60_000);
  return {
    hold: true,
    until,
    words:
      `quiet ${Math.round(quiet)} min inside a working session; its owner came back from a ` +
      `${Math.round(longest)} min pause earlier, so no warning before ${until.toISOString().slice(11, 16)} UTC`,
  };
}

/** The longest gap (minutes) between two consecutive uses: a pause its owner came back from. */
export function longestPause(sortedTimes: readonly number[]): number {
  let longest = 0;
  for (let i = 1; i < sortedTimes.length; i++) {
    longest = Math.max(longest, minutes((sortedTimes[i] ?? 0) - (sortedTimes[i - 1] ?? 0)));
  }
  return longest;
}

const minutes = (ms: number): number => ms / 60_000;
