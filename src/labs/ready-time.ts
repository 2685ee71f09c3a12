/**
 * When a scheduled lab must be ready, as people type it after `at` or `ready by`: `14:00`, `2pm`, `2:30 pm`,
 * `tomorrow 9:00`, `monday 10:30`, `2026-12-03 09:00`, `2026-12-03T09:00+01:00`. Pure: the clock and the user's time
 * zone are passed in. Wall-clock times are read in the user's IANA time zone with Intl's zone data, so a time that a
 * daylight-saving change skips or repeats is refused rather than silently moved by an hour.
 */

/** The instant, or a problem written for the person who typed it. */
export type ReadyTimeResult = { at: Date } | { problem: string };

export interface ReadyTimeOptions {
  /** How far ahead a lab may be scheduled, in days. */
  maxDaysAhead: number;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const TIME = /^(\d{1,2})(?::(\d{2}))?(am|pm)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 8601 date and time in one word; with `Z` or an offset it is an instant, without it a wall-clock time. */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})t(\d{2}):(\d{2})(?::(\d{2}))?(z|[+-]\d{2}:?\d{2})?$/;

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

interface LocalTime {
  hour: number;
  minute: number;
}

/** A day as typed: a date, a weekday, or today/tomorrow (an offset in days). */
type DaySpec = { date: LocalDate } | { weekday: number } | { offsetDays: number };

/**
 * True for a word that can be part of a ready time (a day, a time, am/pm): command parsers read a ready time up to
 * the first word that is not one (`at 14:00 for 2h`).
 */
export function isTimeWord(word: string): boolean {
  const lower = word.toLowerCase();
  return (
    lower === 'am' ||
    lower === 'pm' ||
    TIME.test(lower) ||
    ISO_DATE_TIME.test(lower) ||
    readDay(lower) !== undefined
  );
}

/**
 * The instant `words` name, in `timeZone`, strictly after `now` and at most `maxDaysAhead` days ahead.
 * A time without a day means today: if it has passed, the answer is a problem (never tomorrow by surprise).
 * A weekday means its next occurrence, today included when the time is still ahead.
 */
export function parseReadyTime(
  words: readonly string[],
  now: Date,
  timeZone: string,
  options: ReadyTimeOptions = { maxDaysAhead: 14 },
): ReadyTimeResult {
  if (!isTimeZone(timeZone)) {
    return { problem: `"${clip(timeZone)}" is not a time zone labbot knows.` };
  }
  const typed = words.join(' ').trim();
  if (typed === '') {
    return { problem: 'say when, e.g. `at 14:00`, `ready by tomorrow 9:00` or `at monday 10:30`' };
  }
  const parsed = readWords(words.map((w) => w.toLowerCase()));
  if ('problem' in parsed) {
    return parsed;
  }
  let at: Date;
  let said = clip(typed);
  if ('instant' in parsed) {
    at = parsed.instant;
  } else {
    const day = resolveDay(parsed.day, parsed.time, now, timeZone);
    const local = fromWallClock(day, parsed.time, timeZone);
    if ('problem' in local) {
      return local;
    }
    at = local.at;
    if (!('offsetDays' in parsed.day) || parsed.day.offsetDays !== 0 || parsed.explicitDay) {
      said = `${clip(typed)} (${formatDay(day)})`;
    }
  }
  if (at.getTime() <= now.getTime()) {
    return {
      problem:
        'offsetDays' in parsed.day && !parsed.explicitDay
          ? `${said} today has already passed; say \`tomorrow ${clip(typed)}\` or a weekday.`
          : `${said} has already passed.`,
    };
  }
  if (at.getTime() - now.getTime() > options.maxDaysAhead * 86_400_000) {
    return {
      problem: `${said} is more than ${options.maxDaysAhead} days ahead; labs can be scheduled at most ${options.maxDaysAhead} days in advance.`,
    };
  }
  return { at };
}

type Parsed =
  | { instant: Date; day: DaySpec; explicitDay: true }
  | { day: DaySpec; time: LocalTime; explicitDay: boolean }
  | { problem: string };

/** Reads a day word (optional) and a time (one word, or a number then am/pm), in either order. */
function readWords(words: readonly string[]): Parsed {
  if (words.length === 1) {
    const iso = ISO_DATE_TIME.exec(words[0] ?? '');
    if (iso) {
      return readIsoDateTime(iso);
    }
  }
  let day: DaySpec | undefined;
  let time: LocalTime | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const next = words[i + 1];
    const asDay = readDay(word);
    if (asDay !== undefined) {
      if ('problem' in asDay) {
        return asDay;
      }
      if (day !== undefined) {
        return { problem: `give one day, not "${clip(words.join(' '))}"` };
      }
      day = asDay;
      continue;
    }
    // `2 pm`: the am/pm as its own word.
    const joined = next === 'am' || next === 'pm' ? `${word}${next}` : word;
    const asTime = readTime(joined);
    if (asTime === undefined) {
      return { problem: `"${clip(word)}" is not a time such as 14:00, 2pm, tomorrow 9:00 or monday 10:30` };
    }
    if ('problem' in asTime) {
      return asTime;
    }
    if (time !== undefined) {
      return { problem: `give one time, not "${clip(words.join(' '))}"` };
    }
    time = asTime;
    if (joined !== word) {
      i++;
    }
  }
  if (time === undefined) {
    return { problem: 'say the time too, e.g. `tomorrow 9:00`' };
  }
  return { day: day ?? { offsetDays: 0 }, time, explicitDay: day !== undefined };
}

