/**
 * The CloudAPI JSON documents of NSX-T edge networking that labbot reads and writes (definitions of the 37.2
 * Swagger: EdgeGateway, EdgeNatRule, EdgeFirewallRules, FirewallGroupDetails, ApplicationPortProfile,
 * GatewayUsedIpAddress, IpSpace, IpSpaceIpAllocation). Readers keep what labbot needs and pass the rest through
 * untouched where a document is written back (firewall rules of other writers), so nothing unknown is lost.
 */

export interface EntityRef {
  id: string;
  name?: string;
}

/** `EdgeGatewayBacking.gatewayType`, and NSX-V/NSX-T as the query service's `edgeGatewayType` says it. */
export type EdgeBacking = 'NSXV_BACKED' | 'NSXT_BACKED' | 'NSXT_IMPORTED' | 'unknown';

export interface NsxtIpRange {
  startAddress: string;
  endAddress: string;
}

export interface NsxtUplink {
  uplinkId?: string;
  uplinkName?: string;
  usingIpSpace: boolean;
  subnets: { gateway?: string; prefixLength?: number; primaryIp?: string; ipRanges: NsxtIpRange[] }[];
}

export interface NsxtEdgeGateway {
  id: string;
  name: string;
  backing: EdgeBacking;
  /** The VDC or VDC group the edge belongs to. */
  ownerRef?: EntityRef;
  orgVdc?: EntityRef;
  orgRef?: EntityRef;
  uplinks: NsxtUplink[];
  /** VCD 10.6: `DISTRIBUTED_ONLY` edges route but have no NAT or firewall (no service edge cluster). */
  deploymentMode?: string;
}

export interface NsxtNatRule {
  id?: string;
  name: string;
  description?: string;
  enabled?: boolean;
  type?: string;
  ruleType?: string;
  externalAddresses: string;
  internalAddresses: string;
  dnatExternalPort?: string;
  snatDestinationAddresses?: string;
  applicationPortProfile?: EntityRef;
  firewallMatch?: string;
  logging?: boolean;
  version?: { version: number };
}

export interface NsxtFirewallRule {
  id?: string;
  name?: string;
  description?: string;
  enabled?: boolean;
  actionValue?: string;
  direction?: string;
  ipProtocol?: string;
  logging?: boolean;
  sourceFirewallGroups?: EntityRef[] | null;
  destinationFirewallGroups?: EntityRef[] | null;
  applicationPortProfiles?: EntityRef[] | null;
  version?: { version: number };
  /** Every field labbot does not know, written back as read. */
  [other: string]: unknown;
}

export interface NsxtFirewallGroup {
  id: string;
  name: string;
  description?: string;
  ipAddresses: string[];
  ownerRef?: EntityRef;
}

export interface NsxtPortProfile {
  id: string;
  name: string;
  description?: string;
  scope?: string;
  applicationPorts: { protocol?: string; destinationPorts?: string[] }[];
}

export interface NsxtUsedIp {
  ipAddress: string;
  category?: string;
}

export interface IpSpaceAllocation {
  id: string;
  type?: string;
  value: string;
  description?: string;
  usageState?: string;
}

