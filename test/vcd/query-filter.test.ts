import { buildQueryPath, escapeFilterValue, usesFilterEncoded } from '../../src/vcd/query-filter';

/** What VCD >= 35.0 does with a value after URL decoding: split on unescaped grammar characters, unescape. */
function serverSideValue35(encoded: string): { value: string; splits: boolean } {
  const decoded = decodeURIComponent(encoded);
  const splits = /(^|[^\\])(\\\\)*[;,()]/.test(decoded);
  return { value: decoded.replace(/\\(.)/g, '$1'), splits };
}

/** What VCD < 35.0 with filterEncoded=true does: URL-decode, split on the grammar, decode each value again. */
function serverSideValue33(encoded: string): { value: string; splits: boolean } {
  const once = decodeURIComponent(encoded);
  return { value: decodeURIComponent(once), splits: /[;,()]/.test(once) };
}

describe('vcd/query-filter', () => {
  it.each([
    ['a;b,c(d)', '35.0', 'a%5C%3Bb%5C%2Cc%5C%28d%5C%29'],
    ['back\\slash', '38.0', 'back%5C%5Cslash'],
    ['plain-name_1', '38.0', 'plain-name_1'],
    ['VM Network', '36.0', 'VM%20Network'],
    ['a;b,c(d)', '34.0', 'a%253Bb%252Cc%2528d%2529'],
    ['VM Network', '33.0', 'VM%2520Network'],
  ])('escapes %j for API %s as %s', (value, version, expected) => {
    expect(escapeFilterValue(value, version)).toBe(expected);
  });

  it.each(['a;b,c(d)', 'x==y', 'lab-<&"\'>', '100%', 'a\\;b', ')(;,', 'ünï©ødé 🙂', 'q=1&type=vm'])(
    'keeps the user-typed value %j a single literal value on both sides of 35.0',
    (value) => {
      const new35 = serverSideValue35(escapeFilterValue(value, '35.0'));
      const old33 = serverSideValue33(escapeFilterValue(value, '33.0'));

      expect(new35).toEqual({ value, splits: false });
      expect(old33).toEqual({ value, splits: false });
      // Nothing that would end the query parameter or start another one survives encoding.
      expect(escapeFilterValue(value, '38.0')).not.toMatch(/[&#=\s]/);
    },
  );

  it('compares versions as dotted numbers, not floats', () => {
    expect(usesFilterEncoded('34.9')).toBe(true);
    expect(usesFilterEncoded('35.0')).toBe(false);
    expect(usesFilterEncoded('35.10')).toBe(false);
    expect(usesFilterEncoded('5.10')).toBe(true);
  });

  it('builds query paths in the documented parameter order', () => {
    expect(buildQueryPath('vAppTemplate', [['catalogName', 'labs']], '38.0', { pageSize: 128 })).toBe(
      '/api/query?type=vAppTemplate&format=records&pageSize=128&filter=catalogName==labs',
    );
    expect(buildQueryPath('vApp', [['name', 'a;b']], '33.0')).toBe(
      '/api/query?type=vApp&format=records&filter=name==a%253Bb&filterEncoded=true',
    );
    expect(
      buildQueryPath(
        'vApp',
        [
          ['name', 'x'],
          ['vdc', 'y'],
        ],
        '38.0',
      ),
    ).toBe('/api/query?type=vApp&format=records&filter=name==x;vdc==y');
  });
});
