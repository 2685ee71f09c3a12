/**
 * The owner's rhythm (reaper/rhythm.ts) at its edges, to the millisecond: the shortest session, the shortest pause, a
 * quiet stretch as long as the pause, a use at the last use itself, uses in any order, and the words and time of a
 * hold.
 */
import { longestPause, MIN_PAUSE_MINUTES, MIN_SESSION_MINUTES, rhythmHold } from '../../src/reaper/rhythm';

const NOW = new Date('2026-11-24T14:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const msAfter = (d: Date, ms: number) => new Date(d.getTime() + ms);

describe('reaper/rhythm at its edges', () => {
  // A session from 60 to 20 minutes ago with one 15-minute pause (45 to 30 minutes ago); quiet since 20 minutes ago.
  const session = [ago(60), ago(50), ago(45), ago(30), ago(20)];

  it('holds a quiet stretch a millisecond shorter than the pause, saying until when', () => {
    const lastUse = ago(20);
    const now = msAfter(ago(5), -1);
    expect(rhythmHold(session, lastUse, now, 90)).toEqual({
      hold: true,
      until: ago(5),
      words:
        'quiet 15 min inside a working session; its owner came back from a 15 min pause earlier, so no warning before 13:55 UTC',
    });
  });

  it('holds none once the quiet stretch is as long as the pause', () => {
    expect(rhythmHold(session, ago(20), ago(5), 90)).toEqual({
      hold: false,
      words: "quiet 15 min, longer than its owner's usual pause (15 min)",
    });
  });

  it('caps the pause at the hold limit', () => {
    expect(rhythmHold(session, ago(20), ago(8), 12)).toEqual({
      hold: false,
      words: "quiet 12 min, longer than its owner's usual pause (12 min)",
    });
    expect(rhythmHold(session, ago(20), ago(10), 12)).toMatchObject({ hold: true, until: ago(8) });
  });

  it('reads uses in any order', () => {
    const shuffled = [session[3]!, session[0]!, session[4]!, session[2]!, session[1]!];
    expect(rhythmHold(shuffled, ago(20), ago(10), 90)).toEqual(rhythmHold(session, ago(20), ago(10), 90));
    expect(rhythmHold(shuffled, ago(20), ago(10), 90).hold).toBe(true);
  });

  it(`a session is uses spanning ${MIN_SESSION_MINUTES} minutes up to the last use, that one included`, () => {
    // 20 minutes exactly, with a 10-minute pause: a session.
    const exact = [ago(40), ago(30), ago(20)];
    expect(rhythmHold(exact, ago(20), ago(15), 90).hold).toBe(true);
    // A millisecond short of 20 minutes: none.
    const short = [msAfter(ago(40), 1), ago(30), ago(20)];
    expect(rhythmHold(short, ago(20), ago(15), 90)).toEqual({
      hold: false,
      words: 'no working session before the quiet stretch',
    });
    // The use at the last use itself counts: its gap from the one before is the pause learned.
    expect(rhythmHold([ago(40), ago(35), ago(20)], ago(20), ago(10), 90)).toMatchObject({
      hold: true,
      until: ago(5),
    });
  });

  it(`a pause is a gap of ${MIN_PAUSE_MINUTES} minutes or more`, () => {
    const tenMinutes = [ago(50), ago(45), ago(35), ago(30)];
    expect(rhythmHold(tenMinutes, ago(30), ago(25), 90)).toMatchObject({ hold: true, until: ago(20) });
    const justUnder = [ago(50), msAfter(ago(45), 1), ago(35), ago(30)];
    expect(rhythmHold(justUnder, ago(30), ago(25), 90)).toEqual({
      hold: false,
      words: 'its owner took no pause in the history to learn from',
    });
  });

  it('rounds the minutes in its words', () => {
    // A 14.6-minute pause and 10.4 minutes quiet.
    const uses = [ago(60), ago(45.4), ago(30.8), ago(20)];
    expect(rhythmHold(uses, ago(20), ago(9.6), 90).words).toBe(
      'quiet 10 min inside a working session; its owner came back from a 15 min pause earlier, so no warning before 13:54 UTC',
    );
    expect(rhythmHold(uses, ago(20), ago(5.2), 90).words).toBe(
      "quiet 15 min, longer than its owner's usual pause (15 min)",
    );
  });

  it('learns no pause from uses after the last use (another lab of the owner, used since)', () => {
    // Pauses of 10 min up to the last use, 40 min ago; a use 5 min ago elsewhere would make a 35-minute "pause".
    expect(rhythmHold([ago(60), ago(50), ago(40), ago(5)], ago(40), NOW, 90)).toEqual({
      hold: false,
      words: "quiet 40 min, longer than its owner's usual pause (10 min)",
    });
  });

  it('longestPause measures gaps between consecutive times only, whatever the first time', () => {
    const t0 = NOW.getTime();
    expect(longestPause([t0])).toBe(0);
    expect(longestPause([t0, t0 + 3 * 60_000, t0 + 10 * 60_000])).toBe(7);
  });
});
