/** Reader for `InstantiateVAppTemplateParams`, the body of POST /api/vdc/{id}/action/instantiateVAppTemplate. */
import { type XmlNode } from '../../vcd/wire/xml';
import { type AdapterType, type AllocationMode, type FenceMode } from '../model';
import { badRequest, invalidBody } from '../sim-error';
import { ANY, OVF, checkSequence, many, opt, req } from './body-schema';
import { all, bool, first, int, readBody, text } from './xml-read';

export interface NetworkConfigParams {
  readonly networkName: string;
  readonly description?: string;
  readonly parentHref?: string;
  readonly fenceMode: FenceMode;
}

export interface NetworkConnectionParams {
  readonly network: string;
  readonly index: number;
  readonly ipAddress?: string;
  readonly isConnected: boolean;
  readonly mac?: string;
  readonly allocationMode: AllocationMode;
  readonly adapterType?: AdapterType;
}

export interface SourcedItemParams {
  readonly sourceHref: string;
  readonly name?: string;
  readonly description?: string;
  readonly networkConnections?: readonly NetworkConnectionParams[];
}

export interface InstantiateParams {
  readonly name: string;
  readonly description?: string;
  readonly deploy: boolean;
  readonly powerOn: boolean;
  readonly sourceHref: string;
  /** Undefined when the body has no NetworkConfigSection: the template's own networks apply. */
  readonly networkConfigs?: readonly NetworkConfigParams[];
  readonly deploymentLeaseSeconds?: number;
  readonly storageLeaseSeconds?: number;
  readonly sourcedItems: readonly SourcedItemParams[];
}

const INSTANTIATION_SECTIONS = [
  'NetworkConfigSection',
  'LeaseSettingsSection',
  'NetworkConnectionSection',
  'CustomizationSection',
  'DefaultStorageProfileSection',
  'SnapshotSection',
  'GuestCustomizationSection',
  'ProductSection',
  'VirtualHardwareSection',
  'OperatingSystemSection',
  'StartupSection',
  'NetworkSection',
];

const FENCE_MODES: readonly FenceMode[] = ['bridged', 'isolated', 'natRouted'];
const ALLOCATION_MODES: readonly AllocationMode[] = ['POOL', 'DHCP', 'MANUAL', 'NONE'];
export const ADAPTER_TYPES: readonly AdapterType[] = [
  'VMXNET3',
  'E1000',
  'E1000E',
  'VMXNET',
  'VMXNET2',
  'PCNet32',
];

/** The trimmed `href` of a reference element. @throws SimError 400 BAD_REQUEST when it is missing. */
export function requireHref(node: XmlNode | undefined, what: string): string {
  const href = node?.attributes['href'];
  if (href === undefined || href.trim() === '') {
    throw invalidBody(`cvc-complex-type.4: Attribute 'href' must appear on element '${what}'.`);
  }
  return href.trim();
}

function parseNetworkConfigSection(section: XmlNode): NetworkConfigParams[] {
  checkSequence(section, [req('Info', OVF), many('Link'), many('NetworkConfig'), ANY]);
  return all(section, 'NetworkConfig').map((config) => {
    checkSequence(config, [many('Link'), opt('Description'), req('Configuration'), opt('IsDeployed')]);
    const networkName = config.attributes['networkName'];
    if (networkName === undefined) {
      throw invalidBody(
        "cvc-complex-type.4: Attribute 'networkName' must appear on element 'NetworkConfig'.",
      );
    }
    const configuration = first(config, 'Configuration');
    if (configuration !== undefined) {
      checkSequence(configuration, [
        opt('BackwardCompatibilityMode'),
        opt('IpScope'),
        opt('IpScopes'),
        opt('ParentNetwork'),
        req('FenceMode'),
        opt('RetainNetInfoAcrossDeployments'),
        opt('Features'),
        opt('SyslogServerSettings'),
        opt('RouterInfo'),
        opt('AdvancedNetworkingEnabled'),
        opt('SubInterface'),
        opt('DistributedInterface'),
        opt('GuestVlanAllowed'),
        ANY,
      ]);
    }
    const fenceMode = text(configuration, 'FenceMode') ?? '';
    if (!(FENCE_MODES as readonly string[]).includes(fenceMode)) {
      throw badRequest(`Invalid fence mode "${fenceMode}" for network "${networkName}".`);
    }
    const parent = first(configuration, 'ParentNetwork');
    if (parent === undefined && fenceMode !== 'isolated') {
      throw badRequest(`Network "${networkName}" with fence mode ${fenceMode} needs a ParentNetwork.`);
    }
    return {
      networkName,
      description: text(config, 'Description'),
      parentHref: parent === undefined ? undefined : requireHref(parent, 'ParentNetwork'),
      fenceMode: fenceMode as FenceMode,
    };
  });
}

/**
 * Reads the NetworkConnection children of a NetworkConnectionSection (XSD vApp.xsd NetworkConnectionSectionType).
 *
 * @throws SimError 400 BAD_REQUEST for elements out of order or invalid values.
 */
