import { formatReadyTime, parseReadyTime } from '../../src/labs/ready-time';

// Wednesday 2 December 2026, 10:30 UTC = 11:30 in Paris (CET, +01:00), 05:30 in New York (EST, -05:00).
const NOW = new Date('2026-12-02T10:30:00Z');

function at(words: string, timeZone = 'Europe/Paris', now = NOW): string {
  const result = parseReadyTime(words.split(' '), now, timeZone);
  return 'at' in result ? result.at.toISOString() : `problem: ${result.problem}`;
}

describe('parseReadyTime', () => {
  it.each([
    ['14:00', '2026-12-02T13:00:00.000Z'],
    ['2pm', '2026-12-02T13:00:00.000Z'],
    ['2 pm', '2026-12-02T13:00:00.000Z'],
    ['2:30pm', '2026-12-02T13:30:00.000Z'],
    ['12am tomorrow', '2026-12-02T23:00:00.000Z'],
    ['12pm', '2026-12-02T11:00:00.000Z'],
    ['today 23:59', '2026-12-02T22:59:00.000Z'],
    ['tomorrow 9:00', '2026-12-03T08:00:00.000Z'],
    ['9:00 tomorrow', '2026-12-03T08:00:00.000Z'],
    ['Tomorrow 9AM', '2026-12-03T08:00:00.000Z'],
    ['monday 10:30', '2026-12-07T09:30:00.000Z'],
    ['mon 10:30', '2026-12-07T09:30:00.000Z'],
    // Today is Wednesday: later today is today, earlier today is next week.
    ['wednesday 15:00', '2026-12-02T14:00:00.000Z'],
    ['wednesday 9:00', '2026-12-09T08:00:00.000Z'],
    ['2026-12-03 09:00', '2026-12-03T08:00:00.000Z'],
    ['2026-12-03T09:00', '2026-12-03T08:00:00.000Z'],
    ['2026-12-03T09:00+01:00', '2026-12-03T08:00:00.000Z'],
    ['2026-12-03T09:00Z', '2026-12-03T09:00:00.000Z'],
    ['2026-12-03T09:00-0500', '2026-12-03T14:00:00.000Z'],
  ])('%s in Paris is %s', (words, expected) => {
    expect(at(words)).toBe(expected);
  });

  it('reads the wall clock of the user’s own zone', () => {
    expect(at('14:00', 'America/New_York')).toBe('2026-12-02T19:00:00.000Z');
    expect(at('17:00', 'Asia/Kolkata')).toBe('2026-12-02T11:30:00.000Z');
    // 10:30 UTC is already 16:00 in Kolkata: 15:00 there has passed.
    expect(at('15:00', 'Asia/Kolkata')).toMatch(/problem: .*already passed.*tomorrow 15:00/);
  });

  it.each([
    ['9:00', /already passed; say `tomorrow 9:00`/],
    ['2026-12-01 09:00', /already passed/],
    ['2026-12-02T09:00Z', /already passed/],
    ['9', /ambiguous: say 9:00 or 9am\/9pm/],
    ['25:00', /not a time of day/],
    ['13pm', /hour is 1 to 12/],
    ['2026-02-30 09:00', /not a valid date/],
    ['2026-12-03T09:00+15:00', /not a UTC offset/],
    ['tomorrow', /say the time too/],
    ['tomorrow monday 9:00', /give one day/],
    ['9:00 10:00', /give one time/],
    ['noonish', /"noonish" is not a time/],
    ['', /say when/],
    ['2026-12-17 09:00', /more than 14 days ahead/],
  ])('%s is refused', (words, problem) => {
    expect(at(words)).toMatch(problem);
  });

  it('refuses an unknown time zone', () => {
    expect(at('14:00', 'Mars/Olympus')).toMatch(/not a time zone/);
  });

  it('honours the configured horizon', () => {
    const result = parseReadyTime(['2026-12-20', '09:00'], NOW, 'UTC', { maxDaysAhead: 30 });
    expect(result).toEqual({ at: new Date('2026-12-20T09:00:00Z') });
  });

  describe('daylight saving (Europe/Paris: 29 March 2026 02:00 → 03:00, 25 October 03:00 → 02:00)', () => {
    const before = new Date('2026-03-27T12:00:00Z');
    const autumn = new Date('2026-10-23T12:00:00Z');

    it('counts a day across the change by the wall clock, not 24 hours', () => {
      expect(at('2026-03-28 09:00', 'Europe/Paris', before)).toBe('2026-03-28T08:00:00.000Z');
      expect(at('2026-03-30 09:00', 'Europe/Paris', before)).toBe('2026-03-30T07:00:00.000Z');
      expect(at('monday 09:00', 'Europe/Paris', before)).toBe('2026-03-30T07:00:00.000Z');
    });

    it('refuses a time the clocks skip', () => {
      expect(at('2026-03-29 02:30', 'Europe/Paris', before)).toMatch(/does not exist in Europe\/Paris/);
    });

    it('refuses a time that happens twice, and says how to give it', () => {
      expect(at('2026-10-25 02:30', 'Europe/Paris', autumn)).toMatch(
        /happens twice .* e\.g\. 2026-10-25T02:30\+02:00/,
      );
      expect(at('2026-10-25T02:30+01:00', 'Europe/Paris', autumn)).toBe('2026-10-25T01:30:00.000Z');
    });
  });

  it('formats a ready time in the user’s zone', () => {
    expect(formatReadyTime(new Date('2026-12-02T13:00:00Z'), 'Europe/Paris')).toBe('Wed 2 Dec 14:00 CET');
    expect(formatReadyTime(new Date('2026-12-02T13:00:00Z'), 'Nowhere/Else')).toBe('Wed 2 Dec 13:00 UTC');
  });
});
