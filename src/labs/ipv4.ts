/**
 * IPv4 arithmetic for public IP pools and access rules. Pure; nothing here throws on bad input but `ipToInt`, whose
 * callers check `isIpv4` first.
 */

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** A dotted quad without leading zeros (`010.0.0.1` is ambiguous: octal in some parsers). */
export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

/**
 * The address as an unsigned 32-bit number.
 *
 * @throws RangeError when `ip` is not a dotted quad.
 */
export function ipToInt(ip: string): number {
  if (!isIpv4(ip)) {
    throw new RangeError(`"${ip}" is not an IPv4 address`);
  }
  // Multiplication rather than `<<`: bitwise operators are signed 32-bit and would turn 128.x into a negative.
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** An inclusive range of addresses. */
export interface IpRange {
  start: string;
  end: string;
}

/** Parses `a.b.c.d-e.f.g.h` (or a single address); undefined when it is not a valid, ascending range. */
export function parseIpRange(text: string): IpRange | undefined {
  const parts = text.split('-').map((s) => s.trim());
  const start = parts[0] ?? '';
  const end = parts[1] ?? start;
  if (parts.length > 2 || !isIpv4(start) || !isIpv4(end)) {
    return undefined;
  }
  return ipToInt(start) <= ipToInt(end) ? { start, end } : undefined;
}

/** How many addresses the range holds. */
export function rangeSize(range: IpRange): number {
  return ipToInt(range.end) - ipToInt(range.start) + 1;
}

/** The lowest address of the range not in `taken`, or undefined when all are taken. */
export function firstFreeAddress(range: IpRange, taken: ReadonlySet<string>): string | undefined {
  const end = ipToInt(range.end);
  for (let n = ipToInt(range.start); n <= end; n++) {
    const ip = intToIp(n);
    if (!taken.has(ip)) {
      return ip;
    }
  }
  return undefined;
}

/** The addresses of `range` that lie in any of `others` (for a pool range no larger than the config allows). */
export function addressesCovered(range: IpRange, others: readonly IpRange[]): Set<string> {
  const covered = new Set<string>();
  const [start, end] = [ipToInt(range.start), ipToInt(range.end)];
  for (const other of others) {
    if (!isIpv4(other.start) || !isIpv4(other.end)) {
      continue;
    }
    for (let n = Math.max(start, ipToInt(other.start)); n <= Math.min(end, ipToInt(other.end)); n++) {
      covered.add(intToIp(n));
    }
  }
  return covered;
}

/** True when `ip` lies in the range. */
export function inRange(ip: string, range: IpRange): boolean {
  if (!isIpv4(ip)) {
    return false;
  }
  const n = ipToInt(ip);
  return n >= ipToInt(range.start) && n <= ipToInt(range.end);
}

/**
 * A firewall source or destination as a lab's allow list may name it: `Any`, an address, a CIDR block or a dash
 * range. Returns the canonical spelling (`Any` capitalised as VCD writes it), or undefined when it is none of these.
 */
export function normalizeAddressExpression(value: string): string | undefined {
  const v = value.trim();
  if (v.toLowerCase() === 'any') {
    return 'Any';
  }
  const cidr = /^([^/]+)\/(\d{1,2})$/.exec(v);
  if (cidr !== null) {
    return isIpv4(cidr[1] ?? '') && Number(cidr[2]) <= 32 ? v : undefined;
  }
  if (v.includes('-')) {
    return parseIpRange(v) === undefined ? undefined : v.replace(/\s+/g, '');
  }
  return isIpv4(v) ? v : undefined;
}
