import { parseDurationMinutes } from '../../src/labs/duration';

/** The edges of parseDurationMinutes that its table test left open (issue 16, StrykerJS survivors). */
describe('parseDurationMinutes (mutants)', () => {
  it('reads a duration with blanks around it and in capitals', () => {
    expect(parseDurationMinutes('  4h  ')).toBe(240);
    expect(parseDurationMinutes('1H30M')).toBe(90);
  });

  it('reads up to 20 characters and refuses 21', () => {
    expect(parseDurationMinutes('1m'.repeat(10))).toBe(10);
    expect(parseDurationMinutes(`10m${'1m'.repeat(9)}`)).toBeUndefined();
    expect(parseDurationMinutes(` ${'1m'.repeat(10)} `)).toBe(10);
  });

  it('accepts 366 days and refuses a minute more', () => {
    expect(parseDurationMinutes('366d')).toBe(366 * 1440);
    expect(parseDurationMinutes('366d1m')).toBeUndefined();
  });
});
