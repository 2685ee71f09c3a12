import {
  addressesCovered,
  firstFreeAddress,
  inRange,
  intToIp,
  ipToInt,
  isIpv4,
  normalizeAddressExpression,
  parseIpRange,
  rangeSize,
} from '../../src/labs/ipv4';

/** IPv4 arithmetic of public IP pools and allow lists (src/labs/ipv4.ts), at every edge of each rule. */
describe('labs/ipv4', () => {
  describe('isIpv4', () => {
    it.each(['0.0.0.0', '255.255.255.255', '10.0.0.1', '192.168.1.99', '203.0.113.250', '1.20.199.249'])(
      'accepts %s',
      (ip) => {
        expect(isIpv4(ip)).toBe(true);
      },
    );

    it.each([
      ['three octets', '10.0.1'],
      ['five octets', '10.0.0.1.5'],
      ['256', '10.0.0.256'],
      ['260', '260.0.0.1'],
      ['300', '10.300.0.1'],
      ['a leading zero', '010.0.0.1'],
      ['an empty octet', '10..0.1'],
      ['a letter', '10.0.0.a'],
      ['a trailing word', '10.0.0.1x'],
      ['a leading word', 'x10.0.0.1'],
      ['nothing', ''],
    ])('refuses %s', (_why, ip) => {
      expect(isIpv4(ip)).toBe(false);
    });
  });

  describe('ipToInt and intToIp', () => {
    it.each([
      ['0.0.0.0', 0],
      ['0.0.0.1', 1],
      ['0.0.1.0', 256],
      ['0.1.0.0', 65_536],
      ['1.0.0.0', 16_777_216],
      ['128.0.0.1', 2_147_483_649],
      ['255.255.255.255', 4_294_967_295],
      ['203.0.113.10', 3_405_803_786],
    ])('%s is %i, both ways', (ip, n) => {
      expect(ipToInt(ip)).toBe(n);
      expect(intToIp(n)).toBe(ip);
    });

    it('refuses what is not an address, naming it', () => {
      expect(() => ipToInt('10.0.0')).toThrow(new RangeError('"10.0.0" is not an IPv4 address'));
    });
  });

  describe('parseIpRange', () => {
    it('reads a range, trimming spaces around the dash', () => {
      expect(parseIpRange(' 10.0.0.1 - 10.0.0.9 ')).toEqual({ start: '10.0.0.1', end: '10.0.0.9' });
    });

    it('reads one address as a range of one', () => {
      expect(parseIpRange('10.0.0.5')).toEqual({ start: '10.0.0.5', end: '10.0.0.5' });
    });

    it('accepts a range whose ends are equal', () => {
      expect(parseIpRange('10.0.0.5-10.0.0.5')).toEqual({ start: '10.0.0.5', end: '10.0.0.5' });
    });

    it.each([
      ['descending', '10.0.0.9-10.0.0.1'],
      ['three parts', '10.0.0.1-10.0.0.5-10.0.0.9'],
      ['a bad start', '10.0.0-10.0.0.9'],
      ['a bad end', '10.0.0.1-10.0.0'],
      ['an empty end', '10.0.0.1-'],
      ['nothing', ''],
    ])('refuses %s', (_why, text) => {
      expect(parseIpRange(text)).toBeUndefined();
    });
  });

  describe('rangeSize', () => {
    it('counts both ends', () => {
      expect(rangeSize({ start: '10.0.0.1', end: '10.0.0.1' })).toBe(1);
      expect(rangeSize({ start: '10.0.0.250', end: '10.0.1.4' })).toBe(11);
    });
  });

  describe('firstFreeAddress', () => {
    const range = { start: '10.0.0.254', end: '10.0.1.1' };

    it('is the start when nothing is taken', () => {
      expect(firstFreeAddress(range, new Set())).toBe('10.0.0.254');
    });

    it('skips taken addresses, across an octet boundary', () => {
      expect(firstFreeAddress(range, new Set(['10.0.0.254', '10.0.0.255', '10.0.1.0']))).toBe('10.0.1.1');
    });

    it('is undefined when every address, the end included, is taken', () => {
      expect(
        firstFreeAddress(range, new Set(['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1'])),
      ).toBeUndefined();
    });
  });

  describe('addressesCovered', () => {
    const pool = { start: '10.0.0.10', end: '10.0.0.20' };

    it('is the overlap with each other range, both ends included', () => {
      expect([
        ...addressesCovered(pool, [
          { start: '10.0.0.1', end: '10.0.0.11' },
          { start: '10.0.0.20', end: '10.0.0.30' },
        ]),
      ]).toEqual(['10.0.0.10', '10.0.0.11', '10.0.0.20']);
    });

    it('is the other range when it lies inside the pool', () => {
      expect([...addressesCovered(pool, [{ start: '10.0.0.14', end: '10.0.0.15' }])]).toEqual([
        '10.0.0.14',
        '10.0.0.15',
      ]);
    });

    it('is empty for a range next to the pool, or for ranges that are no addresses', () => {
      expect(
        addressesCovered(pool, [
          { start: '10.0.0.21', end: '10.0.0.30' },
          { start: '10.0.0.1', end: '10.0.0.9' },
          { start: 'x', end: '10.0.0.15' },
          { start: '10.0.0.12', end: 'y' },
        ]).size,
      ).toBe(0);
    });
  });

  describe('inRange', () => {
    const range = { start: '10.0.0.10', end: '10.0.0.20' };

    it.each([
      ['10.0.0.9', false],
      ['10.0.0.10', true],
      ['10.0.0.15', true],
      ['10.0.0.20', true],
      ['10.0.0.21', false],
      ['10.0.0', false],
    ])('%s: %s', (ip, inside) => {
      expect(inRange(ip, range)).toBe(inside);
    });
  });

  describe('normalizeAddressExpression', () => {
    it.each([
      ['any', 'Any'],
      [' ANY ', 'Any'],
      ['10.0.0.1', '10.0.0.1'],
      [' 10.0.0.1 ', '10.0.0.1'],
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['10.0.0.0/0', '10.0.0.0/0'],
      ['10.0.0.0/32', '10.0.0.0/32'],
      ['10.0.0.1 - 10.0.0.9', '10.0.0.1-10.0.0.9'],
      ['10.0.0.1-10.0.0.9', '10.0.0.1-10.0.0.9'],
    ])('%s is %s', (value, canonical) => {
      expect(normalizeAddressExpression(value)).toBe(canonical);
    });

    it.each([
      ['a prefix over 32', '10.0.0.0/33'],
      ['a three-digit prefix', '10.0.0.0/100'],
      ['no prefix', '10.0.0.0/'],
      ['a bad network', '10.0.0/8'],
      ['a descending range', '10.0.0.9-10.0.0.1'],
      ['a word', 'internet'],
      ['a CIDR inside a word', 'x10.0.0.0/8y'],
      ['nothing', ''],
    ])('refuses %s', (_why, value) => {
      expect(normalizeAddressExpression(value)).toBeUndefined();
    });
  });
});

describe('labs/ipv4 normalizeAddressExpression, a CIDR behind a path', () => {
  it('refuses an address with a slash before the CIDR', () => {
    expect(normalizeAddressExpression('x/10.0.0.0/8')).toBeUndefined();
  });
});
