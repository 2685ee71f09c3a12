import { readReference } from './link';
import {
  readFirewallService,
  readNatService,
  type VcdFirewallService,
  type VcdNatService,
} from './network-services';
import { expectRoot } from './wire-format';
import { attr, child, childPath, children, parseXml, textOf, toBoolean, type XmlNode } from './xml';

/** One vApp network (XSD `vcloud/vApp.xsd: VAppNetworkConfigurationType`). */
export interface VcdVAppNetwork {
  name: string;
  /** bridged, natRouted or isolated. */
  fenceMode?: string;
  /** The org VDC network it connects to (absent for isolated networks). */
  parentNetworkHref?: string;
  parentNetworkName?: string;
  gateway?: string;
  netmask?: string;
  isDeployed?: boolean;
  /** NAT and firewall of a natRouted vApp network. */
  nat?: VcdNatService;
  firewall?: VcdFirewallService;
}

function readNetworkConfig(node: XmlNode): VcdVAppNetwork {
  const configuration = child(node, 'Configuration');
  // IpScope (1.5) was wrapped in IpScopes in 5.1; read either.
  const scope = child(configuration, 'IpScope') ?? childPath(configuration, 'IpScopes', 'IpScope');
  const parent = readReference(child(configuration, 'ParentNetwork'));
  const nat = childPath(configuration, 'Features', 'NatService');
  const firewall = childPath(configuration, 'Features', 'FirewallService');
  return {
    name: attr(node, 'networkName') ?? '',
    fenceMode: textOf(configuration, 'FenceMode') || undefined,
    parentNetworkHref: parent?.href,
    parentNetworkName: parent?.name,
    gateway: textOf(scope, 'Gateway') || undefined,
    netmask: textOf(scope, 'Netmask') || undefined,
    isDeployed: toBoolean(textOf(node, 'IsDeployed')),
    nat: nat === undefined ? undefined : readNatService(nat),
    firewall: firewall === undefined ? undefined : readFirewallService(firewall),
  };
}

/** Reads a NetworkConfigSection element's vApp networks. Never throws. */
export function readNetworkConfigSection(node: XmlNode | undefined): VcdVAppNetwork[] {
  return children(node, 'NetworkConfig').map(readNetworkConfig);
}

/**
 * Parses a `<NetworkConfigSection>` document (`GET <vApp>/networkConfigSection/`).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not NetworkConfigSection.
 */
export function parseNetworkConfigSection(xml: string): VcdVAppNetwork[] {
  return readNetworkConfigSection(expectRoot(parseXml(xml), 'NetworkConfigSection'));
}
