/**
 * The CloudAPI JSON documents (swagger 37.2 definitions): EdgeGateway, EdgeNatRule, EdgeFirewallRules,
 * FirewallGroupDetails, ApplicationPortProfile, VdcNetwork, GatewayUsedIpAddress, IpSpace and IpSpaceIpAllocation.
 * Fields follow the request's API version as VCD serializes them (yaml-35 annotations): `internalPort` before 35.0
 * and `dnatExternalPort` from it, `firewallMatch`/`priority`/`actionValue` from 35.2, `type` from 36.0, `comments`
 * from 36.2. Absent values are left out rather than written as null, which the swagger types would refuse.
 */
import { dateTime, type RenderContext } from '../documents/common';
import { urn } from '../hrefs';
import { ipToInt } from '../network-pools';
import { type SimEdgeGateway, type SimNetwork } from '../model';
import {
  type SimFirewallGroup,
  type SimIpAllocation,
  type SimIpSpace,
  type SimNsxtFirewallRule,
  type SimNsxtNatRule,
  type SimPortProfile,
  type SimVdcGroup,
} from './nsxt-model';
import { type NsxtWorld } from './nsxt-world';

/** `37.2` → 3702, for comparisons. */
export function versionNumber(apiVersion: string): number {
  const [major = '0', minor = '0'] = apiVersion.split('.');
  return Number(major) * 100 + Number(minor);
}

function ref(id: string, name: string): { id: string; name: string } {
  return { id, name };
}

/** The prefix length of a dotted netmask (255.255.0.0 → 16). */
export function prefixLength(netmask: string): number {
  return (ipToInt(netmask) >>> 0).toString(2).replace(/0+$/, '').length;
}

/** The VDC or VDC group that owns the edge and the networks. */
export function ownerRef(ctx: RenderContext): { id: string; name: string } {
  const group = ctx.state.nsxt.vdcGroup;
  return group === undefined
    ? ref(urn('vdc', ctx.state.vdc.id), ctx.state.vdc.name)
    : ref(urn('vdcGroup', group.id), group.name);
}

function orgRef(ctx: RenderContext): { id: string; name: string } {
  return ref(urn('org', ctx.state.org.id), ctx.state.org.name);
}

/** `orgVdc` (deprecated, read-only): set when a VDC owns the entity, absent when a VDC group does. */
function orgVdcField(ctx: RenderContext): { orgVdc?: { id: string; name: string } } {
  return ctx.state.nsxt.vdcGroup === undefined
    ? { orgVdc: ref(urn('vdc', ctx.state.vdc.id), ctx.state.vdc.name) }
    : {};
}

export function edgeRef(edge: SimEdgeGateway): { id: string; name: string } {
  return ref(urn('gateway', edge.id), edge.name);
}

/** Public addresses the edge's services use (uplink primary address included), with their category. */
export function usedIpAddresses(ctx: RenderContext): { ipAddress: string; category: string }[] {
  const { state } = ctx;
  const used = [{ ipAddress: state.edge.uplink.primaryIp, category: 'PRIMARY_IP' }];
  if (state.nsxt.kind === 'nsxt') {
    for (const rule of state.nsxt.natRules) {
      if (rule.type === 'DNAT' || rule.type === 'SNAT') {
        used.push({ ipAddress: rule.externalAddresses, category: rule.type });
      }
    }
  } else {
    for (const rule of state.edge.nat.rules) {
      used.push({
        ipAddress: rule.ruleType === 'DNAT' ? rule.originalIp : rule.translatedIp,
        category: rule.ruleType,
      });
    }
  }
  return used;
}

