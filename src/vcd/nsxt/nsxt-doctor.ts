/**
 * What `labbot doctor` says about an NSX-T edge: backing, deployment mode and owner; where the labs' public
 * addresses come from (a static sub-allocation on the uplink, or an IP Space) and how many are free; and whether the
 * account may manage NAT rules, the firewall, application port profiles and IP sets (and floating IPs). One line each,
 * with its fix. Reads only: nothing on the edge changes.
 */
import { inRange, rangeSize, type IpRange } from '../../labs/ipv4';
import { VcdApiError, VcdNotFoundError } from '../errors';
import { type CloudApi } from './cloudapi';
import { type EdgeTarget } from './edge-lookup';
import { usesIpSpace } from './nsxt-edge';
import {
  readFirewallGroup,
  readFirewallRules,
  readIpSpace,
  readIpSpaceAllocation,
  readNatRule,
  readPortProfile,
  readUsedIp,
  type IpSpaceRef,
} from './wire';

const API = '/cloudapi/1.0.0';

/** One doctor line (the shape of doctor.ts's DoctorCheck). */
export interface EdgeCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** The VCD rights labbot's account needs on an NSX-T edge, as VCD 10.4+ names them. */
export const NSXT_RIGHTS = {
  nat: ['Organization vDC Gateway: View NAT', 'Organization vDC Gateway: Configure NAT'],
  firewall: ['Organization vDC Gateway: View Firewall', 'Organization vDC Gateway: Configure Firewall'],
  ipSpace: ['IP Spaces: Allocate'],
} as const;

interface Probe {
  what: string;
  read: () => Promise<unknown>;
  rights: readonly string[];
}

function describeRange(range: IpRange): string {
  return range.start === range.end ? range.start : `${range.start}-${range.end}`;
}

function freeIn(pool: IpRange, used: readonly string[]): number {
  const taken = new Set(used.filter((ip) => inRange(ip, pool)));
  return rangeSize(pool) - taken.size;
}

/** The edge line: backing, deployment mode, owner, rule counts. */
async function edgeLine(
  api: CloudApi,
  target: Extract<EdgeTarget, { kind: 'nsxt' }>,
  vdc: string,
): Promise<EdgeCheck> {
  const gateway = target.gateway;
  const owner = gateway.ownerRef?.id.startsWith('urn:vcloud:vdcGroup:')
    ? `VDC group ${gateway.ownerRef.name ?? gateway.ownerRef.id}`
    : `VDC ${gateway.ownerRef?.name ?? gateway.orgVdc?.name ?? vdc}`;
  const [nat, firewall] = await Promise.all([
    api.list(`${API}/edgeGateways/${encodeURIComponent(target.id)}/nat/rules`, readNatRule),
    api.get(`${API}/edgeGateways/${encodeURIComponent(target.id)}/firewall/rules`, readFirewallRules),
  ]);
  return {
    name: 'edge gateway',
    status: 'ok',
    detail: `${gateway.name}: NSX-T (${gateway.backing}), ${gateway.deploymentMode ?? 'ACTIVE_STANDBY'}, owned by ${owner}; ${nat.length} NAT and ${firewall.length} firewall rules`,
  };
}

async function ipSpacesHolding(
  api: CloudApi,
  pool: IpRange,
): Promise<{ all: IpSpaceRef[]; holding: IpSpaceRef[] }> {
  const summaries = await api.list(`${API}/ipSpaces/summaries`, readIpSpace);
  const all: IpSpaceRef[] = [];
  for (const summary of summaries) {
    all.push(
      await api.get(
        `${API}/ipSpaces/${encodeURIComponent(summary.id)}`,
        (json) => readIpSpace(json) ?? summary,
      ),
    );
  }
  const holding = all.filter((space) =>
    space.ranges.some(
      (r) =>
        inRange(pool.start, { start: r.startAddress, end: r.endAddress }) &&
        inRange(pool.end, { start: r.startAddress, end: r.endAddress }),
    ),
  );
  return { all, holding };
}

