/**
 * The owner's working day (issue 19 item 2, beyond one afternoon): rhythm.ts sees only the reaper's ~3 h of signal
 * history, so it knows lunch and meeting pauses but not nights or the next working day. A WorkRhythm is a compact,
 * fixed-size profile of one subject (an owner, or one lab) folded from its uses over days and weeks: per weekday the
 * usual start and end of its working day, and how often it came back the next working day after a day's work. The
 * reaper persists one per owner and per lab (store migration 015) and updates it every cycle. Pure.
 *
 * A "working day" is a run of uses with no gap of NIGHT_GAP_MINUTES or more: an owner whose evening runs past
 * midnight UTC keeps one day. Its weekday is the UTC date of its first use; times are minutes after that date's
 * midnight UTC (so an end past midnight is above 1440). Weekends are Saturday and Sunday of that date.
 */

/** A gap this long between two uses ends a working day: longer than any lunch or meeting, shorter than a night. */
export const NIGHT_GAP_MINUTES = 6 * 60;
/** Working days observed before the profile's usual end of day is used in a decision. */
export const MIN_DAYS = 5;
/** Each new day moves the usual start and end this share of the way towards it (an exponential average). */
const SMOOTHING = 1 / 3;
/** The usual end of day is the average end plus this many average deviations from it. */
const END_MARGIN_SPREADS = 2;
const DAY_MS = 86_400_000;

/** One weekday's habit: days observed, usual first and last use (minutes after midnight UTC) and the end's spread. */
export interface DayHabit {
  days: number;
  start: number;
  end: number;
  /** Average distance of a day's end from the usual end, in minutes: how regular the end of day is. */
  endSpread: number;
}

export interface WorkRhythm {
  /** Sunday (0) to Saturday (6), UTC; null before a day of that weekday was observed. */
  weekdays: (DayHabit | null)[];
  /** The working day under way: the UTC date of its first use (ms at midnight), its first and last use (ms). */
  day?: { date: number; first: number; last: number };
  /** Working days after which the subject was used again by the end of the next working day, and those not. */
  cameBack: number;
  stayedAway: number;
  /** The latest use folded in (ms); uses at or before it are not counted again. */
  seenUntil?: number;
}

export function emptyRhythm(): WorkRhythm {
  return { weekdays: [null, null, null, null, null, null, null], cameBack: 0, stayedAway: 0 };
}

/**
 * The rhythm with `uses` (any order; those already folded in are skipped) folded in at `now`. A working day is closed
 * when a use comes NIGHT_GAP_MINUTES or more after its last one (it came back, or stayed away, depending on whether
 * that use is by the end of the next working day), or when `now` is past the end of the next working day with no use.
 */
export function observeUses(rhythm: WorkRhythm, uses: readonly Date[], now: Date): WorkRhythm {
  let next: WorkRhythm = { ...rhythm, weekdays: [...rhythm.weekdays] };
  const fresh = uses
    .map((u) => u.getTime())
    .filter((t) => t > (rhythm.seenUntil ?? -Infinity) && t <= now.getTime())
    .sort((a, b) => a - b);
  for (const t of fresh) {
    const day = next.day;
    if (day === undefined) {
      next.day = { date: midnight(t), first: t, last: t };
    } else if (t - day.last >= NIGHT_GAP_MINUTES * 60_000) {
      next = closeDay(next, day, t < nextWorkingDayEnd(day.date));
      next.day = { date: midnight(t), first: t, last: t };
    } else {
      next.day = { ...day, last: t };
    }
    next.seenUntil = t;
  }
  const open = next.day;
  if (open !== undefined && now.getTime() >= nextWorkingDayEnd(open.date)) {
    next = closeDay(next, open, false);
    delete next.day;
  }
  return next;
}

function closeDay(rhythm: WorkRhythm, day: NonNullable<WorkRhythm['day']>, cameBack: boolean): WorkRhythm {
  const weekday = new Date(day.date).getUTCDay();
  const start = (day.first - day.date) / 60_000;
  const end = (day.last - day.date) / 60_000;
  const old = rhythm.weekdays[weekday];
  const habit: DayHabit =
    old === null || old === undefined
      ? { days: 1, start, end, endSpread: 0 }
      : {
          days: old.days + 1,
          start: old.start + SMOOTHING * (start - old.start),
          end: old.end + SMOOTHING * (end - old.end),
          endSpread: old.endSpread + SMOOTHING * (Math.abs(end - old.end) - old.endSpread),
        };
  const weekdays = [...rhythm.weekdays];
  weekdays[weekday] = habit;
  return {
    ...rhythm,
    weekdays,
    cameBack: rhythm.cameBack + (cameBack ? 1 : 0),
    stayedAway: rhythm.stayedAway + (cameBack ? 0 : 1),
  };
}

