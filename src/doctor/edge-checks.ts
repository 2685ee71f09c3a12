/**
 * The edge gateway checks: one is there, its public addresses hold the lab pool, and the role may change its NAT and
 * firewall rules (NSX-V through configureServices, NSX-T through the CloudAPI).
 */
import { type Config } from '../config/config';
import { inRange } from '../labs/ipv4';
import { VcdApiError, VcdNotFoundError } from '../vcd/errors';
import { type VcdEdgeGatewayRecord } from '../vcd/network-resources';
import { nsxtEdgeChecks } from '../vcd/nsxt/nsxt-doctor';
import { type VcdInspector } from '../vcd/vcd-inspector';
import { uplinkAddresses } from '../vcd/wire/edge-gateway';
import { reason, type DoctorCheck } from './report';

/** The edge lines of the report (edge gateway, and edge addresses and rights when they were checked). */
export async function edgeChecks(config: Config, inspector: VcdInspector): Promise<DoctorCheck[]> {
  const warnFix =
    'labs get no DNAT/firewall access rules without one: ask the provider for an edge gateway in this VDC, or reach labs over a VPN';
  let edges: VcdEdgeGatewayRecord[];
  try {
    edges = await inspector.listEdgeGateways();
  } catch (error) {
    if (error instanceof VcdApiError) {
      return [
        {
          name: 'edge gateway',
          status: 'warn',
          detail: `could not list edge gateways: ${reason(error)}`,
          fix: `grant the role the right to view edge gateways; ${warnFix}`,
        },
      ];
    }
    throw error;
  }
  if (edges.length === 0) {
    return [
      {
        name: 'edge gateway',
        status: 'warn',
        detail: `none in VDC ${config.vcd.vdc}`,
        fix: warnFix,
      },
    ];
  }
  const configured = config.policy.edge;
  const source = config.policySource === 'built-in' ? 'labbot.yml' : config.policySource;
  if (configured !== undefined) {
    const nsxt = await nsxtEdge(config, inspector, configured, source);
    if (nsxt !== undefined) {
      return nsxt;
    }
  }
  const routedVia = new Set((await inspector.listOrgVdcNetworks()).map((n) => n.edgeGatewayName));
  const record =
    configured !== undefined
      ? edges.find((e) => e.name === configured.gateway)
      : (edges.find((e) => routedVia.has(e.name)) ?? edges[0]);
  if (record === undefined) {
    if (configured !== undefined) {
      return [
        {
          name: 'edge gateway',
          status: 'fail',
          detail: `${configured.gateway} (edge.gateway in ${source}) is not in VDC ${config.vcd.vdc}`,
          fix: `set edge.gateway in ${source} to one of: ${edges.map((e) => e.name).join(', ')}`,
        },
      ];
    }
    return [{ name: 'edge gateway', status: 'warn', detail: 'none found', fix: warnFix }];
  }
  const edge = await inspector.getEdgeGateway(record.href);
  const uplinks = uplinkAddresses(edge);
  const addresses = uplinks.map((r) => (r.start === r.end ? r.start : `${r.start}-${r.end}`));
  const extra = edges.length > 1 ? ` (${edges.length} in the VDC)` : '';
  if (configured !== undefined) {
    // Labs get their address and rules from this edge: a pool outside its public addresses, or an edge the role
    // may not reconfigure, fails every deploy with networking, so both are failures here rather than at deploy.
    const pool = configured.publicIps;
    const outside = [pool.start, pool.end].filter((ip) => !uplinks.some((r) => inRange(ip, r)));
    if (outside.length > 0) {
      return [
        {
          name: 'edge gateway',
          status: 'fail',
          detail: `edge.publicIps ${pool.start}-${pool.end} in ${source} is not within ${edge.name}'s public addresses (${addresses.join(', ') || 'none'})`,
          fix: `set edge.publicIps in ${source} to addresses the provider sub-allocated to ${edge.name}`,
        },
      ];
    }
    if (edge.configureServicesHref === undefined) {
      return [
        {
          name: 'edge gateway',
          status: 'fail',
          detail: `${edge.name} offers no configureServices link: labbot cannot add the labs' NAT and firewall rules`,
          fix: 'give the role the right to configure the edge gateway services, or remove the network blocks of the templates',
        },
      ];
    }
    return [
      {
        name: 'edge addresses',
        status: 'ok',
        detail: `static sub-allocation on the uplink (${addresses.join(', ')}); lab pool ${pool.start}-${pool.end}`,
      },
      {
        name: 'edge rights',
        status: 'ok',
        detail: 'configureServices allowed: NAT and firewall rules through the legacy NSX-V API',
      },
      {
        name: 'edge gateway',
        status: 'ok',
        detail: `${edge.name}${extra}: NSX-V (legacy), lab pool ${pool.start}-${pool.end} of public ${addresses.join(', ')}; ${edge.nat?.rules.length ?? 0} NAT and ${edge.firewall?.rules.length ?? 0} firewall rules`,
      },
    ];
  }
  if (addresses.length === 0) {
    return [
      {
        name: 'edge gateway',
        status: 'warn',
        detail: `${edge.name}${extra} has no public address on an uplink`,
        fix: 'ask the provider to allocate public IPs to the edge uplink, or labs cannot be reached from outside',
      },
    ];
  }
  return [
    {
      name: 'edge gateway',
      status: 'ok',
      detail: `${edge.name}${extra}, public ${addresses.join(', ')}; ${edge.nat?.rules.length ?? 0} NAT and ${edge.firewall?.rules.length ?? 0} firewall rules`,
    },
  ];
}

/**
 * The configured edge when NSX-T backs it: three lines (edge, addresses, rights). Undefined for an NSX-V edge or one
 * the CloudAPI does not show, which the legacy checks then report.
 */
async function nsxtEdge(
  config: Config,
  inspector: VcdInspector,
  configured: NonNullable<Config['policy']['edge']>,
  source: string,
): Promise<DoctorCheck[] | undefined> {
  let target;
  try {
    target = await inspector.describeEdge(configured.gateway);
  } catch (error) {
    if (error instanceof VcdApiError && error.minorErrorCode === 'EDGE_DISTRIBUTED_ONLY') {
      return [
        {
          name: 'edge gateway',
          status: 'fail',
          detail: `${configured.gateway}: NSX-T, DISTRIBUTED_ONLY: no NAT and no firewall, so labs cannot be reached through it`,
          fix: `ask the provider to give ${configured.gateway} an edge cluster (deployment mode ACTIVE_STANDBY), or set edge.gateway in ${source} to an edge gateway with NAT and firewall`,
        },
      ];
    }
    if (error instanceof VcdNotFoundError || error instanceof VcdApiError) {
      return undefined;
    }
    throw error;
  }
  if (target.kind !== 'nsxt') {
    return undefined;
  }
  const lines = await nsxtEdgeChecks(inspector.cloudapi, target, configured.publicIps, {
    vdc: config.vcd.vdc,
    source,
  });
  return lines;
}
