/**
 * The NSX-T side of the simulated org, as the CloudAPI shows it: NAT and firewall rules of an NSX-T edge gateway,
 * firewall groups (IP sets), application port profiles and IP Spaces. Plain data; nsxt-world.ts owns and changes it.
 */

/** NAT rule types of API 36.0+ (`type`); API < 36 calls the field `ruleType` and knows no REFLEXIVE. */
export type NsxtNatType = 'DNAT' | 'SNAT' | 'NO_DNAT' | 'NO_SNAT' | 'REFLEXIVE';
export type FirewallMatch = 'MATCH_INTERNAL_ADDRESS' | 'MATCH_EXTERNAL_ADDRESS' | 'BYPASS';

/** An NSX-T edge NAT rule (`EdgeNatRule`). `version` grows on every change; a stale one conflicts. */
export interface SimNsxtNatRule {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly type: NsxtNatType;
  readonly externalAddresses: string;
  readonly internalAddresses: string;
  /** DNAT: the public port (API 35.0+; `internalPort` before, with the same meaning). */
  readonly dnatExternalPort?: string;
  readonly snatDestinationAddresses?: string;
  readonly applicationPortProfileId?: string;
  readonly firewallMatch: FirewallMatch;
  readonly priority: number;
  readonly logging: boolean;
  /** Who made it, for the admin view and tests (`person` for the seeded ones, `api` for anything sent). */
  readonly origin: 'person' | 'api';
  readonly version: number;
}

export type FirewallAction = 'ALLOW' | 'DROP' | 'REJECT';
export type FirewallDirection = 'IN' | 'OUT' | 'IN_OUT';
export type FirewallIpProtocol = 'IPV4' | 'IPV6' | 'IPV4_IPV6';

/** A user-defined (or default) NSX-T edge firewall rule (`EdgeFirewallRule`); groups and profiles by id. */
export interface SimNsxtFirewallRule {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly comments?: string;
  readonly sourceGroupIds: readonly string[];
  readonly destinationGroupIds: readonly string[];
  readonly portProfileIds: readonly string[];
  readonly ipProtocol: FirewallIpProtocol;
  readonly action: FirewallAction;
  readonly direction: FirewallDirection;
  readonly logging: boolean;
  readonly enabled: boolean;
  readonly origin: 'person' | 'api' | 'default';
  readonly version: number;
}

/** A firewall group of type IP_SET owned by the edge (`FirewallGroupDetails`). */
export interface SimFirewallGroup {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly edgeId: string;
  readonly ipAddresses: readonly string[];
  readonly origin: 'person' | 'api';
}

export type PortProtocol = 'TCP' | 'UDP' | 'ICMPv4' | 'ICMPv6';

/** An application port profile: SYSTEM ones come with NSX-T, TENANT ones belong to the org. */
export interface SimPortProfile {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly scope: 'SYSTEM' | 'PROVIDER' | 'TENANT';
  readonly ports: readonly {
    readonly protocol: PortProtocol;
    readonly destinationPorts: readonly string[];
  }[];
  readonly origin: 'system' | 'api';
}

/** One floating IP allocated to the org from an IP Space (VCD 10.4.1+). */
export interface SimIpAllocation {
  readonly id: string;
  readonly value: string;
  readonly allocatedAt: number;
}

/** A public IP Space with one range, from which the org allocates floating IPs. */
export interface SimIpSpace {
  readonly id: string;
  readonly name: string;
  readonly rangeStart: string;
  readonly rangeEnd: string;
  readonly internalScope: string;
  readonly allocations: SimIpAllocation[];
}

/** A VDC group that owns the edge and the org networks when the simulator is so configured. */
export interface SimVdcGroup {
  readonly id: string;
  readonly name: string;
}

export type EdgeKind = 'nsxt' | 'nsxv';
export type EdgeDeploymentMode = 'ACTIVE_STANDBY' | 'DISTRIBUTED_ONLY';

/** How the simulator's edge gateway is backed and owned (VcdSimOptions.edge). */
export interface EdgeOptions {
  /** `nsxv` (the legacy edge, default) or `nsxt`. */
  readonly kind?: EdgeKind;
  /** NSX-T: owned by a VDC group of this name instead of the VDC (networks too). */
  readonly vdcGroup?: string;
  /** NSX-T: public addresses come from an IP Space (floating IP allocations) instead of a static sub-allocation. */
  readonly ipSpace?: boolean;
  /** NSX-T: VCD 10.6 deployment mode; `DISTRIBUTED_ONLY` has no NAT and no firewall. */
  readonly deploymentMode?: EdgeDeploymentMode;
  /** NSX-T: seed the rules, IP set and port profile "a person made" (default true). */
  readonly personRules?: boolean;
}