/**
 * The usual end of the working day that began on `date` (ms at midnight UTC), in minutes after that midnight: its
 * weekday's habit once seen on 2 days or more, else all weekdays pooled; undefined before MIN_DAYS days in all. The end
 * plus twice its spread: a day ending later than usual by its usual margin, or twice that, is still an ordinary day.
 */
export function usualEnd(rhythm: WorkRhythm, date: number): { minute: number; days: number } | undefined {
  const seen = rhythm.weekdays.filter((h): h is DayHabit => h !== null && h !== undefined);
  const days = seen.reduce((sum, h) => sum + h.days, 0);
  if (days < MIN_DAYS) {
    return undefined;
  }
  const own = rhythm.weekdays[new Date(date).getUTCDay()];
  if (own !== null && own !== undefined && own.days >= 2) {
    return { minute: own.end + END_MARGIN_SPREADS * own.endSpread, days };
  }
  const pooled = (pick: (h: DayHabit) => number) => seen.reduce((sum, h) => sum + pick(h) * h.days, 0) / days;
  return { minute: pooled((h) => h.end) + END_MARGIN_SPREADS * pooled((h) => h.endSpread), days };
}

/** Share of observed working days after which the subject came back the next working day; undefined under MIN_DAYS. */
export function comebackShare(rhythm: WorkRhythm): number | undefined {
  const total = rhythm.cameBack + rhythm.stayedAway;
  return total < MIN_DAYS ? undefined : rhythm.cameBack / total;
}

export interface AfterHours {
  after: boolean;
  /** Why, in words for the warning. */
  words: string;
}

/**
 * Whether a lab quiet since `lastUse` is quiet after its owner's usual end of day: the owner's working day under way
 * began on the date of `lastUse`'s day, and both `lastUse` is within it and `now` is past its usual end. Then nobody is
 * expected back tonight, and the reaper may act sooner (plan-reap.ts).
 */
export function afterUsualEnd(owner: WorkRhythm | undefined, lastUse: Date, now: Date): AfterHours {
  const day = owner?.day;
  if (owner === undefined || day === undefined || lastUse.getTime() < day.first) {
    return { after: false, words: 'its owner has no working day on record' };
  }
  const end = usualEnd(owner, day.date);
  if (end === undefined) {
    return { after: false, words: `its owner's working days are not known yet (under ${MIN_DAYS} days)` };
  }
  const endAt = day.date + Math.round(end.minute) * 60_000;
  if (now.getTime() < endAt) {
    return { after: false, words: `before its owner's usual end of day (${clock(endAt)})` };
  }
  return {
    after: true,
    words: `after its owner's usual end of day (${clock(endAt)}, learned over ${end.days} working days): nobody is expected back tonight`,
  };
}

/** End of the next working day after the day starting at `date` (midnight UTC, ms), weekends skipped. */
export function nextWorkingDayEnd(date: number): number {
  let next = date + DAY_MS;
  while ([0, 6].includes(new Date(next).getUTCDay())) {
    next += DAY_MS;
  }
  return next + DAY_MS;
}

function midnight(t: number): number {
  return t - (t % DAY_MS);
}

function clock(t: number): string {
  return `${new Date(t).toISOString().slice(11, 16)} UTC`;
}

/** The persisted form (JSON text); `parseRhythm` reads it back, refusing anything else. */
export function rhythmToJson(rhythm: WorkRhythm): string {
  return JSON.stringify(rhythm);
}

/** A stored rhythm, checked field by field; undefined when the text is not one (the caller starts afresh). */
export function parseRhythm(text: string): WorkRhythm | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const habit = (h: unknown): h is DayHabit | null =>
    h === null ||
    (typeof h === 'object' &&
      ['days', 'start', 'end', 'endSpread'].every((k) => num((h as Record<string, unknown>)[k])));
  const day = v['day'] as Record<string, unknown> | null | undefined;
  if (
    !Array.isArray(v['weekdays']) ||
    v['weekdays'].length !== 7 ||
    !v['weekdays'].every(habit) ||
    !num(v['cameBack']) ||
    !num(v['stayedAway']) ||
    (v['seenUntil'] !== undefined && !num(v['seenUntil'])) ||
    (day !== undefined &&
      (typeof day !== 'object' ||
        day === null ||
        !num(day['date']) ||
        !num(day['first']) ||
        !num(day['last'])))
  ) {
    return undefined;
  }
  return value as WorkRhythm;
}
