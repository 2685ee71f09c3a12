import { PublicIpsExhaustedError } from '../labs/errors';
import { addressesCovered, firstFreeAddress, inRange, type IpRange } from '../labs/ipv4';
import { type PublicIpPool } from '../labs/ports';

/**
 * Public IPs kept in this process only: for a controller built without a store-backed pool (tests, tools). Unsafe
 * with several replicas, which is why main wires the store's pool.
 */
export class InProcessPublicIps implements PublicIpPool {
  private readonly byLab = new Map<string, string>();

  allocate(labId: string, range: IpRange, avoid: readonly IpRange[] = []): Promise<string> {
    const held = this.byLab.get(labId);
    if (held !== undefined) {
      return Promise.resolve(held);
    }
    const taken = new Set([
      ...addressesCovered(range, avoid),
      ...[...this.byLab.values()].filter((ip) => inRange(ip, range)),
    ]);
    const ip = firstFreeAddress(range, taken);
    if (ip === undefined) {
      return Promise.reject(new PublicIpsExhaustedError(range));
    }
    this.byLab.set(labId, ip);
    return Promise.resolve(ip);
  }

  release(labId: string): Promise<void> {
    this.byLab.delete(labId);
    return Promise.resolve();
  }

  list(): Promise<{ labId: string; ip: string }[]> {
    return Promise.resolve([...this.byLab].map(([labId, ip]) => ({ labId, ip })));
  }
}
