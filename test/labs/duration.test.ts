import { formatMinutes, parseDurationMinutes } from '../../src/labs/duration';

describe('labs/duration', () => {
  it.each([
    ['4h', 240],
    ['90m', 90],
    ['2d', 2880],
    ['1h30m', 90],
    ['1.5h', 90],
    ['1w', 10080],
    ['45min', 45],
  ])('parses %s as %d minutes', (text, minutes) => {
    expect(parseDurationMinutes(text)).toBe(minutes);
  });

  it.each(['', 'h', '4', '4x', '-1h', '0m', 'forever', '400d', '1h 30m junk'])('rejects %j', (text) => {
    expect(parseDurationMinutes(text)).toBeUndefined();
  });

  it.each([
    [45, '45m'],
    [90, '1h 30m'],
    [240, '4h'],
    [1500, '1d 1h'],
    [2880, '2d'],
  ])('formats %d minutes as %s', (minutes, text) => {
    expect(formatMinutes(minutes)).toBe(text);
  });
});
