/**
 * The owner's working day (reaper/work-rhythm.ts) at its edges: the night gap and the next working day's end to the
 * millisecond, the exact habit a day leaves (its smoothing and spread), the pooled end of day weighted by days, the
 * words of every answer of afterUsualEnd, and every field parseRhythm checks.
 */
import {
  afterUsualEnd,
  comebackShare,
  type DayHabit,
  emptyRhythm,
  MIN_DAYS,
  NIGHT_GAP_MINUTES,
  nextWorkingDayEnd,
  observeUses,
  parseRhythm,
  rhythmToJson,
  usualEnd,
  type WorkRhythm,
} from '../../src/reaper/work-rhythm';

const utc = (iso: string): Date => new Date(`${iso}Z`);
const at = (iso: string): number => utc(iso).getTime();
// Monday 16 to Friday 20 November 2026, then the weekend, then Monday 23.
const MON = '2026-11-16';
const TUE = '2026-11-17';
const WED = '2026-11-18';

/** Uses every hour on the hour from `from` to `to` (hours, UTC) on `date`: one working day. */
function hourly(date: string, from: number, to: number): Date[] {
  return Array.from(
    { length: to - from + 1 },
    (_, i) => new Date(at(`${date}T00:00`) + (from + i) * 3_600_000),
  );
}

/** Weekdays with only `day` (0 Sunday to 6 Saturday) set to `habit`. */
function only(day: number, habit: DayHabit): WorkRhythm['weekdays'] {
  return Array.from({ length: 7 }, (_, i) => (i === day ? habit : null));
}

/** The habit, to a billionth of a minute (a third is not exact in floating point). */
function expectHabit(actual: DayHabit | null | undefined, expected: DayHabit): void {
  expect(actual).not.toBeNull();
  expect(actual?.days).toBe(expected.days);
  expect(actual?.start).toBeCloseTo(expected.start, 9);
  expect(actual?.end).toBeCloseTo(expected.end, 9);
  expect(actual?.endSpread).toBeCloseTo(expected.endSpread, 9);
}

