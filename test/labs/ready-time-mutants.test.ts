import {
  isTimeWord,
  isTimeZone,
  parseReadyTime,
  utcOffsetMinutesAt,
  wallClock,
} from '../../src/labs/ready-time';

/**
 * The exact words and edges of ready times (issue 16: the survivors of StrykerJS over src/labs/ready-time.ts).
 * Wednesday 2 December 2026, 10:30 UTC = 11:30 in Paris (CET, +01:00).
 */
const NOW = new Date('2026-12-02T10:30:00Z');

function at(words: readonly string[], timeZone = 'Europe/Paris', now = NOW, maxDaysAhead = 14): string {
  const result = parseReadyTime(words, now, timeZone, { maxDaysAhead });
  return 'at' in result ? result.at.toISOString() : `problem: ${result.problem}`;
}

const typed = (text: string): string[] => text.split(' ');

describe('isTimeWord', () => {
  it.each([
    'am',
    'PM',
    '14:00',
    '2pm',
    '9',
    'Tomorrow',
    'today',
    'Mon',
    'wednesday',
    '2026-12-03',
    '2026-12-03T09:00Z',
  ])('%s can be part of a ready time', (word) => {
    expect(isTimeWord(word)).toBe(true);
  });

  it.each(['for', '2h', 'mo', 'ap', 'noon', '2026-12-03x', ''])('%s cannot', (word) => {
    expect(isTimeWord(word)).toBe(false);
  });
});