/** Where public addresses come from, and how many of the lab pool are free. */
async function addressesLine(
  api: CloudApi,
  target: Extract<EdgeTarget, { kind: 'nsxt' }>,
  pool: IpRange,
  source: string,
): Promise<EdgeCheck> {
  const name = 'edge addresses';
  const gateway = target.gateway;
  const poolText = describeRange(pool);
  if (usesIpSpace(gateway)) {
    const { all, holding } = await ipSpacesHolding(api, pool);
    const space = holding[0];
    if (space === undefined) {
      return {
        name,
        status: 'fail',
        detail: `${gateway.name} takes its public addresses from an IP Space, and edge.publicIps ${poolText} in ${source} is in none the org may use (${all.map((s) => `${s.name} ${s.ranges.map((r) => `${r.startAddress}-${r.endAddress}`).join(' ')}`).join(', ') || 'none'})`,
        fix: `set edge.publicIps in ${source} to addresses of the IP Space behind ${gateway.name}'s uplink, or ask the provider to give the org that IP Space`,
      };
    }
    const allocations = await api.list(
      `${API}/ipSpaces/${encodeURIComponent(space.id)}/allocations`,
      readIpSpaceAllocation,
      {
        filter: 'type==FLOATING_IP',
      },
    );
    const free = freeIn(
      pool,
      allocations.map((a) => a.value),
    );
    return {
      name,
      status: free > 0 ? 'ok' : 'fail',
      detail: `IP Space ${space.name}: ${free} of ${rangeSize(pool)} addresses of the lab pool ${poolText} free; labbot allocates one floating IP per lab and releases it at teardown`,
      ...(free > 0
        ? {}
        : {
            fix: `release floating IPs of ${space.name} in ${poolText}, or widen edge.publicIps in ${source}`,
          }),
    };
  }
  const ranges = gateway.uplinks.flatMap((u) =>
    u.subnets.flatMap((s) => s.ipRanges.map((r) => ({ start: r.startAddress, end: r.endAddress }))),
  );
  const outside = [pool.start, pool.end].filter((ip) => !ranges.some((r) => inRange(ip, r)));
  if (outside.length > 0) {
    return {
      name,
      status: 'fail',
      detail: `edge.publicIps ${poolText} in ${source} is not within ${gateway.name}'s uplink sub-allocation (${ranges.map(describeRange).join(', ') || 'none'})`,
      fix: `set edge.publicIps in ${source} to addresses the provider sub-allocated to ${gateway.name}, or ask for more`,
    };
  }
  const used = await api.list(
    `${API}/edgeGateways/${encodeURIComponent(target.id)}/usedIpAddresses`,
    readUsedIp,
  );
  const free = freeIn(
    pool,
    used.map((u) => u.ipAddress),
  );
  return {
    name,
    status: free > 0 ? 'ok' : 'fail',
    detail: `static sub-allocation on ${gateway.uplinks.map((u) => u.uplinkName ?? 'the uplink').join(', ')} (${ranges.map(describeRange).join(', ')}): ${free} of ${rangeSize(pool)} addresses of the lab pool ${poolText} unused`,
    ...(free > 0
      ? {}
      : { fix: `free addresses in ${poolText} on ${gateway.name}, or widen edge.publicIps in ${source}` }),
  };
}

/**
 * The rights line: every list labbot reads answers (a 403 names the right that is missing), and where the session's
 * own role is readable, the configure rights are in it. A role VCD does not let the account read is reported as ok
 * with the list of rights it needs: writing is then proven by the first lab.
 */