describe('reaper/work-rhythm at its edges', () => {
  describe('observeUses', () => {
    it('keeps a day going over a gap just under the night gap, and ends it at the night gap exactly', () => {
      const gapMs = NIGHT_GAP_MINUTES * 60_000;
      const under = observeUses(
        emptyRhythm(),
        [utc(`${MON}T09:00`), new Date(at(`${MON}T09:00`) + gapMs - 1)],
        utc(`${MON}T23:00`),
      );
      expect(under.day).toEqual({
        date: at(`${MON}T00:00`),
        first: at(`${MON}T09:00`),
        last: at(`${MON}T15:00`) - 1,
      });
      expect([under.cameBack, under.stayedAway]).toEqual([0, 0]);

      const exact = observeUses(
        emptyRhythm(),
        [utc(`${MON}T09:00`), utc(`${MON}T15:00`)],
        utc(`${MON}T23:00`),
      );
      expect(exact.day).toEqual({
        date: at(`${MON}T00:00`),
        first: at(`${MON}T15:00`),
        last: at(`${MON}T15:00`),
      });
      // The first day ended and the same date came back at once.
      expect([exact.cameBack, exact.stayedAway]).toEqual([1, 0]);
      expect(exact.weekdays[1]).toEqual({ days: 1, start: 9 * 60, end: 9 * 60, endSpread: 0 });
    });

    it('folds uses given in any order as if in order', () => {
      const uses = [
        utc(`${TUE}T10:00`),
        utc(`${MON}T17:00`),
        utc(`${MON}T13:00`),
        utc(`${MON}T09:00`),
        utc(`${TUE}T08:00`),
      ];
      const rhythm = observeUses(emptyRhythm(), uses, utc(`${TUE}T12:00`));
      expect(rhythm).toEqual({
        weekdays: only(1, { days: 1, start: 9 * 60, end: 17 * 60, endSpread: 0 }),
        day: { date: at(`${TUE}T00:00`), first: at(`${TUE}T08:00`), last: at(`${TUE}T10:00`) },
        cameBack: 1,
        stayedAway: 0,
        seenUntil: at(`${TUE}T10:00`),
      });
    });

    it('counts a use at `now`, and none after it', () => {
      const rhythm = observeUses(
        emptyRhythm(),
        [utc(`${MON}T09:00`), utc(`${MON}T09:01`)],
        utc(`${MON}T09:00`),
      );
      expect(rhythm.day).toEqual({
        date: at(`${MON}T00:00`),
        first: at(`${MON}T09:00`),
        last: at(`${MON}T09:00`),
      });
      expect(rhythm.seenUntil).toBe(at(`${MON}T09:00`));
    });

    it('moves the habit a third of the way to each new day, and the spread a third of the way to its distance', () => {
      // Mondays 16th 09:00–17:00, 23rd 12:00–14:00, 30th 09:00–14:00; each stayed away (next use a week later).
      const rhythm = observeUses(
        emptyRhythm(),
        [
          ...hourly(MON, 9, 17),
          utc('2026-11-23T12:00'),
          utc('2026-11-23T14:00'),
          utc('2026-11-30T09:00'),
          utc('2026-11-30T14:00'),
        ],
        utc('2026-12-02T00:00'),
      );
      // 23rd: start 540 + (720 - 540) / 3 = 600, end 1020 + (840 - 1020) / 3 = 960, spread 0 + |840 - 1020| / 3 = 60.
      // 30th: start 600 + (540 - 600) / 3 = 580, end 960 + (840 - 960) / 3 = 920, spread 60 + (120 - 60) / 3 = 80.
      expectHabit(rhythm.weekdays[1], { days: 3, start: 580, end: 920, endSpread: 80 });
      expect([rhythm.cameBack, rhythm.stayedAway, rhythm.day]).toEqual([0, 3, undefined]);
    });

    it('a spread grows the same for a day ending earlier or later than usual', () => {
      // Monday 16th 09:00–15:00, Monday 23rd 09:00 to `end`, closed by a use on Tuesday 24th (came back).
      const twoMondays = (end: number) =>
        observeUses(
          emptyRhythm(),
          [...hourly(MON, 9, 15), ...hourly('2026-11-23', 9, end), utc('2026-11-24T09:00')],
          utc('2026-11-24T09:00'),
        );
      const earlier = twoMondays(12);
      expectHabit(earlier.weekdays[1], { days: 2, start: 540, end: 840, endSpread: 60 });
      expect([earlier.cameBack, earlier.stayedAway]).toEqual([1, 1]);
      expectHabit(twoMondays(18).weekdays[1], { days: 2, start: 540, end: 960, endSpread: 60 });
    });

    it('came back: a use just before the end of the next working day; stayed away: one at that end', () => {
      const monday = hourly(MON, 9, 17);
      const end = nextWorkingDayEnd(at(`${MON}T00:00`));
      expect(end).toBe(at(`${WED}T00:00`));
      const before = observeUses(emptyRhythm(), [...monday, new Date(end - 1)], new Date(end - 1));
      expect([before.cameBack, before.stayedAway]).toEqual([1, 0]);
      const atEnd = observeUses(emptyRhythm(), [...monday, new Date(end)], new Date(end));
      expect([atEnd.cameBack, atEnd.stayedAway]).toEqual([0, 1]);
    });

    it('closes a day with no use at the end of the next working day, not a millisecond before, and only once', () => {
      const monday = observeUses(emptyRhythm(), hourly(MON, 9, 17), utc(`${MON}T17:00`));
      const justBefore = observeUses(monday, [], new Date(at(`${WED}T00:00`) - 1));
      expect(justBefore.day).toEqual(monday.day);
      expect([justBefore.cameBack, justBefore.stayedAway]).toEqual([0, 0]);

      const closed = observeUses(monday, [], utc(`${WED}T00:00`));
      expect(closed.day).toBeUndefined();
      expect('day' in closed).toBe(false);
      expect([closed.cameBack, closed.stayedAway]).toEqual([0, 1]);
      expect(closed.weekdays[1]).toEqual({ days: 1, start: 540, end: 1020, endSpread: 0 });

      // The same uses again, later: already folded in, the day is not opened and closed a second time.
      const again = observeUses(closed, hourly(MON, 9, 17), utc('2026-11-20T00:00'));
      expect(again).toEqual(closed);
    });

    it('leaves the rhythm it was given as it was', () => {
      const given = observeUses(emptyRhythm(), [utc(`${MON}T09:00`)], utc(`${MON}T09:00`));
      const copy = structuredClone(given);
      observeUses(given, [utc(`${TUE}T09:00`)], utc(`${WED}T12:00`));
      expect(given).toEqual(copy);
    });
  });

  describe('nextWorkingDayEnd', () => {
    it.each([
      ['Thursday', '2026-11-19', '2026-11-21'],
      ['Friday', '2026-11-20', '2026-11-24'],
      ['Saturday', '2026-11-21', '2026-11-24'],
      ['Sunday', '2026-11-22', '2026-11-24'],
    ])('of a %s: midnight after the next weekday', (_name, date, end) => {
      expect(nextWorkingDayEnd(at(`${date}T00:00`))).toBe(at(`${end}T00:00`));
    });
  });

  describe('usualEnd', () => {
    const habit = (days: number, end: number, endSpread: number): DayHabit => ({
      days,
      start: 540,
      end,
      endSpread,
    });

    it('uses the weekday seen twice or more, and pools the weekdays weighted by their days for one seen once', () => {
      const weekdays = only(2, habit(1, 900, 10));
      weekdays[3] = habit(3, 1000, 20);
      weekdays[4] = habit(1, 1200, 30);
      const rhythm: WorkRhythm = { ...emptyRhythm(), weekdays };
      // Wednesdays (3) seen 3 times: their own habit, 1000 + 2 × 20.
      expect(usualEnd(rhythm, at(`${WED}T00:00`))).toEqual({ minute: 1040, days: 5 });
      // Tuesdays (2) seen once: pooled end (900 + 3000 + 1200) / 5 = 1020, spread (10 + 60 + 30) / 5 = 20.
      expect(usualEnd(rhythm, at(`${TUE}T00:00`))).toEqual({ minute: 1060, days: 5 });
      // Monday (1) never seen: pooled too.
      expect(usualEnd({ ...rhythm, weekdays: only(4, habit(5, 1000, 0)) }, at(`${MON}T00:00`))).toEqual({
        minute: 1000,
        days: 5,
      });
    });

    it('pooled: a weighted average, not a sum', () => {
      const weekdays = only(1, habit(1, 600, 0));
      weekdays[2] = habit(4, 1200, 15);
      expect(usualEnd({ ...emptyRhythm(), weekdays }, at(`${MON}T00:00`))).toEqual({
        minute: (600 + 4 * 1200) / 5 + (2 * 4 * 15) / 5,
        days: 5,
      });
    });

    it(`knows nothing under ${MIN_DAYS} days in all`, () => {
      expect(
        usualEnd({ ...emptyRhythm(), weekdays: only(1, habit(4, 1000, 0)) }, at(`${MON}T00:00`)),
      ).toBeUndefined();
    });
  });

  describe('comebackShare', () => {
    it.each([
      [4, 0, undefined],
      [3, 2, 0.6],
      [0, 5, 0],
    ])('came back %i, stayed away %i: %p', (cameBack, stayedAway, share) => {
      expect(comebackShare({ ...emptyRhythm(), cameBack, stayedAway })).toBe(share);
    });
  });

  describe('afterUsualEnd', () => {
    // Mondays end at 17:00 (1020 min) + 2 × 7.4 min spread = 17:14.8, rounded to 17:15.
    const owner: WorkRhythm = {
      ...emptyRhythm(),
      weekdays: only(1, { days: 5, start: 540, end: 1020, endSpread: 7.4 }),
      day: { date: at(`${MON}T00:00`), first: at(`${MON}T09:00`), last: at(`${MON}T16:00`) },
    };

    it('after the usual end, to the minute, in words', () => {
      expect(afterUsualEnd(owner, utc(`${MON}T16:00`), utc(`${MON}T17:15`))).toEqual({
        after: true,
        words:
          "after its owner's usual end of day (17:15 UTC, learned over 5 working days): nobody is expected back tonight",
      });
    });

    it('a millisecond before the usual end, in words', () => {
      expect(afterUsualEnd(owner, utc(`${MON}T16:00`), new Date(at(`${MON}T17:15`) - 1))).toEqual({
        after: false,
        words: "before its owner's usual end of day (17:15 UTC)",
      });
    });

    it('a last use at the first use of the day counts; one before it does not', () => {
      expect(afterUsualEnd(owner, utc(`${MON}T09:00`), utc(`${MON}T18:00`)).after).toBe(true);
      expect(afterUsualEnd(owner, new Date(at(`${MON}T09:00`) - 1), utc(`${MON}T18:00`))).toEqual({
        after: false,
        words: 'its owner has no working day on record',
      });
    });

    it('no owner, or no day under way: no working day on record', () => {
      const words = 'its owner has no working day on record';
      expect(afterUsualEnd(undefined, utc(`${MON}T16:00`), utc(`${MON}T20:00`))).toEqual({
        after: false,
        words,
      });
      const { day: _day, ...noDay } = owner;
      expect(afterUsualEnd(noDay, utc(`${MON}T16:00`), utc(`${MON}T20:00`))).toEqual({ after: false, words });
    });

    it('under five days: not known yet', () => {
      const young = { ...owner, weekdays: only(1, { days: 4, start: 540, end: 1020, endSpread: 0 }) };
      expect(afterUsualEnd(young, utc(`${MON}T16:00`), utc(`${MON}T23:00`))).toEqual({
        after: false,
        words: "its owner's working days are not known yet (under 5 days)",
      });
    });
  });

  describe('parseRhythm', () => {
    const good = {
      weekdays: [null, { days: 1, start: 540, end: 1020, endSpread: 0 }, null, null, null, null, null],
      cameBack: 0,
      stayedAway: 1,
    };
    const text = (overrides: Record<string, unknown>) => JSON.stringify({ ...good, ...overrides });

    it('reads a rhythm with no day and no seenUntil, and one with both', () => {
      expect(parseRhythm(JSON.stringify(good))).toEqual(good);
      const full = { ...good, day: { date: 0, first: 1, last: 2 }, seenUntil: 2 };
      expect(parseRhythm(rhythmToJson(full))).toEqual(full);
    });

    it.each([
      ['not JSON', '{'],
      ['a number', '3'],
      ['null', 'null'],
      ['weekdays missing', JSON.stringify({ cameBack: 0, stayedAway: 0 })],
      ['weekdays not a list', text({ weekdays: { length: 7 } })],
      ['six weekdays', text({ weekdays: good.weekdays.slice(1) })],
      ['eight weekdays', text({ weekdays: [...good.weekdays, null] })],
      ['a weekday a number', text({ weekdays: [1, ...good.weekdays.slice(1)] })],
      [
        'a habit without endSpread',
        text({ weekdays: [{ days: 1, start: 1, end: 2 }, ...good.weekdays.slice(1)] }),
      ],
      [
        'a habit with a text',
        text({ weekdays: [{ days: '1', start: 1, end: 2, endSpread: 0 }, ...good.weekdays.slice(1)] }),
      ],
      [
        'a habit with days too large',
        '{"weekdays":[{"days":1e999,"start":1,"end":2,"endSpread":0},null,null,null,null,null,null],"cameBack":0,"stayedAway":0}',
      ],
      ['cameBack missing', text({ cameBack: undefined })],
      ['cameBack a text', text({ cameBack: '0' })],
      ['cameBack infinite', text({ cameBack: 0 }).replace('"cameBack":0', '"cameBack":1e999')],
      ['stayedAway missing', text({ stayedAway: undefined })],
      ['stayedAway a text', text({ stayedAway: '1' })],
      ['seenUntil a text', text({ seenUntil: '2' })],
      ['day a number', text({ day: 5 })],
      // A corrupted or hand-edited row: reading it must not throw, or every reaper cycle would fail at load.
      ['day null', text({ day: null })],
      ['seenUntil null', text({ seenUntil: null })],
      ['day without date', text({ day: { first: 1, last: 2 } })],
      ['day without first', text({ day: { date: 0, last: 2 } })],
      ['day without last', text({ day: { date: 0, first: 1 } })],
    ])('refuses %s', (_name, stored) => {
      expect(parseRhythm(stored)).toBeUndefined();
    });
  });
});
