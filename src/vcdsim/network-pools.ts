/** Address allocation: VMware-range MACs and per-network static IP pools, as VCD hands them out. */

/** True for a dotted-quad IPv4 address. */
export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** @throws Error when `ip` is not an IPv4 address. */
export function ipToInt(ip: string): number {
  const parts = ip.split('.').map((p) => Number.parseInt(p, 10));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** A static IP pool; allocates the lowest free address, like VCD's POOL mode. */
export class IpPool {
  private readonly start: number;
  private readonly end: number;
  private readonly used = new Set<number>();

  /** @throws Error when either bound is not an IPv4 address or the range is empty (a seed bug). */
  constructor(start: string, end: string) {
    this.start = ipToInt(start);
    this.end = ipToInt(end);
    if (this.end < this.start) {
      throw new Error(`empty IP range ${start}-${end}`);
    }
  }

  get total(): number {
    return this.end - this.start + 1;
  }

  get usedCount(): number {
    return this.used.size;
  }

  /** The lowest free address, or undefined when the pool is exhausted. */
  allocate(): string | undefined {
    for (let n = this.start; n <= this.end; n += 1) {
      if (!this.used.has(n)) {
        this.used.add(n);
        return intToIp(n);
      }
    }
    return undefined;
  }

  /** Reserves a specific address (MANUAL mode); false when taken or outside the range. */
  reserve(ip: string): boolean {
    let n: number;
    try {
      n = ipToInt(ip);
    } catch {
      return false;
    }
    if (n < this.start || n > this.end || this.used.has(n)) {
      return false;
    }
    this.used.add(n);
    return true;
  }

  /** True when the address lies in the range (used or not). */
  contains(ip: string): boolean {
    if (!isIpv4(ip)) {
      return false;
    }
    const n = ipToInt(ip);
    return n >= this.start && n <= this.end;
  }

  /** True when the address is in use. */
  isUsed(ip: string): boolean {
    return isIpv4(ip) && this.used.has(ipToInt(ip));
  }

  release(ip: string): void {
    if (isIpv4(ip)) {
      this.used.delete(ipToInt(ip));
    }
  }
}

/**
 * MACs in VMware's vCloud range 00:50:56:01:xx:xx and up (VCD's default MAC pool; fixture
 * libcloud/api_vApp_vapp_8c57a5b6_e61b_48ca_8a78_3b70ee65ef6a.xml shows 00:50:56:01:00:99). Never reused, so a MAC
 * seen in a log always names one NIC.
 */
export class MacAllocator {
  private next = 0x010001;

  allocate(): string {
    const n = this.next;
    this.next += 1;
    const bytes = [0x00, 0x50, 0x56, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }
}
