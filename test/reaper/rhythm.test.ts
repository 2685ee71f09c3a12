import { longestPause, rhythmHold } from '../../src/reaper/rhythm';

const NOW = new Date('2026-11-24T14:00:00Z');
const ago = (m: number) => new Date(NOW.getTime() - m * 60_000);
/** Uses every 5 minutes from `from` to `to` minutes ago. */
const busy = (from: number, to: number) =>
  Array.from({ length: Math.floor((from - to) / 5) + 1 }, (_, i) => ago(from - i * 5));

describe('reaper/rhythm', () => {
  it.each([
    // what, uses, last use (min ago), hold?, words
    [
      'a quiet stretch shorter than a pause the owner came back from',
      [...busy(170, 130), ...busy(80, 40)],
      40,
      true,
      /^quiet 40 min inside a working session; its owner came back from a 50 min pause earlier, so no warning before 14:10 UTC$/,
    ],
    [
      'a quiet stretch longer than every pause seen',
      [...busy(170, 130), ...busy(110, 70)],
      70,
      false,
      /^quiet 70 min, longer than its owner's usual pause \(20 min\)$/,
    ],
    [
      'no pause in the history (worked straight through)',
      busy(120, 50),
      50,
      false,
      /^its owner took no pause in the history to learn from$/,
    ],
    ['a lab deployed and left (no session)', [ago(55)], 55, false, /^no working session/],
    ['no use at all', [], 50, false, /^no working session/],
    [
      'a long lunch is capped at the hold limit',
      [...busy(175, 160), ...busy(60, 40)],
      40,
      false,
      /^quiet 40 min, longer than its owner's usual pause \(30 min\)$/,
    ],
  ])('%s', (_what, uses, lastUseAgo, hold, words) => {
    const decision = rhythmHold(uses, ago(lastUseAgo), NOW, 30 + (_what.includes('lunch') ? 0 : 60));

    expect(decision.hold).toBe(hold);
    expect(decision.words).toMatch(words);
  });

  it('ignores uses after the last use it is asked about (another lab of the owner, used later)', () => {
    const decision = rhythmHold([...busy(120, 90), ago(30), ago(5)], ago(30), NOW, 90);

    expect(decision).toMatchObject({ hold: true });
    expect(decision.until).toEqual(ago(30 - 60));
  });

  it.each([
    [[], 0],
    [[0], 0],
    [[0, 5 * 60_000, 40 * 60_000, 45 * 60_000], 35],
  ])('longestPause(%j) = %d min', (times, expected) => {
    expect(longestPause(times)).toBe(expected);
  });
});
