import { compareApiVersions, negotiateApiVersion } from '../../src/vcd/api-version';
import { VcdApiError } from '../../src/vcd/errors';

const v = (version: string, deprecated = false) => ({ version, deprecated });

describe('vcd/api-version', () => {
  it('compares dotted versions part by part', () => {
    expect(compareApiVersions('5.10', '5.9')).toBe(1);
    expect(compareApiVersions('36.1', '36.10')).toBe(-1);
    expect(compareApiVersions('38', '38.0')).toBe(0);
    expect(compareApiVersions('9.0', '33.0')).toBe(-1);
  });

  it('picks the highest non-deprecated version in the client range', () => {
    expect(
      negotiateApiVersion([v('32.0', true), v('33.0', true), v('37.3'), v('38.0'), v('39.0'), v('40.0')]),
    ).toEqual({
      version: '38.0',
      legacyLogin: false,
      deprecated: false,
    });
  });

  it('ignores malformed versions', () => {
    expect(negotiateApiVersion([v('38.0.0-alpha'), v('36.3'), v('banana')]).version).toBe('36.3');
  });

  it('falls back to a deprecated version in range before giving up', () => {
    expect(negotiateApiVersion([v('37.0', true), v('40.0')])).toEqual({
      version: '37.0',
      legacyLogin: false,
      deprecated: true,
    });
  });

  it('speaks an older server’s newest version with legacy login', () => {
    expect(negotiateApiVersion([v('27.0'), v('29.0'), v('31.0'), v('32.0')])).toEqual({
      version: '32.0',
      legacyLogin: true,
      deprecated: false,
    });
  });

  it('throws UNSUPPORTED_API_VERSION when nothing fits', () => {
    expect(() => negotiateApiVersion([v('40.0'), v('41.0')])).toThrow(VcdApiError);
    expect(() => negotiateApiVersion([v('5.5')])).toThrow(/no API version in common/);
    expect(() => negotiateApiVersion([])).toThrow(VcdApiError);
  });
});
