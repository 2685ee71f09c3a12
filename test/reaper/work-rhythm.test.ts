import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { type LabSignal } from '../../src/labs/ports';
import { planReap, rhythmKey, updateRhythms } from '../../src/reaper/plan-reap';
import { planUsageReads } from '../../src/reaper/usage-reads';
import {
  afterUsualEnd,
  comebackShare,
  emptyRhythm,
  nextWorkingDayEnd,
  observeUses,
  parseRhythm,
  rhythmToJson,
  usualEnd,
  type WorkRhythm,
} from '../../src/reaper/work-rhythm';
import { lab, noWindow } from './plan-reap-fixtures';

const utc = (iso: string): Date => new Date(`${iso}Z`);

/** Uses every 30 min from `from` to `to` (HH:MM, UTC) on each date. */
function workedDays(days: readonly [date: string, from: string, to: string][]): Date[] {
  return days.flatMap(([date, from, to]) => {
    const uses: Date[] = [];
    for (let t = utc(`${date}T${from}`).getTime(); t <= utc(`${date}T${to}`).getTime(); t += 30 * 60_000) {
      uses.push(new Date(t));
    }
    return uses;
  });
}

/** An owner who worked Mon 2026-11-16 to Fri 2026-11-20, 09:00 to about 17:00, and is at work on Mon 2026-11-23. */
function regularOwner(): WorkRhythm {
  const uses = workedDays([
    ['2026-11-16', '09:00', '17:00'],
    ['2026-11-17', '09:00', '17:00'],
    ['2026-11-18', '09:30', '16:30'],
    ['2026-11-19', '09:00', '17:00'],
    ['2026-11-20', '09:00', '16:30'],
    ['2026-11-23', '09:00', '18:00'],
  ]);
  return observeUses(emptyRhythm(), uses, utc('2026-11-23T18:00'));
}

describe('reaper/work-rhythm', () => {
  it('learns the usual end of day and that the owner comes back the next working day (over a weekend too)', () => {
    const rhythm = regularOwner();

    expect(rhythm.cameBack).toBe(5);
    expect(rhythm.stayedAway).toBe(0);
    expect(comebackShare(rhythm)).toBe(1);
    expect(rhythm.day).toEqual({
      date: utc('2026-11-23T00:00').getTime(),
      first: utc('2026-11-23T09:00').getTime(),
      last: utc('2026-11-23T18:00').getTime(),
    });
    // Mondays seen once (the 16th): the pooled habit, 16:30–17:00 plus twice its spread.
    const end = usualEnd(rhythm, utc('2026-11-23T00:00').getTime());
    expect(end?.days).toBe(5);
    expect(end?.minute).toBeGreaterThan(16.5 * 60);
    expect(end?.minute).toBeLessThan(18 * 60);
  });

  it('uses a weekday of its own once seen on two days, and knows nothing under five days', () => {
    const twoDays = observeUses(
      emptyRhythm(),
      workedDays([
        ['2026-11-16', '09:00', '12:00'],
        ['2026-11-17', '09:00', '12:00'],
      ]),
      utc('2026-11-17T13:00'),
    );
    expect(usualEnd(twoDays, utc('2026-11-17T00:00').getTime())).toBeUndefined();

    const mondays = observeUses(
      emptyRhythm(),
      workedDays([
        ['2026-11-09', '09:00', '13:00'],
        ['2026-11-10', '09:00', '20:00'],
        ['2026-11-16', '09:00', '13:00'],
        ['2026-11-17', '09:00', '20:00'],
        ['2026-11-18', '09:00', '15:00'],
        ['2026-11-23', '09:00', '10:00'],
      ]),
      utc('2026-11-23T10:00'),
    );
    expect(usualEnd(mondays, utc('2026-11-23T00:00').getTime())).toEqual({ minute: 13 * 60, days: 5 });
    expect(usualEnd(mondays, utc('2026-11-24T00:00').getTime())).toEqual({ minute: 20 * 60, days: 5 });
  });

  it('counts a day after which nobody came back by the end of the next working day, and folds each use once', () => {
    const uses = workedDays([
      ['2026-11-16', '09:00', '17:00'],
      ['2026-11-19', '09:00', '17:00'],
    ]);
    const once = observeUses(emptyRhythm(), uses, utc('2026-11-19T17:00'));
    expect([once.cameBack, once.stayedAway]).toEqual([0, 1]);
    expect(observeUses(once, uses, utc('2026-11-19T17:00'))).toEqual(once);

    // Friday the 20th ends with no use: the day of the 19th stays away.
    const later = observeUses(once, [], utc('2026-11-21T00:00'));
    expect([later.cameBack, later.stayedAway, later.day]).toEqual([0, 2, undefined]);
  });

  it('keeps one working day across midnight UTC, and skips weekends for the next working day', () => {
    const evening = observeUses(
      emptyRhythm(),
      [utc('2026-11-16T20:00'), utc('2026-11-16T23:30'), utc('2026-11-17T01:00')],
      utc('2026-11-17T01:00'),
    );
    expect(evening.day?.date).toBe(utc('2026-11-16T00:00').getTime());
    expect(nextWorkingDayEnd(utc('2026-11-20T00:00').getTime())).toBe(utc('2026-11-24T00:00').getTime());
  });

  it('stores as JSON and reads back only a well-formed rhythm', () => {
    const rhythm = regularOwner();
    expect(parseRhythm(rhythmToJson(rhythm))).toEqual(rhythm);
    expect(parseRhythm('{')).toBeUndefined();
    expect(parseRhythm('{"weekdays":[],"cameBack":0,"stayedAway":0}')).toBeUndefined();
    expect(parseRhythm(rhythmToJson({ ...rhythm, cameBack: Number.NaN }))).toBeUndefined();
  });

  it('says whether a quiet stretch began after the usual end of the day under way', () => {
    const rhythm = regularOwner();
    expect(afterUsualEnd(rhythm, utc('2026-11-23T18:00'), utc('2026-11-23T18:45'))).toMatchObject({
      after: true,
    });
    expect(afterUsualEnd(rhythm, utc('2026-11-23T18:00'), utc('2026-11-23T16:00')).after).toBe(false);
    expect(afterUsualEnd(undefined, utc('2026-11-23T18:00'), utc('2026-11-23T20:00')).after).toBe(false);
  });
});

