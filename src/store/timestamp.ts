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

/**
 * The date a stored timestamp holds, or undefined when the text is not one labbot writes. The round trip also
 * catches dates the parser would quietly roll over (February 30th becomes March 2nd).
 */
export function textToTimestamp(text: string): Date | undefined {
  if (!ISO_UTC.test(text)) {
    return undefined;
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) || date.toISOString() !== text ? undefined : date;
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