describe('parseReadyTime: what the problems say', () => {
  it('asks when for blank words', () => {
    expect(at([' '])).toBe(
      'problem: say when, e.g. `at 14:00`, `ready by tomorrow 9:00` or `at monday 10:30`',
    );
  });

  it.each([
    // An implicit today is said as typed; any day the user named is said with its date.
    ['14:00', 'problem: 14:00 is more than 0 days ahead; labs can be scheduled at most 0 days in advance.'],
    [
      'today 14:00',
      'problem: today 14:00 (2026-12-02) is more than 0 days ahead; labs can be scheduled at most 0 days in advance.',
    ],
    [
      'tomorrow 9:00',
      'problem: tomorrow 9:00 (2026-12-03) is more than 0 days ahead; labs can be scheduled at most 0 days in advance.',
    ],
    [
      'monday 10:30',
      'problem: monday 10:30 (2026-12-07) is more than 0 days ahead; labs can be scheduled at most 0 days in advance.',
    ],
    [
      '2026-12-03T09:00Z',
      'problem: 2026-12-03T09:00Z is more than 0 days ahead; labs can be scheduled at most 0 days in advance.',
    ],
  ])('says %s as the user gave it', (words, problem) => {
    expect(at(typed(words), 'Europe/Paris', NOW, 0)).toBe(problem);
  });

  it('calls a time exactly now passed, and suggests tomorrow only for an implicit today', () => {
    expect(at(['11:30'])).toBe('problem: 11:30 today has already passed; say `tomorrow 11:30` or a weekday.');
    expect(at(typed('today 9:00'))).toBe('problem: today 9:00 (2026-12-02) has already passed.');
    expect(at(typed('2026-12-01 09:00'))).toBe('problem: 2026-12-01 09:00 (2026-12-01) has already passed.');
    expect(at(['2026-12-01T09:00Z'])).toBe('problem: 2026-12-01T09:00Z has already passed.');
  });

  it('accepts exactly the most days ahead', () => {
    expect(at(['2026-12-16T10:30Z'])).toBe('2026-12-16T10:30:00.000Z');
    expect(at(['2026-12-16T10:31Z'])).toMatch(/^problem: .* is more than 14 days ahead/);
  });

  it('reads a date and time in one word only when it is the only word', () => {
    expect(at(typed('2026-12-03T09:00Z tomorrow'))).toBe(
      'problem: "2026-12-03t09:00z" is not a time such as 14:00, 2pm, tomorrow 9:00 or monday 10:30',
    );
  });

  it('repeats the words of two days or two times', () => {
    expect(at(typed('tomorrow monday 9:00'))).toBe('problem: give one day, not "tomorrow monday 9:00"');
    expect(at(typed('9:00 10:00'))).toBe('problem: give one time, not "9:00 10:00"');
  });

  it('reads am and pm as words of their own', () => {
    expect(at(typed('tomorrow 9 am'))).toBe('2026-12-03T08:00:00.000Z');
    expect(at(typed('tomorrow 9 pm'))).toBe('2026-12-03T20:00:00.000Z');
  });

  it('refuses a date and time that does not exist, in words', () => {
    expect(at(['2026-02-30T09:00Z'])).toBe('problem: "2026-02-30t09:00z" is not a valid date and time');
    expect(at(['2026-12-03T24:00'])).toBe('problem: "2026-12-03t24:00" is not a valid date and time');
    expect(at(['2026-12-03T09:00:60Z'])).toBe('problem: "2026-12-03t09:00:60z" is not a valid date and time');
    expect(at(['2026-12-03T09:00:59Z'])).toBe('2026-12-03T09:00:59.000Z');
  });

  it('reads offsets with minutes, up to 14 hours either way', () => {
    expect(at(['2026-12-03T09:00+05:30'])).toBe('2026-12-03T03:30:00.000Z');
    expect(at(['2026-12-03T09:00-14:00'])).toBe('2026-12-03T23:00:00.000Z');
    expect(at(['2026-12-04T09:00+14:00'])).toBe('2026-12-03T19:00:00.000Z');
    expect(at(['2026-12-03T09:00+14:01'])).toBe('problem: "+14:01" is not a UTC offset');
  });

  it('reads weekdays from three letters, Sunday included', () => {
    expect(at(typed('sun 10:00'))).toBe('2026-12-06T09:00:00.000Z');
    expect(at(typed('mo 10:00'))).toBe(
      'problem: "mo" is not a time such as 14:00, 2pm, tomorrow 9:00 or monday 10:30',
    );
  });

  it('takes 1 to 12 with am/pm, and 0 to 23 without', () => {
    expect(at(typed('tomorrow 1pm'))).toBe('2026-12-03T12:00:00.000Z');
    expect(at(typed('tomorrow 0am'))).toBe('problem: "0am" is not a time: with am/pm the hour is 1 to 12');
    expect(at(typed('tomorrow 0:00'))).toBe('2026-12-02T23:00:00.000Z');
    expect(at(typed('tomorrow 23:59'))).toBe('2026-12-03T22:59:00.000Z');
    expect(at(typed('tomorrow 24:00'))).toBe('problem: "24:00" is not a time of day');
    expect(at(typed('tomorrow 9:60'))).toBe('problem: "9:60" is not a time of day');
  });

  it('refuses dates that do not exist, whatever part is out of range', () => {
    expect(at(typed('2026-13-01 10:00'))).toBe('problem: "2026-13-01" is not a valid date');
    expect(at(typed('0099-01-01 10:00'))).toBe('problem: "0099-01-01" is not a valid date');
    expect(at(typed('2026-02-29 10:00'))).toBe('problem: "2026-02-29" is not a valid date');
    expect(at(typed('2028-02-29 10:00'), 'UTC', NOW, 1000)).toBe('2028-02-29T10:00:00.000Z');
  });

  it('reads today’s weekday as today while the time is ahead, to the minute, and as next week after', () => {
    // 11:30 in Paris now.
    expect(at(typed('wednesday 11:45'))).toBe('2026-12-02T10:45:00.000Z');
    expect(at(typed('wednesday 11:31'))).toBe('2026-12-02T10:31:00.000Z');
    expect(at(typed('wednesday 11:30'))).toBe('2026-12-09T10:30:00.000Z');
    expect(at(typed('wednesday 11:00'))).toBe('2026-12-09T10:00:00.000Z');
    expect(at(typed('wednesday 12:00'))).toBe('2026-12-02T11:00:00.000Z');
  });

  it('names the skipped or repeated wall-clock time exactly, with the earlier instant’s offset', () => {
    const spring = new Date('2026-03-27T12:00:00Z');
    const autumn = new Date('2026-10-20T12:00:00Z');

    expect(at(typed('2026-03-29 02:30'), 'Europe/Paris', spring)).toBe(
      'problem: 2026-03-29 02:30 does not exist in Europe/Paris (the clocks skip it for daylight saving); pick another time.',
    );
    expect(at(typed('2026-10-25 02:30'), 'Europe/Paris', autumn)).toBe(
      'problem: 2026-10-25 02:30 happens twice in Europe/Paris (the clocks go back); give it with its UTC offset, e.g. 2026-10-25T02:30+02:00.',
    );
    expect(at(typed('2026-11-01 01:30'), 'America/New_York', autumn)).toBe(
      'problem: 2026-11-01 01:30 happens twice in America/New_York (the clocks go back); give it with its UTC offset, e.g. 2026-11-01T01:30-04:00.',
    );
    // The Azores are on UTC in summer and an hour behind in winter: the earlier instant is at +00:00.
    expect(at(typed('2026-10-25 00:30'), 'Atlantic/Azores', autumn)).toBe(
      'problem: 2026-10-25 00:30 happens twice in Atlantic/Azores (the clocks go back); give it with its UTC offset, e.g. 2026-10-25T00:30+00:00.',
    );
  });

  it('clips a long time zone name to 40 characters', () => {
    const forty = `Nowhere/${'x'.repeat(32)}`;

    expect(at(['14:00'], forty)).toBe(`problem: "${forty}" is not a time zone labbot knows.`);
    expect(at(['14:00'], `${forty}y`)).toBe(`problem: "${forty}…" is not a time zone labbot knows.`);
  });
});

describe('wall clock and offsets', () => {
  it('reads the seconds of the wall clock and rounds the offset to whole minutes', () => {
    const instant = new Date('2026-12-02T10:30:45Z');

    expect(wallClock(instant, 'Europe/Paris')).toEqual({
      year: 2026,
      month: 12,
      day: 2,
      hour: 11,
      minute: 30,
      second: 45,
    });
    expect(utcOffsetMinutesAt(instant, 'Europe/Paris')).toBe(60);
    expect(utcOffsetMinutesAt(new Date('2026-07-01T23:59:59Z'), 'America/New_York')).toBe(-240);
    expect(utcOffsetMinutesAt(new Date('2026-12-02T10:30:30Z'), 'Asia/Kolkata')).toBe(330);
  });

  it('answers false, not just something falsy, for a zone Intl does not know', () => {
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('Europe/Paris')).toBe(true);
  });
});
