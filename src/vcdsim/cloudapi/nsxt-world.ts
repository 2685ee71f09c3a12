/**
 * The NSX-T world behind the CloudAPI: the edge's NAT and firewall rules, its IP sets, the org's application port
 * profiles and IP Space. Plain state with small invariant-keeping helpers; nsxt-operations.ts validates requests and
 * changes it through tasks. With an `nsxv` edge it still holds the SYSTEM port profiles (they exist on any VCD), but
 * the edge's services live in the legacy model (sim-state.ts).
 */
import { randomUUID } from 'node:crypto';
import { intToIp, ipToInt } from '../network-pools';
import {
  type EdgeDeploymentMode,
  type EdgeKind,
  type EdgeOptions,
  type SimFirewallGroup,
  type SimIpAllocation,
  type SimIpSpace,
  type SimNsxtFirewallRule,
  type SimNsxtNatRule,
  type SimPortProfile,
  type SimVdcGroup,
} from './nsxt-model';

/** Profiles NSX-T ships (scope SYSTEM); a handful of the real list, with NSX-T's names. */
const SYSTEM_PROFILES: readonly Omit<SimPortProfile, 'id' | 'origin' | 'scope' | 'description'>[] = [
  { name: 'HTTP', ports: [{ protocol: 'TCP', destinationPorts: ['80'] }] },
  { name: 'HTTPS', ports: [{ protocol: 'TCP', destinationPorts: ['443'] }] },
  { name: 'SSH', ports: [{ protocol: 'TCP', destinationPorts: ['22'] }] },
  { name: 'RDP', ports: [{ protocol: 'TCP', destinationPorts: ['3389'] }] },
  { name: 'DNS-UDP', ports: [{ protocol: 'UDP', destinationPorts: ['53'] }] },
  { name: 'ICMP ALL', ports: [{ protocol: 'ICMPv4', destinationPorts: [] }] },
  { name: 'TELNET', ports: [{ protocol: 'TCP', destinationPorts: ['23'] }] },
  {
    name: 'Web Services',
    ports: [
      { protocol: 'TCP', destinationPorts: ['80'] },
      { protocol: 'TCP', destinationPorts: ['443'] },
    ],
  },
];

/** The address a person's rules use: the last one of the public range, so labbot's first picks never meet it. */
export const PERSON_JUMP_HOST = '10.10.0.5';
export const PERSON_VPN_CIDR = '198.51.100.0/24';

export interface NsxtSnapshot {
  readonly kind: EdgeKind;
  readonly deploymentMode: EdgeDeploymentMode;
  readonly vdcGroup?: SimVdcGroup;
  readonly natRules: readonly SimNsxtNatRule[];
  readonly firewallRules: readonly SimNsxtFirewallRule[];
  readonly firewallGroups: readonly SimFirewallGroup[];
  readonly tenantPortProfiles: readonly SimPortProfile[];
  readonly ipAllocations: readonly SimIpAllocation[];
}

export interface NsxtWorldSeed {
  readonly edgeId: string;
  readonly options: EdgeOptions;
  readonly publicIps: { readonly start: string; readonly end: string };
  readonly now: number;
}

export class NsxtWorld {
  readonly kind: EdgeKind;
  readonly deploymentMode: EdgeDeploymentMode;
  readonly vdcGroup?: SimVdcGroup;
  readonly ipSpace?: SimIpSpace;
  natRules: SimNsxtNatRule[] = [];
  userRules: SimNsxtFirewallRule[] = [];
  readonly defaultRules: readonly SimNsxtFirewallRule[];
  readonly groups: SimFirewallGroup[] = [];
  readonly profiles: SimPortProfile[];

  constructor(seed: NsxtWorldSeed) {
    const { options } = seed;
    this.kind = options.kind ?? 'nsxv';
    const nsxt = this.kind === 'nsxt';
    if (
      !nsxt &&
      (options.vdcGroup !== undefined || options.ipSpace === true || options.deploymentMode !== undefined)
    ) {
      throw new Error('edge.vdcGroup, edge.ipSpace and edge.deploymentMode need edge.kind "nsxt"');
    }
    this.deploymentMode = options.deploymentMode ?? 'ACTIVE_STANDBY';
    this.vdcGroup = options.vdcGroup === undefined ? undefined : { id: randomUUID(), name: options.vdcGroup };
    this.ipSpace = options.ipSpace
      ? {
          id: randomUUID(),
          name: 'public-ip-space',
          rangeStart: seed.publicIps.start,
          rangeEnd: seed.publicIps.end,
          internalScope: '203.0.113.0/24',
          allocations: [],
        }
      : undefined;
    this.profiles = SYSTEM_PROFILES.map((p) => ({
      ...p,
      id: randomUUID(),
      scope: 'SYSTEM',
      description: p.name,
      origin: 'system',
    }));
    this.defaultRules = nsxt
      ? [
          {
            id: randomUUID(),
            name: 'default_rule',
            sourceGroupIds: [],
            destinationGroupIds: [],
            portProfileIds: [],
            ipProtocol: 'IPV4_IPV6',
            action: 'DROP',
            direction: 'IN_OUT',
            logging: false,
            enabled: true,
            origin: 'default',
            version: 0,
          },
        ]
      : [];
    if (nsxt && this.servicesAvailable() && options.personRules !== false) {
      this.seedPersonRules(seed);
    }
  }

