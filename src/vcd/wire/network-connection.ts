import { readLinks, type VcdLink } from './link';
import { OVF_NS, VCLOUD_NS } from './namespaces';
import { expectRoot } from './wire-format';
import { el, serializeXml, textEl } from './xml-builder';
import { attr, children, parseXml, textOf, toBoolean, toInt, type XmlNode } from './xml';

/** IP allocation of a NIC (XSD `NetworkConnectionType/IpAddressAllocationMode`, an open string). */
export type IpAllocationMode = 'POOL' | 'DHCP' | 'MANUAL' | 'NONE' | (string & {});

/** One NIC (XSD `vcloud/vApp.xsd: NetworkConnectionType`). */
export interface VcdNic {
  index: number;
  /** Name of the vApp network the NIC is on (`none` when disconnected from any). */
  network: string;
  mac?: string;
  ipAddress?: string;
  externalIpAddress?: string;
  /** E1000, E1000E, VMXNET3, PCNet32, … (NetworkAdapterType, since 5.11; else the RASD ResourceSubType). */
  adapterType?: string;
  connected: boolean;
  /** POOL, DHCP, MANUAL or NONE. */
  allocationMode?: IpAllocationMode;
  needsCustomization?: boolean;
}

/** A VM's NetworkConnectionSection: the primary NIC and every NIC in index order. */
export interface VcdNetworkConnectionSection {
  href?: string;
  primaryIndex?: number;
  connections: VcdNic[];
  /** `edit` appears only while the VM may be changed. */
  links: VcdLink[];
}

/**
 * Reads one NetworkConnection. `adapterByMac` supplies the adapter type from the VM's RASD items for servers
 * older than API 5.11, which lack NetworkAdapterType. Never throws.
 */
export function readNic(node: XmlNode, adapterByMac?: ReadonlyMap<string, string>): VcdNic {
  const mac = textOf(node, 'MACAddress') || undefined;
  return {
    index: toInt(textOf(node, 'NetworkConnectionIndex')) ?? 0,
    network: attr(node, 'network') ?? '',
    mac,
    ipAddress: textOf(node, 'IpAddress') || undefined,
    externalIpAddress: textOf(node, 'ExternalIpAddress') || undefined,
    adapterType:
      textOf(node, 'NetworkAdapterType') ||
      (mac === undefined ? undefined : adapterByMac?.get(mac.toLowerCase())),
    connected: toBoolean(textOf(node, 'IsConnected')) ?? false,
    allocationMode: textOf(node, 'IpAddressAllocationMode') || undefined,
    needsCustomization: toBoolean(attr(node, 'needsCustomization')),
  };
}

/** Reads a NetworkConnectionSection element, NICs sorted by index. Never throws. */
export function readNetworkConnectionSection(
  node: XmlNode,
  adapterByMac?: ReadonlyMap<string, string>,
): VcdNetworkConnectionSection {
  return {
    href: attr(node, 'href'),
    primaryIndex: toInt(textOf(node, 'PrimaryNetworkConnectionIndex')),
    connections: children(node, 'NetworkConnection')
      .map((c) => readNic(c, adapterByMac))
      .sort((a, b) => a.index - b.index),
    links: readLinks(node),
  };
}

/**
 * Parses a `<NetworkConnectionSection>` document (`GET <vm>/networkConnectionSection/`).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not NetworkConnectionSection.
 */
export function parseNetworkConnectionSection(xml: string): VcdNetworkConnectionSection {
  return readNetworkConnectionSection(expectRoot(parseXml(xml), 'NetworkConnectionSection'));
}

/** One NIC to write. MANUAL allocation needs `ipAddress`; an absent `mac` lets VCD keep or generate one. */
export interface NetworkConnectionInput {
  index: number;
  network: string;
  connected: boolean;
  allocationMode: IpAllocationMode;
  ipAddress?: string;
  mac?: string;
  adapterType?: string;
  needsCustomization?: boolean;
}

export interface NetworkConnectionSectionInput {
  primaryIndex?: number;
  connections: NetworkConnectionInput[];
}

/** Turns what was read back into what can be written, so a caller can GET, change one NIC and PUT. Never throws. */
export function toNetworkConnectionInput(
  section: VcdNetworkConnectionSection,
): NetworkConnectionSectionInput {
  return {
    primaryIndex: section.primaryIndex,
    connections: section.connections.map((nic) => ({
      index: nic.index,
      network: nic.network,
      connected: nic.connected,
      allocationMode: nic.allocationMode ?? 'NONE',
      ipAddress: nic.allocationMode === 'MANUAL' ? nic.ipAddress : undefined,
      mac: nic.mac,
      adapterType: nic.adapterType,
      needsCustomization: nic.needsCustomization,
    })),
  };
}

/**
 * Builds the body of `PUT <vm>/networkConnectionSection/` in the order of XSD `NetworkConnectionType`
 * (NetworkConnectionIndex, IpAddress, IsConnected, MACAddress, IpAddressAllocationMode, NetworkAdapterType).
 * ExternalIpAddress is VCD's to assign and is never written. Never throws; values are escaped.
 */
export function buildNetworkConnectionSection(input: NetworkConnectionSectionInput): string {
  const nics = [...input.connections].sort((a, b) => a.index - b.index);
  return serializeXml(
    el('NetworkConnectionSection', { xmlns: VCLOUD_NS, 'xmlns:ovf': OVF_NS, 'ovf:required': false }, [
      textEl('ovf:Info', 'Specifies the available VM network connections'),
      input.primaryIndex !== undefined && textEl('PrimaryNetworkConnectionIndex', input.primaryIndex),
      ...nics.map((nic) =>
        el('NetworkConnection', { network: nic.network, needsCustomization: nic.needsCustomization }, [
          textEl('NetworkConnectionIndex', nic.index),
          nic.ipAddress !== undefined && textEl('IpAddress', nic.ipAddress),
          textEl('IsConnected', nic.connected),
          nic.mac !== undefined && textEl('MACAddress', nic.mac),
          textEl('IpAddressAllocationMode', nic.allocationMode),
          nic.adapterType !== undefined && textEl('NetworkAdapterType', nic.adapterType),
        ]),
      ),
    ]),
  );
}
