/** The query filter language on its own: grammar, escapes per API version, comparisons. */
import { matchesFilter, parseFilter, type FilterSyntax } from '../../src/vcdsim/query/filter';
import { SimError } from '../../src/vcdsim/sim-error';

const MODERN: FilterSyntax = { backslashEscapes: true, percentDecodeValues: false };
const LEGACY_ENCODED: FilterSyntax = { backslashEscapes: false, percentDecodeValues: true };

const record = (attributes: Record<string, string>) => ({ attributes, metadata: [] });

describe('vcdsim query filter', () => {
  it('parses AND, OR and parentheses with AND binding tighter than OR', () => {
    expect(parseFilter('a==1,b==2;c==3', MODERN)).toEqual({
      kind: 'or',
      items: [
        { kind: 'cmp', attribute: 'a', op: '==', value: '1' },
        {
          kind: 'and',
          items: [
            { kind: 'cmp', attribute: 'b', op: '==', value: '2' },
            { kind: 'cmp', attribute: 'c', op: '==', value: '3' },
          ],
        },
      ],
    });
    expect(parseFilter('(a==1,b==2);c==3', MODERN)).toMatchObject({ kind: 'and' });
  });

  it('unescapes ( ) , ; \\ in values from API 35.0 and percent-decodes under filterEncoded before it', () => {
    expect(parseFilter('name==a\\,b\\;c\\(d\\)\\\\e', MODERN)).toMatchObject({ value: 'a,b;c(d)\\e' });
    expect(parseFilter('name==a%2Cb', LEGACY_ENCODED)).toMatchObject({ value: 'a,b' });
  });

  it('compares numbers and dates with =gt= =lt= =ge= =le=', () => {
    const r = record({ cpus: '4', created: '2026-01-02T00:00:00Z' });
    expect(matchesFilter(parseFilter('cpus=gt=3;cpus=le=4', MODERN), r)).toBe(true);
    expect(matchesFilter(parseFilter('created=lt=2026-01-01T00:00:00Z', MODERN), r)).toBe(false);
    expect(() => matchesFilter(parseFilter('name=gt=abc', MODERN), record({ name: 'x' }))).toThrow(SimError);
  });

  it('rejects malformed expressions with 400', () => {
    for (const bad of ['', 'name', 'name==a)', '(name==a', 'name==a\\', '=="x"']) {
      expect(() => parseFilter(bad, MODERN)).toThrow(SimError);
    }
  });
});
