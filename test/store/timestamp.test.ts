import { textToTimestamp, timestampToText } from '../../src/store/timestamp';

/** The definition textToTimestamp computes faster: the text is what toISOString prints for the date it parses to. */
function roundTrip(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text)) {
    return undefined;
  }
  const date = new Date(text);
  return Number.isNaN(date.getTime()) || date.toISOString() !== text ? undefined : date;
}

describe('store/timestamp textToTimestamp', () => {
  it.each([
    '2025-03-04T05:06:07.089Z',
    '0000-01-01T00:00:00.000Z',
    '0099-12-31T23:59:59.999Z',
    '0100-02-28T12:00:00.000Z',
    '1900-02-28T00:00:00.000Z',
    '1970-01-01T00:00:00.000Z',
    '2000-02-29T00:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
    '9999-12-31T23:59:59.999Z',
  ])('reads %s as the date toISOString printed', (text) => {
    expect(textToTimestamp(text)?.toISOString()).toBe(text);
  });

  it.each([
    '2025-02-29T00:00:00.000Z',
    '1900-02-29T00:00:00.000Z',
    '2025-04-31T00:00:00.000Z',
    '2025-00-10T00:00:00.000Z',
    '2025-13-10T00:00:00.000Z',
    '2025-01-00T00:00:00.000Z',
    '2025-01-32T00:00:00.000Z',
    '2025-01-01T24:00:00.000Z',
    '2025-01-01T23:60:00.000Z',
    '2025-01-01T23:59:60.000Z',
    '2025-01-01T00:00:00Z',
    '2025-01-01 00:00:00.000Z',
    '2025-01-01T00:00:00.000+00:00',
    '+012025-01-01T00:00:00.000Z',
    '',
  ])('refuses %j, which toISOString never prints', (text) => {
    expect(textToTimestamp(text)).toBeUndefined();
  });

  it('agrees with parsing and printing back on every field at and around its limits', () => {
    const pick = (values: string[], i: number): string => values[i % values.length] ?? '';
    const years = ['0000', '0004', '0099', '0100', '0400', '1900', '2000', '2023', '2024', '9999'];
    const months = ['00', '01', '02', '04', '09', '11', '12', '13'];
    const days = ['00', '01', '28', '29', '30', '31', '32'];
    const times = [
      '00:00:00.000',
      '23:59:59.999',
      '24:00:00.000',
      '12:60:00.000',
      '12:00:60.000',
      '09:08:07.006',
    ];
    let checked = 0;
    for (const [y, year] of years.entries()) {
      for (const month of months) {
        for (const [d, day] of days.entries()) {
          const text = `${year}-${month}-${day}T${pick(times, y + d)}Z`;
          expect(textToTimestamp(text)?.getTime()).toBe(roundTrip(text)?.getTime());
          checked += 1;
        }
      }
    }
    expect(checked).toBe(560);
  });

  it('reads back what timestampToText stored', () => {
    for (const ms of [0, 1, -62_167_219_200_000, 253_402_300_799_999, 1_741_064_767_089]) {
      const date = new Date(ms);
      expect(textToTimestamp(timestampToText(date, 'test'))?.getTime()).toBe(ms);
    }
  });
});
