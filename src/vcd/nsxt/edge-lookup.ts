/**
 * Which edge gateway a configured name means, and what backs it: the backing chooses the writer (NSX-T: CloudAPI,
 * nsxt-edge.ts; NSX-V: configureServices, lab-edge-rules.ts). Edges owned by a VDC group the VDC takes part in are
 * found as well as the VDC's own (`ownerRef`).
 */
import { VcdApiError, VcdNotFoundError } from '../errors';
import { type VcdEdgeGatewayRecord, type VdcRef } from '../network-resources';
import { type CloudApi } from './cloudapi';
import { readEdgeGateway, toBacking, type NsxtEdgeGateway } from './wire';

const API = '/cloudapi/1.0.0';
/** The Swagger caps orgVdcNetworks pages at 32 (others at 128). */
const ORG_VDC_NETWORKS_MAX_PAGE_SIZE = 32;

/** The configured edge, as the writers need it. */
export type EdgeTarget =
  | { kind: 'nsxv'; name: string; href: string }
  | { kind: 'nsxt'; name: string; id: string; gateway: NsxtEdgeGateway };

/** `urn:vcloud:<type>:<uuid>` of an XML href ending in the uuid. */
export function urnOf(type: string, href: string): string {
  const uuid = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i.exec(href)?.[1];
  return `urn:vcloud:${type}:${uuid ?? href.replace(/\/+$/, '').split('/').pop() ?? ''}`;
}

/** The uuid of a URN (`urn:vcloud:gateway:<uuid>` → `<uuid>`). */
export function uuidOf(urn: string): string {
  return urn.split(':').pop() ?? urn;
}

export function isNsxt(backing: string | undefined): boolean {
  return backing !== undefined && backing.toUpperCase().startsWith('NSXT');
}

/** VCD 10.6 edges without a service router: they route but have no NAT and no firewall. */
export function isDistributedOnly(gateway: NsxtEdgeGateway): boolean {
  return gateway.deploymentMode?.toUpperCase() === 'DISTRIBUTED_ONLY';
}

/** True when the edge belongs to the VDC, or to a VDC group (a group edge serves every VDC of the group). */
export function ownedBy(gateway: NsxtEdgeGateway, vdcUrn: string): boolean {
  const owner = gateway.ownerRef?.id ?? gateway.orgVdc?.id;
  return (
    owner === vdcUrn || gateway.orgVdc?.id === vdcUrn || (owner?.startsWith('urn:vcloud:vdcGroup:') ?? false)
  );
}

export function distributedOnlyError(name: string): VcdApiError {
  return new VcdApiError({
    minorErrorCode: 'EDGE_DISTRIBUTED_ONLY',
    message:
      `edge gateway ${name} is DISTRIBUTED_ONLY: it has no NAT and no firewall, so labs cannot be reached through it. ` +
      'Ask the provider to give it an edge cluster (deployment mode ACTIVE_STANDBY), or set edge.gateway to an edge with NAT',
  });
}

export interface EdgeLookupOptions {
  api: CloudApi;
  vdc: () => Promise<VdcRef>;
  /** The query service's edge records of the VDC (they carry `edgeGatewayType` from API 32.0). */
  records: () => Promise<VcdEdgeGatewayRecord[]>;
}

/** The NSX-T edges of that name the CloudAPI shows (empty when the CloudAPI has no edgeGateways: older VCD). */
async function cloudApiEdges(api: CloudApi, name: string): Promise<NsxtEdgeGateway[]> {
  try {
    return (
      await api.list(`${API}/edgeGateways`, readEdgeGateway, {
        filter: `name==${name.replace(/[,;()\\]/g, '\\$&')}`,
      })
    ).filter((g) => g.name === name);
  } catch (error) {
    if (error instanceof VcdNotFoundError) {
      return [];
    }
    throw error;
  }
}

/**
 * The edge called `name` for the VDC: an NSX-T one from the CloudAPI (owned by the VDC or a VDC group), else the
 * query service's record (NSX-V, or NSX-T by its `edgeGatewayType`).
 *
 * @throws VcdNotFoundError (no such edge, with the names there are), VcdApiError (EDGE_DISTRIBUTED_ONLY),
 *   VcdUnavailableError.
 */
