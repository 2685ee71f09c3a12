/**
 * Durations as users type them: `4h`, `90m`, `2d`, `1h30m`, `1.5h`. Pure.
 */
const UNIT_MINUTES: Record<string, number> = { m: 1, min: 1, h: 60, hr: 60, d: 1440, w: 10080 };
const PART = /(\d+(?:\.\d+)?)\s*(min|m|hr|h|d|w)/gy;

/** Minutes in a duration text, or undefined when it is not one (or is zero or longer than a year). */
export function parseDurationMinutes(text: string): number | undefined {
  const compact = text.trim().toLowerCase();
  if (compact === '' || compact.length > 20) {
    return undefined;
  }
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(compact); m; m = PART.exec(compact)) {
    total += Number(m[1]) * (UNIT_MINUTES[m[2] ?? ''] ?? NaN);
    consumed = PART.lastIndex;
  }
  if (consumed !== compact.length || !Number.isFinite(total)) {
    return undefined;
  }
  const minutes = Math.round(total);
  return minutes > 0 && minutes <= 366 * 1440 ? minutes : undefined;
}

/** `1h 30m`, `3d 4h`, `45m`: the largest two units, for messages. */
export function formatMinutes(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  const days = Math.floor(m / 1440);
  const hours = Math.floor((m % 1440) / 60);
  const mins = m % 60;
  if (days > 0) {
    return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  }
  if (hours > 0) {
    return mins > 0 ? `${hours}h ${mins}m` : `${hours}h`;
  }
  return `${mins}m`;
}