export function edgeGatewayJson(ctx: RenderContext, edge: SimEdgeGateway): Record<string, unknown> {
  const { state } = ctx;
  const nsxt = state.nsxt.kind === 'nsxt';
  const ipSpace = state.nsxt.ipSpace;
  const uplink = edge.uplink;
  const total = ipToInt(uplink.poolEnd) - ipToInt(uplink.poolStart) + 1;
  const inPool = (ip: string): boolean =>
    ipToInt(ip) >= ipToInt(uplink.poolStart) && ipToInt(ip) <= ipToInt(uplink.poolEnd);
  const usedInPool = new Set(
    usedIpAddresses(ctx)
      .map((u) => u.ipAddress)
      .filter(inPool),
  ).size;
  return {
    id: urn('gateway', edge.id),
    name: edge.name,
    description: '',
    status: 'REALIZED',
    edgeGatewayUplinks: [
      {
        uplinkId: urn('network', uplink.networkId),
        uplinkName: uplink.name,
        subnets: {
          values: [
            {
              gateway: uplink.gateway,
              prefixLength: prefixLength(uplink.netmask),
              enabled: true,
              ipRanges: {
                values:
                  ipSpace === undefined
                    ? [{ startAddress: uplink.poolStart, endAddress: uplink.poolEnd }]
                    : [],
              },
              primaryIp: uplink.primaryIp,
              autoAllocateIpRanges: false,
              totalIpCount: ipSpace === undefined ? total : 0,
              usedIpCount: ipSpace === undefined ? usedInPool : 0,
            },
          ],
        },
        connected: true,
        dedicated: false,
        usingIpSpace: ipSpace !== undefined,
        vrfLiteBacked: false,
        ...(nsxt ? { backingType: 'NSXT_TIER0' } : {}),
      },
    ],
    distributedRoutingEnabled: nsxt,
    nonDistributedRoutingEnabled: !nsxt,
    orgVdcNetworkCount: state.networks.length,
    gatewayBacking: {
      backingId: nsxt ? `/infra/tier-1s/${edge.id}` : `edge-${edge.id.slice(0, 4)}`,
      gatewayType: nsxt ? 'NSXT_BACKED' : 'NSXV_BACKED',
      networkProvider: ref(
        urn(nsxt ? 'nsxtmanager' : 'vcenter', state.org.id),
        nsxt ? 'nsxt-manager-01' : 'vcenter-01',
      ),
    },
    ...orgVdcField(ctx),
    ownerRef: ownerRef(ctx),
    orgRef: orgRef(ctx),
    ...(nsxt
      ? {
          serviceNetworkDefinition: '192.168.255.225/27',
          // VCD 10.6 (API 39.0); older clients ignore it.
          deploymentMode: state.nsxt.deploymentMode,
        }
      : {}),
  };
}

export function natRuleJson(
  ctx: RenderContext,
  rule: SimNsxtNatRule,
  apiVersion: string,
): Record<string, unknown> {
  const v = versionNumber(apiVersion);
  const profile =
    rule.applicationPortProfileId === undefined
      ? undefined
      : ctx.state.nsxt.profile(rule.applicationPortProfileId);
  return {
    id: rule.id,
    name: rule.name,
    description: rule.description,
    enabled: rule.enabled,
    ...(rule.type === 'REFLEXIVE' ? {} : { ruleType: rule.type }),
    ...(v >= 3600 ? { type: rule.type } : {}),
    ...(profile === undefined
      ? {}
      : { applicationPortProfile: ref(urn('applicationPortProfile', profile.id), profile.name) }),
    externalAddresses: rule.externalAddresses,
    internalAddresses: rule.internalAddresses,
    ...(rule.dnatExternalPort === undefined
      ? {}
      : v >= 3500
        ? { dnatExternalPort: rule.dnatExternalPort }
        : { internalPort: rule.dnatExternalPort }),
    logging: rule.logging,
    systemRule: false,
    ...(rule.snatDestinationAddresses === undefined
      ? {}
      : { snatDestinationAddresses: rule.snatDestinationAddresses }),
    ...(v >= 3502 ? { firewallMatch: rule.firewallMatch, priority: rule.priority } : {}),
    version: { version: rule.version },
  };
}