export interface IpSpaceRef {
  id: string;
  name: string;
  ranges: NsxtIpRange[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const obj = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function readRef(value: unknown): EntityRef | undefined {
  const o = obj(value);
  const id = str(o?.id);
  if (o === undefined || id === undefined) {
    return undefined;
  }
  const name = str(o.name);
  return name === undefined ? { id } : { id, name };
}

function readRefs(value: unknown): EntityRef[] | null | undefined {
  if (value === null) {
    return null;
  }
  if (!Array.isArray(value)) {
    return undefined;
  }
  return value.map(readRef).filter((r): r is EntityRef => r !== undefined);
}

function readVersion(value: unknown): { version: number } | undefined {
  const version = obj(value)?.version;
  return typeof version === 'number' ? { version } : undefined;
}

function readRanges(value: unknown): NsxtIpRange[] {
  return arr(obj(value)?.values)
    .map(obj)
    .map((r) => ({ startAddress: str(r?.startAddress) ?? '', endAddress: str(r?.endAddress) ?? '' }))
    .filter((r) => r.startAddress !== '')
    .map((r) => ({ ...r, endAddress: r.endAddress || r.startAddress }));
}

export function toBacking(value: string | undefined): EdgeBacking {
  switch (value?.toUpperCase()) {
    case 'NSXV_BACKED':
    case 'NSXT_BACKED':
    case 'NSXT_IMPORTED':
      return value.toUpperCase() as EdgeBacking;
    default:
      return 'unknown';
  }
}

export function readEdgeGateway(value: unknown): NsxtEdgeGateway | undefined {
  const o = obj(value);
  const id = str(o?.id);
  const name = str(o?.name);
  if (o === undefined || id === undefined || name === undefined) {
    return undefined;
  }
  const backing = obj(o.gatewayBacking);
  const deploymentMode = str(o.deploymentMode) ?? str(obj(o.edgeClusterConfig)?.deploymentMode);
  return {
    id,
    name,
    backing: toBacking(str(backing?.gatewayType)),
    ownerRef: readRef(o.ownerRef),
    orgVdc: readRef(o.orgVdc),
    orgRef: readRef(o.orgRef),
    uplinks: arr(o.edgeGatewayUplinks)
      .map(obj)
      .filter((u): u is Record<string, unknown> => u !== undefined)
      .map((u) => ({
        uplinkId: str(u.uplinkId),
        uplinkName: str(u.uplinkName),
        usingIpSpace: u.usingIpSpace === true,
        subnets: arr(obj(u.subnets)?.values)
          .map(obj)
          .filter((s): s is Record<string, unknown> => s !== undefined)
          .map((s) => ({
            gateway: str(s.gateway),
            prefixLength: typeof s.prefixLength === 'number' ? s.prefixLength : undefined,
            primaryIp: str(s.primaryIp),
            ipRanges: readRanges(s.ipRanges),
          })),
      })),
    ...(deploymentMode !== undefined ? { deploymentMode } : {}),
  };
}

export function readNatRule(value: unknown): NsxtNatRule | undefined {
  const o = obj(value);
  const name = str(o?.name);
  if (o === undefined || name === undefined) {
    return undefined;
  }
  const optional = {
    id: str(o.id),
    description: str(o.description),
    enabled: typeof o.enabled === 'boolean' ? o.enabled : undefined,
    type: str(o.type),
    ruleType: str(o.ruleType),
    dnatExternalPort: str(o.dnatExternalPort),
    snatDestinationAddresses: str(o.snatDestinationAddresses),
    applicationPortProfile: readRef(o.applicationPortProfile),
    firewallMatch: str(o.firewallMatch),
    version: readVersion(o.version),
  };
  return {
    name,
    externalAddresses: str(o.externalAddresses) ?? '',
    internalAddresses: str(o.internalAddresses) ?? '',
    ...(Object.fromEntries(
      Object.entries(optional).filter(([, v]) => v !== undefined),
    ) as Partial<NsxtNatRule>),
  };
}

/** A firewall rule as read, every field kept (they go back in the whole-list PUT). */
export function readFirewallRule(value: unknown): NsxtFirewallRule | undefined {
  const o = obj(value);
  if (o === undefined) {
    return undefined;
  }
  const rule: NsxtFirewallRule = { ...o };
  for (const key of [
    'sourceFirewallGroups',
    'destinationFirewallGroups',
    'applicationPortProfiles',
  ] as const) {
    const refs = readRefs(o[key]);
    if (refs !== undefined) {
      rule[key] = refs;
    }
  }
  return rule;
}

export function readFirewallRules(json: Record<string, unknown>): NsxtFirewallRule[] {
  return arr(json.userDefinedRules)
    .map(readFirewallRule)
    .filter((r): r is NsxtFirewallRule => r !== undefined);
}

export function readFirewallGroup(value: unknown): NsxtFirewallGroup | undefined {
  const o = obj(value);
  const id = str(o?.id);
  const name = str(o?.name);
  if (o === undefined || id === undefined || name === undefined) {
    return undefined;
  }
  return {
    id,
    name,
    ...(str(o.description) !== undefined ? { description: str(o.description) } : {}),
    ipAddresses: arr(o.ipAddresses).filter((a): a is string => typeof a === 'string'),
    ...((readRef(o.ownerRef) ?? readRef(o.edgeGatewayRef))
      ? { ownerRef: readRef(o.ownerRef) ?? readRef(o.edgeGatewayRef) }
      : {}),
  };
}

export function readPortProfile(value: unknown): NsxtPortProfile | undefined {
  const o = obj(value);
  const id = str(o?.id);
  const name = str(o?.name);
  if (o === undefined || id === undefined || name === undefined) {
    return undefined;
  }
  return {
    id,
    name,
    description: str(o.description),
    scope: str(o.scope),
    applicationPorts: arr(o.applicationPorts)
      .map(obj)
      .filter((p): p is Record<string, unknown> => p !== undefined)
      .map((p) => ({
        protocol: str(p.protocol),
        destinationPorts: arr(p.destinationPorts).filter((d): d is string => typeof d === 'string'),
      })),
  };
}

export function readUsedIp(value: unknown): NsxtUsedIp | undefined {
  const o = obj(value);
  const ipAddress = str(o?.ipAddress);
  return ipAddress === undefined ? undefined : { ipAddress, category: str(o?.category) };
}

export function readIpSpaceAllocation(value: unknown): IpSpaceAllocation | undefined {
  const o = obj(value);
  const id = str(o?.id);
  const v = str(o?.value);
  if (id === undefined || v === undefined) {
    return undefined;
  }
  return {
    id,
    value: v,
    type: str(o?.type),
    description: str(o?.description),
    usageState: str(o?.usageState),
  };
}

export function readIpSpace(value: unknown): IpSpaceRef | undefined {
  const o = obj(value);
  const id = str(o?.id);
  const name = str(o?.name);
  if (o === undefined || id === undefined || name === undefined) {
    return undefined;
  }
  const ranges = arr(obj(o.ipSpaceRanges)?.ipRanges)
    .map(obj)
    .map((r) => ({ startAddress: str(r?.startIpAddress) ?? '', endAddress: str(r?.endIpAddress) ?? '' }))
    .filter((r) => r.startAddress !== '');
  return { id, name, ranges };
}