describe('reaper/plan-reap with working days', () => {
  // Monday 2026-11-23: the regular owner's lab, last used at 18:00 (keep-alive, busy CPU), quiet since.
  const now = utc('2026-11-23T18:35');
  const minutesBefore = (m: number) => new Date(now.getTime() - m * 60_000);
  const evening = (overrides: Partial<Lab> = {}): Lab =>
    lab({
      createdAt: utc('2026-11-23T08:30'),
      readyAt: utc('2026-11-23T08:40'),
      lastActivityAt: utc('2026-11-23T17:40'),
      expiresAt: utc('2026-11-24T08:30'),
      ...overrides,
    });
  const quietSince18 = (keepalive: boolean): LabSignal[] => [
    ...Array.from({ length: 12 }, (_, i) => ({
      labId: 'demo-abc',
      at: minutesBefore(i * 5),
      kind: 'cpu' as const,
      value: i * 5 >= 35 ? 40 : 1,
    })),
    ...(keepalive ? [{ labId: 'demo-abc', at: minutesBefore(35), kind: 'keepalive' as const }] : []),
  ];
  const rhythms = new Map([[rhythmKey('owner', 'U1'), regularOwner()]]);

  it('warns after half the idle window past the usual end of day, saying the keep-alive stopped; the grace stays whole', () => {
    const [warned] = planReap([evening()], quietSince18(true), now, DEFAULT_POLICY, undefined, rhythms);
    expect(warned).toMatchObject({ kind: 'warn', cause: 'idle' });
    expect(warned?.kind === 'warn' && warned.reason).toContain("after its owner's usual end of day");
    expect(warned?.kind === 'warn' && warned.reason).toContain('its keep-alive stopped at 18:00 UTC');
    expect(warned?.kind === 'warn' && warned.actAfter).toEqual(new Date(now.getTime() + 30 * 60_000));

    const [noAgent] = planReap([evening()], quietSince18(false), now, DEFAULT_POLICY, undefined, rhythms);
    expect(noAgent?.kind === 'warn' && noAgent.actAfter).toEqual(new Date(now.getTime() + 30 * 60_000));
  });

  it('does not shorten anything for a stopped keep-alive alone, or without a learned working day', () => {
    expect(planReap([evening()], quietSince18(true), now, DEFAULT_POLICY)[0]?.kind).toBe('keep');
    const beforeEnd = new Map([[rhythmKey('owner', 'U1'), { ...regularOwner(), weekdays: lateWeekdays() }]]);
    expect(
      planReap([evening()], quietSince18(true), now, DEFAULT_POLICY, undefined, beforeEnd)[0]?.kind,
    ).toBe('keep');
  });

  it('acts after the grace; a delete without a restore window stays a suspend when the owner comes back', () => {
    const warnedAt = { reapWarnedAt: minutesBefore(30) };
    const later = new Date(now.getTime());
    const [suspended] = planReap(
      [evening(warnedAt)],
      quietSince18(true),
      later,
      noWindow,
      undefined,
      rhythms,
    );
    expect(suspended).toMatchObject({
      kind: 'act',
      action: 'suspend',
      // The end of the next working day, but never past the kind's maximum lifetime (12 h).
      restoreUntil: utc('2026-11-23T20:30'),
    });
    expect(suspended?.kind === 'act' && suspended.reason).toContain(
      'used again the next working day after 5 of 5',
    );

    const awayOwner = new Map([
      [rhythmKey('owner', 'U1'), { ...regularOwner(), cameBack: 0, stayedAway: 5 }],
    ]);
    expect(
      planReap([evening(warnedAt)], quietSince18(true), later, noWindow, undefined, awayOwner)[0],
    ).toMatchObject({ kind: 'act', action: 'delete' });
  });

  it('reads usage of a lab quiet past the end of day before the policy idle window ends', () => {
    const signals = quietSince18(true).filter((s) => s.kind === 'keepalive' || s.at <= minutesBefore(35));
    const read = (r?: ReadonlyMap<string, WorkRhythm>) =>
      planUsageReads([evening()], signals, now, DEFAULT_POLICY, {
        lookbackMs: 180 * 60_000,
        ...(r ? { rhythms: r } : {}),
      })[0]?.kind;
    expect(read()).toBe('skip');
    expect(read(rhythms)).toBe('read');
  });

  it('folds the uses planReap sees into the owner and the lab', () => {
    const updated = updateRhythms(new Map(), [evening()], quietSince18(true), now, DEFAULT_POLICY);
    expect([...updated.keys()].sort()).toEqual(['lab:demo-abc', 'owner:U1']);
    expect(updated.get('lab:demo-abc')?.day?.last).toBe(utc('2026-11-23T18:00').getTime());
  });
});

/** Every weekday ending at 23:00: the evening is still working time. */
function lateWeekdays(): WorkRhythm['weekdays'] {
  return Array.from({ length: 7 }, () => ({ days: 3, start: 9 * 60, end: 23 * 60, endSpread: 0 }));
}
