/**
 * Timestamps as every table stores them: `Date#toISOString` text for the years 0000–9999 (schema.ts says why).
 * Fixed width, so text order is time order and `<` on the column compares times.
 */

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A date as stored.
 * @param what names the value in the error message, e.g. `lab demo-4kq: createdAt`.
 * @throws RangeError when the date is invalid or outside the years 0–9999 (it would not sort as text).
 */
export function timestampToText(date: Date, what: string): string {
  const text = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  if (!ISO_UTC.test(text)) {
    throw new RangeError(`${what} must be a valid date in the years 0–9999, got ${String(date)}`);
  }
  return text;
}

/** Days in each month of a common year; February gains one in leap years. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** 400 Gregorian years, in milliseconds: the calendar repeats after them (146,097 days). */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

/** The decimal number in `text` at [start, start + length), which holds digits only. */
function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    value = value * 10 + text.charCodeAt(i) - 48;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * The date a stored timestamp holds, or undefined when the text is not one labbot writes: exactly what
 * `Date#toISOString` gives for some date, so a date the parser would quietly roll over (February 30th, 24:00) is
 * refused. The fields are checked and combined as numbers rather than by parsing the text and printing the date
 * back: every lab row holds up to a dozen timestamps, and the round trip was a visible part of a `/lab list` ack's
 * CPU (issue 17 target 4).
 */
export function textToTimestamp(text: string): Date | undefined {
  if (!ISO_UTC.test(text)) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  // Date.UTC reads the years 0–99 as 1900–1999; four centuries later the calendar is the same, so shift and back.
  return new Date(
    Date.UTC(year + 400, month - 1, day, hour, minute, second, digitsAt(text, 20, 3)) - FOUR_CENTURIES_MS,
  );
}

/**
 * `now + ttlMs` as stored, for leases.
 * @throws RangeError when `ttlMs` is not a positive finite number or the result is not storable.
 */
export function leaseExpiry(now: Date, ttlMs: number, what: string): string {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`${what}: ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
  return timestampToText(new Date(now.getTime() + ttlMs), `${what}: expiry`);
}