function readIsoDateTime(match: RegExpExecArray): Parsed {
  const [, y, mo, d, h, mi, s, zone] = match;
  const date = validDate(Number(y), Number(mo), Number(d));
  const time = validTime(Number(h), Number(mi));
  if (date === undefined || time === undefined || (s !== undefined && Number(s) > 59)) {
    return { problem: `"${clip(match[0])}" is not a valid date and time` };
  }
  if (zone === undefined) {
    return { day: { date }, time, explicitDay: true };
  }
  let offsetMinutes = 0;
  if (zone !== 'z') {
    const digits = zone.replace(':', '');
    offsetMinutes =
      (digits.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
    if (Math.abs(offsetMinutes) > 14 * 60) {
      return { problem: `"${clip(zone)}" is not a UTC offset` };
    }
  }
  const utc = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute, Number(s ?? 0));
  return { instant: new Date(utc - offsetMinutes * 60_000), day: { date }, explicitDay: true };
}

function readDay(word: string): DaySpec | { problem: string } | undefined {
  if (word === 'today') {
    return { offsetDays: 0 };
  }
  if (word === 'tomorrow') {
    return { offsetDays: 1 };
  }
  const weekday = WEEKDAYS.findIndex((name) => word.length >= 3 && name.startsWith(word));
  if (weekday >= 0) {
    return { weekday };
  }
  const iso = ISO_DATE.exec(word);
  if (iso) {
    const date = validDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    return date === undefined ? { problem: `"${clip(word)}" is not a valid date` } : { date };
  }
  return undefined;
}

function readTime(word: string): LocalTime | { problem: string } | undefined {
  const match = TIME.exec(word);
  if (!match) {
    return undefined;
  }
  const [, h, m, meridiem] = match;
  let hour = Number(h);
  const minute = m === undefined ? 0 : Number(m);
  if (meridiem === undefined && m === undefined) {
    // `9` alone: 9:00 or 21:00? Ask rather than guess.
    return { problem: `"${clip(word)}" is ambiguous: say ${hour}:00 or ${hour}am/${hour}pm` };
  }
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) {
      return { problem: `"${clip(word)}" is not a time: with am/pm the hour is 1 to 12` };
    }
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  }
  return validTime(hour, minute) ?? { problem: `"${clip(word)}" is not a time of day` };
}

function validDate(year: number, month: number, day: number): LocalDate | undefined {
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day
    ? { year, month, day }
    : undefined;
}

function validTime(hour: number, minute: number): LocalTime | undefined {
  return hour <= 23 && minute <= 59 ? { hour, minute } : undefined;
}

/** The calendar day the spec names, from the user's today. */
function resolveDay(spec: DaySpec, time: LocalTime, now: Date, timeZone: string): LocalDate {
  if ('date' in spec) {
    return spec.date;
  }
  const today = wallClock(now, timeZone);
  if ('offsetDays' in spec) {
    return addDays(today, spec.offsetDays);
  }
  const todayWeekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay();
  let ahead = (spec.weekday - todayWeekday + 7) % 7;
  if (ahead === 0 && (time.hour < today.hour || (time.hour === today.hour && time.minute <= today.minute))) {
    ahead = 7;
  }
  return addDays(today, ahead);
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instant at which the wall clock of `timeZone` shows `date time`. Tries the zone's offsets from a day before and
 * a day after (the two sides of any daylight-saving change): none matching means the clocks skip that time, two
 * matching means it happens twice.
 */
function fromWallClock(
  date: LocalDate,
  time: LocalTime,
  timeZone: string,
): { at: Date } | { problem: string } {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute);
  const offsets = new Set([offsetMs(asUtc - 86_400_000, timeZone), offsetMs(asUtc + 86_400_000, timeZone)]);
  const matches = [...offsets]
    .map((offset) => asUtc - offset)
    .filter((candidate) => offsetMs(candidate, timeZone) === asUtc - candidate)
    .sort((a, b) => a - b);
  const shown = `${formatDay(date)} ${pad(time.hour)}:${pad(time.minute)}`;
  if (matches.length === 0) {
    return {
      problem: `${shown} does not exist in ${timeZone} (the clocks skip it for daylight saving); pick another time.`,
    };
  }
  if (matches.length > 1) {
    return {
      problem: `${shown} happens twice in ${timeZone} (the clocks go back); give it with its UTC offset, e.g. ${isoLocal(date, time)}${formatOffset(-(matches[0] ?? 0) + asUtc)}.`,
    };
  }
  return { at: new Date(matches[0] ?? asUtc) };
}

interface WallClock extends LocalDate, LocalTime {}

const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = FORMATTERS.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    FORMATTERS.set(timeZone, f);
  }
  return f;
}

/** What the wall clock of `timeZone` shows at `at`. */
export function wallClock(at: Date, timeZone: string): WallClock & { second: number } {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') {
      parts[part.type] = Number(part.value);
    }
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at instant `utcMs`, in milliseconds (positive east of Greenwich). */
function offsetMs(utcMs: number, timeZone: string): number {
  const wall = wallClock(new Date(utcMs), timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The zone's offset from UTC at `at`, in whole minutes (positive east of Greenwich). */
export function utcOffsetMinutesAt(at: Date, timeZone: string): number {
  return Math.round(offsetMs(at.getTime(), timeZone) / 60_000);
}

/** True when Intl knows the IANA zone name. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * `Thu 3 Dec 14:00 CET`: an instant as the user's wall clock shows it, for replies and `/lab list`. Falls back to UTC
 * for a zone Intl does not know.
 */
export function formatReadyTime(at: Date, timeZone: string): string {
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  })
    .format(at)
    .replace(',', '');
}

function formatDay(date: LocalDate): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

function isoLocal(date: LocalDate, time: LocalTime): string {
  return `${formatDay(date)}T${pad(time.hour)}:${pad(time.minute)}`;
}

function formatOffset(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Keeps echoed user text short. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
