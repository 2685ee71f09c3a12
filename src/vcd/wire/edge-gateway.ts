import { readLinks, readReference, type VcdLink } from './link';
import {
  readFirewallService,
  readNatService,
  type VcdFirewallService,
  type VcdNatService,
} from './network-services';
import { expectRoot, requireAttr } from './wire-format';
import { attr, child, children, parseXml, textOf, toBoolean, toInt, type XmlNode } from './xml';

/** An IP range, both ends included (XSD `IpRangeType`). */
export interface VcdIpRange {
  start: string;
  end: string;
}

/** One subnet an edge interface takes part in (XSD `SubnetParticipationType`). */
export interface VcdSubnetParticipation {
  gateway?: string;
  netmask?: string;
  /** The edge's own address on this subnet. */
  ipAddress?: string;
  /** Addresses allocated to the edge beyond its own: the public IPs DNAT rules may use. */
  ipRanges: VcdIpRange[];
}

/** An edge interface (XSD `GatewayInterfaceType`). */
export interface VcdGatewayInterface {
  name?: string;
  displayName?: string;
  /** `uplink` (an external network) or `internal` (an org VDC network). */
  interfaceType?: string;
  networkHref?: string;
  networkName?: string;
  subnets: VcdSubnetParticipation[];
  useForDefaultRoute?: boolean;
}

/** An edge gateway (XSD `vcloud/network.xsd: GatewayType`, since 5.1). */
export interface VcdEdgeGateway {
  href: string;
  id?: string;
  name: string;
  status?: number;
  interfaces: VcdGatewayInterface[];
  /** The uplink interfaces: where outside traffic enters and SNAT leaves. */
  uplinks: VcdGatewayInterface[];
  nat?: VcdNatService;
  firewall?: VcdFirewallService;
  /** NSX-V "advanced" edges take NAT and firewall changes through /network/edges rather than configureServices. */
  advancedNetworking?: boolean;
  /** POST target of `edgeGateway:configureServices`, when the user may change the services. */
  configureServicesHref?: string;
  links: VcdLink[];
}

function readSubnet(node: XmlNode): VcdSubnetParticipation {
  return {
    gateway: textOf(node, 'Gateway') || undefined,
    netmask: textOf(node, 'Netmask') || undefined,
    ipAddress: textOf(node, 'IpAddress') || undefined,
    ipRanges: children(child(node, 'IpRanges'), 'IpRange')
      .map((r) => ({ start: textOf(r, 'StartAddress') ?? '', end: textOf(r, 'EndAddress') ?? '' }))
      .filter((r) => r.start !== '' && r.end !== ''),
  };
}

function readInterface(node: XmlNode): VcdGatewayInterface {
  const network = readReference(child(node, 'Network'));
  return {
    name: textOf(node, 'Name') || undefined,
    displayName: textOf(node, 'DisplayName') || undefined,
    interfaceType: textOf(node, 'InterfaceType') || undefined,
    networkHref: network?.href,
    networkName: network?.name,
    subnets: children(node, 'SubnetParticipation').map(readSubnet),
    useForDefaultRoute: toBoolean(textOf(node, 'UseForDefaultRoute')),
  };
}

/**
 * Parses an `<EdgeGateway>` document (`GET /api/admin/edgeGateway/<id>`).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not EdgeGateway or has no href.
 */
export function parseEdgeGateway(xml: string): VcdEdgeGateway {
  const root = expectRoot(parseXml(xml), 'EdgeGateway');
  const configuration = child(root, 'Configuration');
  const interfaces = children(child(configuration, 'GatewayInterfaces'), 'GatewayInterface').map(
    readInterface,
  );
  const services = child(configuration, 'EdgeGatewayServiceConfiguration');
  const nat = child(services, 'NatService');
  const firewall = child(services, 'FirewallService');
  const links = readLinks(root);
  return {
    href: requireAttr(root, 'href'),
    id: attr(root, 'id'),
    name: attr(root, 'name') ?? '',
    status: toInt(attr(root, 'status')),
    interfaces,
    uplinks: interfaces.filter((i) => i.interfaceType?.toLowerCase() === 'uplink'),
    nat: nat === undefined ? undefined : readNatService(nat),
    firewall: firewall === undefined ? undefined : readFirewallService(firewall),
    advancedNetworking: toBoolean(textOf(configuration, 'AdvancedNetworkingEnabled')),
    configureServicesHref: links.find((l) => l.rel === 'edgeGateway:configureServices')?.href,
    links,
  };
}

/** The public addresses an edge holds on its uplinks: each uplink subnet's ranges, else its own address. Never throws. */
export function uplinkAddresses(edge: VcdEdgeGateway): VcdIpRange[] {
  return edge.uplinks.flatMap((uplink) =>
    uplink.subnets.flatMap((s) =>
      s.ipRanges.length > 0 ? s.ipRanges : s.ipAddress ? [{ start: s.ipAddress, end: s.ipAddress }] : [],
    ),
  );
}