  /**
   * Everything a client can change, as plain data: NAT and firewall rules (with versions), IP sets, TENANT port
   * profiles and floating IP allocations. Two snapshots are equal exactly when nothing was changed in between (the
   * teardown tests diff them).
   */
  snapshot(): NsxtSnapshot {
    return structuredClone({
      kind: this.kind,
      deploymentMode: this.deploymentMode,
      vdcGroup: this.vdcGroup,
      natRules: this.natRules,
      firewallRules: this.userRules,
      firewallGroups: this.groups,
      tenantPortProfiles: this.profiles.filter((p) => p.scope === 'TENANT'),
      ipAllocations: this.ipSpace?.allocations ?? [],
    });
  }

  /** False on a DISTRIBUTED_ONLY edge: no services router, so no NAT and no firewall. */
  servicesAvailable(): boolean {
    return this.kind === 'nsxt' && this.deploymentMode === 'ACTIVE_STANDBY';
  }

  profile(id: string): SimPortProfile | undefined {
    return this.profiles.find((p) => p.id === id);
  }

  profileByName(name: string): SimPortProfile | undefined {
    return this.profiles.find((p) => p.name === name);
  }

  group(id: string): SimFirewallGroup | undefined {
    return this.groups.find((g) => g.id === id);
  }

  natRule(id: string): SimNsxtNatRule | undefined {
    return this.natRules.find((r) => r.id === id);
  }

  /** Names of the NAT and firewall rules that reference a port profile or firewall group (delete guards). */
  referencesTo(id: string): string[] {
    return [
      ...this.natRules.filter((r) => r.applicationPortProfileId === id).map((r) => `NAT rule "${r.name}"`),
      ...this.userRules
        .filter((r) => [...r.sourceGroupIds, ...r.destinationGroupIds, ...r.portProfileIds].includes(id))
        .map((r) => `firewall rule "${r.name}"`),
    ];
  }

  /** Addresses of the IP Space's range not allocated yet, lowest first. */
  nextFreeFloatingIp(): string | undefined {
    const space = this.ipSpace;
    if (space === undefined) {
      return undefined;
    }
    const taken = new Set(space.allocations.map((a) => a.value));
    for (let n = ipToInt(space.rangeStart); n <= ipToInt(space.rangeEnd); n += 1) {
      const ip = intToIp(n);
      if (!taken.has(ip)) {
        return ip;
      }
    }
    return undefined;
  }

  /**
   * What a person set up by hand before labbot came: an IP set for the ops VPN, a DNAT to a jump host on the last
   * public address (port 2222 to SSH), an SNAT letting the jump host out, and two firewall rules. labbot must never
   * change them; tests compare them before and after.
   */
  private seedPersonRules(seed: NsxtWorldSeed): void {
    const publicIp = seed.publicIps.end;
    if (this.ipSpace !== undefined) {
      this.ipSpace.allocations.push({ id: randomUUID(), value: publicIp, allocatedAt: seed.now });
    }
    const vpn: SimFirewallGroup = {
      id: randomUUID(),
      name: 'ops-vpn',
      description: 'Operations VPN (set up by hand)',
      edgeId: seed.edgeId,
      ipAddresses: [PERSON_VPN_CIDR],
      origin: 'person',
    };
    this.groups.push(vpn);
    const ssh = this.profileByName('SSH');
    const telnet = this.profileByName('TELNET');
    this.natRules.push(
      {
        id: randomUUID(),
        name: 'ops jump host ssh',
        description: 'set up by hand',
        enabled: true,
        type: 'DNAT',
        externalAddresses: publicIp,
        internalAddresses: PERSON_JUMP_HOST,
        dnatExternalPort: '2222',
        applicationPortProfileId: ssh?.id,
        firewallMatch: 'MATCH_EXTERNAL_ADDRESS',
        priority: 0,
        logging: false,
        origin: 'person',
        version: 0,
      },
      {
        id: randomUUID(),
        name: 'ops jump host egress',
        description: 'set up by hand',
        enabled: true,
        type: 'SNAT',
        externalAddresses: publicIp,
        internalAddresses: PERSON_JUMP_HOST,
        firewallMatch: 'MATCH_INTERNAL_ADDRESS',
        priority: 0,
        logging: false,
        origin: 'person',
        version: 0,
      },
    );
    const rule = (
      name: string,
      action: 'ALLOW' | 'DROP',
      sourceGroupIds: string[],
      portProfileIds: string[],
    ): SimNsxtFirewallRule => ({
      id: randomUUID(),
      name,
      description: 'set up by hand',
      sourceGroupIds,
      destinationGroupIds: [],
      portProfileIds,
      ipProtocol: 'IPV4',
      action,
      direction: 'IN',
      logging: false,
      enabled: true,
      origin: 'person',
      version: 0,
    });
    this.userRules.push(
      rule('ops vpn to jump host', 'ALLOW', [vpn.id], ssh === undefined ? [] : [ssh.id]),
      rule('no telnet', 'DROP', [], telnet === undefined ? [] : [telnet.id]),
    );
  }
}