export function firewallRuleJson(
  ctx: RenderContext,
  rule: SimNsxtFirewallRule,
  apiVersion: string,
): Record<string, unknown> {
  const v = versionNumber(apiVersion);
  const { nsxt } = ctx.state;
  const groups = (ids: readonly string[]): { id: string; name: string }[] =>
    ids.map((id) => ref(urn('firewallGroup', id), nsxt.group(id)?.name ?? ''));
  return {
    id: rule.id,
    name: rule.name,
    ...(rule.description === undefined ? {} : { description: rule.description }),
    ...(rule.sourceGroupIds.length > 0 ? { sourceFirewallGroups: groups(rule.sourceGroupIds) } : {}),
    ...(rule.destinationGroupIds.length > 0
      ? { destinationFirewallGroups: groups(rule.destinationGroupIds) }
      : {}),
    ...(rule.portProfileIds.length > 0
      ? {
          applicationPortProfiles: rule.portProfileIds.map((id) =>
            ref(urn('applicationPortProfile', id), nsxt.profile(id)?.name ?? ''),
          ),
        }
      : {}),
    ipProtocol: rule.ipProtocol,
    ...(rule.action === 'REJECT' ? {} : { action: rule.action }),
    ...(v >= 3502 ? { actionValue: rule.action } : {}),
    direction: rule.direction,
    logging: rule.logging,
    enabled: rule.enabled,
    ...(v >= 3602 && rule.comments !== undefined ? { comments: rule.comments } : {}),
    version: { version: rule.version },
  };
}

export function firewallRulesJson(
  ctx: RenderContext,
  world: NsxtWorld,
  apiVersion: string,
): Record<string, unknown> {
  return {
    status: 'REALIZED',
    systemRules: [],
    userDefinedRules: world.userRules.map((r) => firewallRuleJson(ctx, r, apiVersion)),
    defaultRules: world.defaultRules.map((r) => firewallRuleJson(ctx, r, apiVersion)),
  };
}

export function firewallGroupJson(
  ctx: RenderContext,
  group: SimFirewallGroup,
  apiVersion: string,
): Record<string, unknown> {
  const v = versionNumber(apiVersion);
  const edge = edgeRef(ctx.state.edge);
  return {
    id: urn('firewallGroup', group.id),
    name: group.name,
    description: group.description,
    orgRef: orgRef(ctx),
    edgeGatewayRef: edge,
    ...(v >= 3500 ? { ownerRef: edge } : {}),
    networkProviderScope: '',
    status: 'REALIZED',
    type: 'IP_SET',
    ...(v >= 3502 ? { typeValue: 'IP_SET' } : {}),
    ipAddresses: [...group.ipAddresses],
    members: [],
  };
}

/** Usable in a NAT rule: one application port entry with at most one destination port. */
export function usableForNat(profile: SimPortProfile): boolean {
  return profile.ports.length === 1 && (profile.ports[0]?.destinationPorts.length ?? 0) <= 1;
}

export function portProfileJson(ctx: RenderContext, profile: SimPortProfile): Record<string, unknown> {
  return {
    id: urn('applicationPortProfile', profile.id),
    name: profile.name,
    description: profile.description,
    scope: profile.scope,
    applicationPorts: profile.ports.map((p) => ({
      name: `${p.protocol} ${p.destinationPorts.join(',') || 'any'}`,
      protocol: p.protocol,
      destinationPorts: [...p.destinationPorts],
    })),
    usableForNAT: usableForNat(profile),
    ...(profile.scope === 'TENANT' ? { orgRef: orgRef(ctx), contextEntityId: ownerRef(ctx).id } : {}),
    networkProviderScope: '',
    status: 'REALIZED',
  };
}

export function vdcNetworkJson(ctx: RenderContext, network: SimNetwork): Record<string, unknown> {
  const { state } = ctx;
  const nsxt = state.nsxt.kind === 'nsxt';
  const pool = state.pool(network.id);
  return {
    id: urn('network', network.id),
    name: network.name,
    description: '',
    subnets: {
      values: [
        {
          gateway: network.gateway,
          prefixLength: prefixLength(network.netmask),
          dnsSuffix: network.dnsSuffix,
          dnsServer1: network.dns1,
          dnsServer2: network.dns2,
          ipRanges: { values: [{ startAddress: network.poolStart, endAddress: network.poolEnd }] },
          enabled: true,
          totalIpCount: pool?.total ?? 0,
          usedIpCount: pool?.usedCount ?? 0,
        },
      ],
    },
    backingNetworkId: nsxt ? `/infra/segments/${network.id}` : `virtualwire-${network.id.slice(0, 4)}`,
    backingNetworkType: nsxt ? 'NSXT_FLEXIBLE_SEGMENT' : 'VIRTUAL_WIRE',
    networkType: 'NAT_ROUTED',
    ...orgVdcField(ctx),
    ownerRef: ownerRef(ctx),
    orgVdcIsNsxTBacked: nsxt,
    orgRef: orgRef(ctx),
    connection: {
      routerRef: edgeRef(state.edge),
      connectionType: 'INTERNAL',
      connectionTypeValue: 'INTERNAL',
      connected: true,
    },
    shared: true,
    enableDualSubnetNetwork: false,
    status: 'REALIZED',
    guestVlanTaggingAllowed: false,
  };
}