async function rightsLine(api: CloudApi, target: Extract<EdgeTarget, { kind: 'nsxt' }>): Promise<EdgeCheck> {
  const name = 'edge rights';
  const edge = encodeURIComponent(target.id);
  const ipSpace = usesIpSpace(target.gateway);
  const probes: Probe[] = [
    {
      what: 'NAT rules',
      read: () => api.list(`${API}/edgeGateways/${edge}/nat/rules`, readNatRule),
      rights: NSXT_RIGHTS.nat,
    },
    {
      what: 'firewall rules',
      read: () => api.get(`${API}/edgeGateways/${edge}/firewall/rules`, readFirewallRules),
      rights: NSXT_RIGHTS.firewall,
    },
    {
      what: 'application port profiles',
      read: () => api.list(`${API}/applicationPortProfiles`, readPortProfile, { filter: 'scope==TENANT' }),
      rights: NSXT_RIGHTS.firewall,
    },
    {
      what: 'IP sets',
      read: () =>
        api.list(`${API}/firewallGroups/summaries`, readFirewallGroup, {
          filter: `ownerRef.id==${target.id}`,
        }),
      rights: NSXT_RIGHTS.firewall,
    },
    ...(ipSpace
      ? [
          {
            what: 'IP Spaces',
            read: () => api.list(`${API}/ipSpaces/summaries`, readIpSpace),
            rights: NSXT_RIGHTS.ipSpace,
          },
        ]
      : []),
  ];
  const refused: Probe[] = [];
  for (const probe of probes) {
    try {
      await probe.read();
    } catch (error) {
      if (!(error instanceof VcdApiError || error instanceof VcdNotFoundError)) {
        throw error;
      }
      refused.push(probe);
    }
  }
  const needed = [
    ...new Set([...NSXT_RIGHTS.nat, ...NSXT_RIGHTS.firewall, ...(ipSpace ? NSXT_RIGHTS.ipSpace : [])]),
  ];
  if (refused.length > 0) {
    return {
      name,
      status: 'fail',
      detail: `VCD refuses to show ${refused.map((p) => p.what).join(', ')} of ${target.gateway.name}`,
      fix: `add to the account's role: ${[...new Set(refused.flatMap((p) => p.rights))].join('; ')}`,
    };
  }
  const granted = await roleRights(api);
  const what = `NAT, firewall, port profiles, IP sets${ipSpace ? ', floating IPs' : ''}`;
  if (granted === undefined) {
    return {
      name,
      status: 'ok',
      detail: `${what} readable; the role's rights list is not visible to the account, so it must hold: ${needed.join('; ')}`,
    };
  }
  const missing = needed.filter((right) => !granted.has(right));
  if (missing.length > 0) {
    return {
      name,
      status: 'fail',
      detail: `the account's role lacks ${missing.join('; ')}: labbot cannot manage ${what} of ${target.gateway.name}`,
      fix: `add to the role: ${missing.join('; ')}`,
    };
  }
  return { name, status: 'ok', detail: `may manage ${what} (${needed.length} rights)` };
}

/** The rights of the session's roles, or undefined when VCD does not let the account read them. */
async function roleRights(api: CloudApi): Promise<Set<string> | undefined> {
  try {
    const roles = await api.get(`${API}/sessions/current`, (json) =>
      (Array.isArray(json.roleRefs) ? json.roleRefs : [])
        .map((r) => (typeof r === 'object' && r !== null ? (r as { id?: unknown }).id : undefined))
        .filter((id): id is string => typeof id === 'string'),
    );
    if (roles.length === 0) {
      return undefined;
    }
    const rights = new Set<string>();
    for (const role of roles) {
      const names = await api.list(`${API}/roles/${encodeURIComponent(role)}/rights`, (v) =>
        typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string'
          ? (v as { name: string }).name
          : undefined,
      );
      names.forEach((n) => rights.add(n));
    }
    return rights;
  } catch (error) {
    if (error instanceof VcdApiError || error instanceof VcdNotFoundError) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The three doctor lines of an NSX-T edge (edge gateway, edge addresses, edge rights).
 *
 * @throws VcdUnavailableError when VCD stops answering midway (the caller's step reports it).
 */
export async function nsxtEdgeChecks(
  api: CloudApi,
  target: Extract<EdgeTarget, { kind: 'nsxt' }>,
  pool: IpRange,
  context: { vdc: string; source: string },
): Promise<EdgeCheck[]> {
  const edge = await edgeLine(api, target, context.vdc);
  const addresses = await addressesLine(api, target, pool, context.source);
  const rights = await rightsLine(api, target);
  return [edge, addresses, rights];
}