export async function lookupEdge(options: EdgeLookupOptions, name: string): Promise<EdgeTarget> {
  const vdc = await options.vdc();
  const vdcUrn = urnOf('vdc', vdc.href);
  const candidates = await cloudApiEdges(options.api, name);
  const gateway =
    candidates.find((g) => (g.ownerRef?.id ?? g.orgVdc?.id) === vdcUrn) ??
    candidates.find((g) => ownedBy(g, vdcUrn));
  if (gateway !== undefined && isNsxt(gateway.backing)) {
    if (isDistributedOnly(gateway)) {
      throw distributedOnlyError(name);
    }
    return { kind: 'nsxt', name, id: gateway.id, gateway };
  }
  const records = await options.records();
  const record = records.find((e) => e.name === name);
  if (record === undefined) {
    throw new VcdNotFoundError(
      `edge gateway "${name}" is not in VDC "${vdc.name}" (edges: ${records.map((e) => e.name).join(', ') || 'none'})`,
    );
  }
  if (isNsxt(record.edgeGatewayType)) {
    const id = urnOf('gateway', record.href);
    const found = await options.api.get(`${API}/edgeGateways/${encodeURIComponent(id)}`, readEdgeGateway);
    if (found === undefined) {
      throw new VcdApiError({
        minorErrorCode: 'MALFORMED_RESPONSE',
        message: `edge gateway ${id} unreadable`,
      });
    }
    if (isDistributedOnly(found)) {
      throw distributedOnlyError(name);
    }
    return { kind: 'nsxt', name, id: found.id, gateway: found };
  }
  return { kind: 'nsxv', name, href: record.href };
}

export { toBacking };

/** An org VDC network as the CloudAPI lists it (`VdcNetwork`): enough to find one a VDC group owns. */
export interface CloudApiNetwork {
  id: string;
  name: string;
  ownerRef?: { id: string; name?: string };
  orgVdc?: { id: string; name?: string };
}

export function readCloudApiNetwork(value: unknown): CloudApiNetwork | undefined {
  const o = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  const ref = (v: unknown): { id: string; name?: string } | undefined => {
    const r = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
    return typeof r?.id === 'string'
      ? { id: r.id, ...(typeof r.name === 'string' ? { name: r.name } : {}) }
      : undefined;
  };
  if (typeof o?.id !== 'string' || typeof o.name !== 'string') {
    return undefined;
  }
  return { id: o.id, name: o.name, ownerRef: ref(o.ownerRef), orgVdc: ref(o.orgVdc) };
}

/**
 * The network called `name` that the VDC can use: its own first, else one owned by a VDC group (a group network is
 * shared by every VDC of the group). Undefined when there is none, or several group networks of that name.
 */
export function pickNetwork(
  networks: readonly CloudApiNetwork[],
  name: string,
  vdcUrn: string,
): CloudApiNetwork | undefined {
  const named = networks.filter((n) => n.name === name);
  const own = named.find((n) => (n.ownerRef?.id ?? n.orgVdc?.id) === vdcUrn || n.orgVdc?.id === vdcUrn);
  if (own !== undefined) {
    return own;
  }
  const grouped = named.filter((n) => n.ownerRef?.id.startsWith('urn:vcloud:vdcGroup:') ?? false);
  return grouped.length === 1 ? grouped[0] : undefined;
}

/**
 * An org VDC network the query service does not place in the VDC (a VDC group's), through the CloudAPI; its XML href
 * for instantiation is the admin network href of the same uuid.
 *
 * @throws VcdApiError, VcdUnavailableError (a CloudAPI that has no orgVdcNetworks answers undefined).
 */
export async function findNetworkByCloudApi(
  api: CloudApi,
  vdc: VdcRef,
  name: string,
): Promise<{ name: string; href: string } | undefined> {
  let networks: CloudApiNetwork[];
  try {
    networks = await api.list(
      `${API}/orgVdcNetworks`,
      readCloudApiNetwork,
      { filter: `name==${name.replace(/[,;()\\]/g, '\\$&')}` },
      ORG_VDC_NETWORKS_MAX_PAGE_SIZE,
    );
  } catch (error) {
    if (error instanceof VcdNotFoundError) {
      return undefined;
    }
    throw error;
  }
  const network = pickNetwork(networks, name, urnOf('vdc', vdc.href));
  if (network === undefined) {
    return undefined;
  }
  const base = vdc.href.replace(/\/api\/.*$/, '');
  return { name, href: `${base}/api/admin/network/${uuidOf(network.id)}` };
}