export function usedIpJson(
  ctx: RenderContext,
  used: { ipAddress: string; category: string },
): Record<string, unknown> {
  const { uplink } = ctx.state.edge;
  return {
    networkRef: ref(urn('network', uplink.networkId), uplink.name),
    ipAddress: used.ipAddress,
    category: used.category,
  };
}

function floatingIpCounts(space: SimIpSpace): { total: number; allocated: number } {
  return {
    total: ipToInt(space.rangeEnd) - ipToInt(space.rangeStart) + 1,
    allocated: space.allocations.length,
  };
}

export function ipSpaceSummaryJson(ctx: RenderContext, space: SimIpSpace): Record<string, unknown> {
  const { total, allocated } = floatingIpCounts(space);
  return {
    id: urn('ipSpace', space.id),
    name: space.name,
    type: 'PUBLIC',
    orgRef: orgRef(ctx),
    status: 'REALIZED',
    utilization: {
      floatingIPs: {
        totalCount: String(total),
        allocatedCount: String(allocated),
        usedCount: String(allocated),
        unusedCount: String(total - allocated),
        allocatedPercentage: (allocated / total) * 100,
        usedPercentage: (allocated / total) * 100,
      },
    },
  };
}

export function ipSpaceJson(ctx: RenderContext, space: SimIpSpace): Record<string, unknown> {
  const { total, allocated } = floatingIpCounts(space);
  return {
    ...ipSpaceSummaryJson(ctx, space),
    ipSpaceRanges: {
      ipRanges: [
        {
          id: urn('ipSpaceRange', space.id),
          startIpAddress: space.rangeStart,
          endIpAddress: space.rangeEnd,
          totalIpCount: String(total),
          allocatedIpCount: String(allocated),
          allocatedIpPercentage: (allocated / total) * 100,
        },
      ],
      defaultFloatingIpQuota: -1,
    },
    ipSpacePrefixes: [],
    ipSpaceInternalScope: [space.internalScope],
    ipSpaceExternalScope: '0.0.0.0/0',
    routeAdvertisementEnabled: false,
  };
}

export function ipAllocationJson(ctx: RenderContext, allocation: SimIpAllocation): Record<string, unknown> {
  const users = ctx.state.nsxt.natRules.filter((r) => r.externalAddresses === allocation.value);
  return {
    id: urn('ipSpaceIpAllocation', allocation.id),
    type: 'FLOATING_IP',
    value: allocation.value,
    allocationDate: dateTime(allocation.allocatedAt),
    orgRef: orgRef(ctx),
    usageState: users.length > 0 ? 'USED' : 'UNUSED',
    ...(users.length > 0 ? { usedByRef: edgeRef(ctx.state.edge), usageCategories: ['NAT'] } : {}),
  };
}

/** The VDC group (`VdcGroup`): a LOCAL NSX-T group of the org's first VDC. */
export function vdcGroupJson(ctx: RenderContext, group: SimVdcGroup): Record<string, unknown> {
  const { state } = ctx;
  return {
    id: urn('vdcGroup', group.id),
    orgId: urn('org', state.org.id),
    name: group.name,
    description: '',
    localEgress: false,
    participatingOrgVdcs: [
      {
        vdcRef: ref(urn('vdc', state.vdc.id), state.vdc.name),
        orgRef: orgRef(ctx),
        networkProviderScope: '',
        faultDomainTag: '',
        remoteOrg: false,
        status: 'REALIZED',
      },
    ],
    universalNetworkingEnabled: false,
    status: 'REALIZED',
    type: 'LOCAL',
    networkProviderType: 'NSX_T',
    dfwEnabled: false,
  };
}