export function parseNetworkConnectionSection(section: XmlNode): NetworkConnectionParams[] {
  checkSequence(section, [
    req('Info', OVF),
    opt('PrimaryNetworkConnectionIndex'),
    many('NetworkConnection'),
    many('Link'),
    ANY,
  ]);
  return all(section, 'NetworkConnection').map((connection) => {
    checkSequence(connection, [
      req('NetworkConnectionIndex'),
      opt('IpAddress'),
      opt('ExternalIpAddress'),
      req('IsConnected'),
      opt('MACAddress'),
      req('IpAddressAllocationMode'),
      opt('NetworkAdapterType'),
      ANY,
    ]);
    const network = connection.attributes['network'];
    if (network === undefined) {
      throw invalidBody(
        "cvc-complex-type.4: Attribute 'network' must appear on element 'NetworkConnection'.",
      );
    }
    const allocationMode = text(connection, 'IpAddressAllocationMode') ?? '';
    if (!(ALLOCATION_MODES as readonly string[]).includes(allocationMode)) {
      throw badRequest(`Invalid IP address allocation mode "${allocationMode}".`);
    }
    const adapterType = text(connection, 'NetworkAdapterType');
    if (adapterType !== undefined && !(ADAPTER_TYPES as readonly string[]).includes(adapterType)) {
      throw badRequest(`Invalid network adapter type "${adapterType}".`);
    }
    return {
      network,
      index: int(text(connection, 'NetworkConnectionIndex')) ?? 0,
      ipAddress: text(connection, 'IpAddress'),
      isConnected: bool(text(connection, 'IsConnected'), true),
      mac: text(connection, 'MACAddress'),
      allocationMode: allocationMode as AllocationMode,
      adapterType: adapterType as AdapterType | undefined,
    };
  });
}

function checkInstantiationParams(params: XmlNode): void {
  checkSequence(params, [many(INSTANTIATION_SECTIONS, OVF)]);
}

function parseSourcedItem(item: XmlNode): SourcedItemParams {
  checkSequence(item, [
    req('Source'),
    opt('VmGeneralParams'),
    opt('VAppScopedLocalId'),
    opt('InstantiationParams'),
    many('NetworkAssignment'),
    opt('StorageProfile'),
    opt('LocalityParams'),
    opt('ComputePolicy'),
    opt('VmCapabilities'),
  ]);
  const general = first(item, 'VmGeneralParams');
  if (general !== undefined) {
    checkSequence(general, [
      opt('Name'),
      opt('Description'),
      opt('NeedsCustomization'),
      opt('RegenerateBiosUuid'),
    ]);
  }
  const params = first(item, 'InstantiationParams');
  if (params !== undefined) {
    checkInstantiationParams(params);
  }
  const connections = first(params, 'NetworkConnectionSection');
  return {
    sourceHref: requireHref(first(item, 'Source'), 'Source'),
    name: text(general, 'Name'),
    description: text(general, 'Description'),
    networkConnections: connections === undefined ? undefined : parseNetworkConnectionSection(connections),
  };
}

/**
 * Reads `InstantiateVAppTemplateParams` (XSD vApp.xsd: Description?, VAppParent?, InstantiationParams?, Source,
 * IsSourceDelete?, SourcedVmInstantiationParams*, SourcedItem*, AllEULAsAccepted?). `deploy` and `powerOn` default
 * to true as in the XSD.
 *
 * @throws SimError 400 BAD_REQUEST for malformed XML, elements out of order, or invalid values.
 */
export function parseInstantiateParams(body: string): InstantiateParams {
  const root = readBody(body, 'InstantiateVAppTemplateParams');
  checkSequence(root, [
    opt('Description'),
    opt('VAppParent'),
    opt('InstantiationParams'),
    req('Source'),
    opt('IsSourceDelete'),
    many('SourcedVmInstantiationParams'),
    many('SourcedItem'),
    opt('AllEULAsAccepted'),
  ]);
  const name = root.attributes['name']?.trim();
  if (name === undefined || name === '') {
    throw badRequest('The vApp name is missing: set the name attribute.');
  }
  const params = first(root, 'InstantiationParams');
  if (params !== undefined) {
    checkInstantiationParams(params);
  }
  const networkSection = first(params, 'NetworkConfigSection');
  const lease = first(params, 'LeaseSettingsSection');
  if (lease !== undefined) {
    checkSequence(lease, [
      req('Info', OVF),
      many('Link'),
      opt('DeploymentLeaseInSeconds'),
      opt('StorageLeaseInSeconds'),
      opt('DeploymentLeaseExpiration'),
      opt('StorageLeaseExpiration'),
      ANY,
    ]);
  }
  const deploymentLeaseSeconds = int(text(lease, 'DeploymentLeaseInSeconds'));
  const storageLeaseSeconds = int(text(lease, 'StorageLeaseInSeconds'));
  if ((deploymentLeaseSeconds ?? 0) < 0 || (storageLeaseSeconds ?? 0) < 0) {
    throw badRequest('Lease durations must not be negative.');
  }
  const powerOn = bool(root.attributes['powerOn'], true);
  return {
    name,
    description: text(root, 'Description'),
    deploy: bool(root.attributes['deploy'], true) || powerOn,
    powerOn,
    sourceHref: requireHref(first(root, 'Source'), 'Source'),
    networkConfigs: networkSection === undefined ? undefined : parseNetworkConfigSection(networkSection),
    deploymentLeaseSeconds,
    storageLeaseSeconds,
    sourcedItems: all(root, 'SourcedItem').map(parseSourcedItem),
  };
}
