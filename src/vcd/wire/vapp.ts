import { type PowerState } from '../../labs/lab';
import { readLinks, type VcdLink } from './link';
import { readTask, type VcdTask } from './task';
import { expectRoot, requireAttr } from './wire-format';
import { attr, child, childPath, children, parseXml, textOf, toBoolean, toInt, type XmlNode } from './xml';

/** One NIC (XSD `vcloud/vApp.xsd: NetworkConnectionType`). */
export interface VcdNic {
  index: number;
  /** Name of the vApp network the NIC is on. */
  network: string;
  mac?: string;
  ipAddress?: string;
  externalIpAddress?: string;
  /** E1000, E1000E, VMXNET3, PCNet32, … (NetworkAdapterType, since 5.11; else the RASD ResourceSubType). */
  adapterType?: string;
  connected: boolean;
  /** POOL, DHCP, MANUAL or NONE. */
  allocationMode?: string;
}

/** A VM (XSD `vcloud/vApp.xsd: VmType`, since 0.9). */
export interface VcdVm {
  href: string;
  id?: string;
  name: string;
  /** Raw status integer (govcd `VAppStatuses`). */
  status?: number;
  powerState: PowerState;
  deployed: boolean;
  /** 0 when the document does not say. */
  cpus: number;
  /** 0 when the document does not say. */
  memoryMb: number;
  nics: VcdNic[];
  nestedHypervisorEnabled?: boolean;
}

/** A vApp (XSD `vcloud/vApp.xsd: VAppType`, since 0.9). */
export interface VcdVApp {
  href: string;
  id?: string;
  name: string;
  description?: string;
  status?: number;
  powerState: PowerState;
  deployed: boolean;
  vms: VcdVm[];
  /** Tasks running on the vApp (the instantiate response carries its creation task here). */
  tasks: VcdTask[];
  links: VcdLink[];
  lease?: VcdLeaseSettings;
}

/** XSD `vcloud/vApp.xsd: LeaseSettingsSectionType`. */
export interface VcdLeaseSettings {
  deploymentLeaseInSeconds?: number;
  storageLeaseInSeconds?: number;
  deploymentLeaseExpiration?: string;
  storageLeaseExpiration?: string;
}

/**
 * VCD status integers (govcd `types/v56/types.go: VAppStatuses`) reduced to what the bot reasons about.
 * MIXED and the PARTIALLY_* states are resolved from the VMs by `vappPowerState`.
 */
export function statusToPowerState(status: number | undefined): PowerState {
  switch (status) {
    case -1:
      return 'failed';
    case 0: // UNRESOLVED: still being created
    case 11: // DESCRIPTOR_PENDING
    case 12: // COPYING_CONTENTS
    case 13: // DISK_CONTENTS_PENDING
      return 'creating';
    case 1: // RESOLVED: exists, never deployed
    case 2: // DEPLOYED: resources reserved, VMs off
    case 8: // POWERED_OFF
    case 18: // VAPP_UNDEPLOYED
      return 'powered_off';
    case 3:
      return 'suspended';
    case 4: // POWERED_ON
    case 5: // WAITING_FOR_INPUT: running, blocked on a question
      return 'powered_on';
    default:
      return 'unknown';
  }
}

/** Statuses where the vApp's VMs differ: MIXED, VAPP_PARTIALLY_DEPLOYED, PARTIALLY_POWERED_OFF, PARTIALLY_SUSPENDED. */
const MIXED_STATUSES = [10, 19, 20, 21];

/** A mixed vApp bills for whatever runs, so any running VM makes it powered on. */
function vappPowerState(status: number | undefined, vms: VcdVm[]): PowerState {
  if (status === undefined || !MIXED_STATUSES.includes(status) || vms.length === 0) {
    return statusToPowerState(status);
  }
  const states = vms.map((vm) => vm.powerState);
  if (states.includes('powered_on')) {
    return 'powered_on';
  }
  if (states.includes('suspended')) {
    return 'suspended';
  }
  if (states.every((s) => s === 'powered_off')) {
    return 'powered_off';
  }
  return 'unknown';
}

/**
 * Parses a `<VApp>` document (a GET of the vApp, or the 201 body of instantiateVAppTemplate).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not VApp, or the vApp,
 *   a VM or an embedded task has no href.
 */
export function parseVApp(xml: string): VcdVApp {
  return readVApp(expectRoot(parseXml(xml), 'VApp'));
}

/**
 * Reads a parsed VApp element.
 *
 * @throws WireFormatError as parseVApp.
 */
export function readVApp(node: XmlNode): VcdVApp {
  const status = toInt(attr(node, 'status'));
  const vms = children(child(node, 'Children'), 'Vm').map(readVm);
  const lease = child(node, 'LeaseSettingsSection');
  return {
    href: requireAttr(node, 'href'),
    id: attr(node, 'id'),
    name: attr(node, 'name') ?? '',
    description: textOf(node, 'Description') || undefined,
    status,
    powerState: vappPowerState(status, vms),
    deployed: toBoolean(attr(node, 'deployed')) ?? false,
    vms,
    tasks: children(child(node, 'Tasks'), 'Task').map(readTask),
    links: readLinks(node),
    lease: lease === undefined ? undefined : readLease(lease),
  };
}

function readLease(node: XmlNode): VcdLeaseSettings {
  return {
    deploymentLeaseInSeconds: toInt(textOf(node, 'DeploymentLeaseInSeconds')),
    storageLeaseInSeconds: toInt(textOf(node, 'StorageLeaseInSeconds')),
    deploymentLeaseExpiration: textOf(node, 'DeploymentLeaseExpiration'),
    storageLeaseExpiration: textOf(node, 'StorageLeaseExpiration'),
  };
}

/**
 * Parses a `<Vm>` document (GET of a VM).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not Vm or it has no href.
 */
export function parseVm(xml: string): VcdVm {
  return readVm(expectRoot(parseXml(xml), 'Vm'));
}

/** RASD ResourceType values (CIM_ResourceAllocationSettingData). */
const RASD_CPU = '3';
const RASD_MEMORY = '4';
const RASD_ETHERNET = '10';

/**
 * Reads a parsed Vm element.
 *
 * @throws WireFormatError when it has no href.
 */
export function readVm(node: XmlNode): VcdVm {
  const status = toInt(attr(node, 'status'));
  const items = children(child(node, 'VirtualHardwareSection'), 'Item');
  const itemOf = (type: string): XmlNode | undefined => items.find((i) => textOf(i, 'ResourceType') === type);
  const cpuItem = itemOf(RASD_CPU);
  const memoryItem = itemOf(RASD_MEMORY);
  // VmSpecSection (API 32.0+) is the newer home of the same numbers; older servers have only the RASD items.
  const spec = child(node, 'VmSpecSection');
  const cpus = toInt(textOf(cpuItem, 'VirtualQuantity')) ?? toInt(textOf(spec, 'NumCpus')) ?? 0;
  const memoryMb =
    (memoryItem === undefined ? undefined : rasdMegabytes(memoryItem)) ??
    toInt(textOf(childPath(spec, 'MemoryResourceMb'), 'Configured')) ??
    0;
  const adapterByMac = new Map<string, string>();
  for (const item of items) {
    const mac = textOf(item, 'Address');
    const subType = textOf(item, 'ResourceSubType');
    if (textOf(item, 'ResourceType') === RASD_ETHERNET && mac && subType) {
      adapterByMac.set(mac.toLowerCase(), subType);
    }
  }
  const nics = children(child(node, 'NetworkConnectionSection'), 'NetworkConnection')
    .map((c) => readNic(c, adapterByMac))
    .sort((a, b) => a.index - b.index);
  return {
    href: requireAttr(node, 'href'),
    id: attr(node, 'id'),
    name: attr(node, 'name') ?? '',
    status,
    powerState: statusToPowerState(status),
    deployed: toBoolean(attr(node, 'deployed')) ?? false,
    cpus,
    memoryMb,
    nics,
    nestedHypervisorEnabled: toBoolean(attr(node, 'nestedHypervisorEnabled')),
  };
}

/** Memory quantity in MB from a RASD item, honouring AllocationUnits such as `byte * 2^20` or `byte * 2^30`. */
function rasdMegabytes(item: XmlNode): number | undefined {
  const quantity = toInt(textOf(item, 'VirtualQuantity'));
  if (quantity === undefined) {
    return undefined;
  }
  const units = (textOf(item, 'AllocationUnits') ?? '').replace(/\s+/g, '').toLowerCase();
  const power = /^byte\*2\^(\d+)$/.exec(units);
  if (power?.[1] !== undefined) {
    return Math.round(quantity * 2 ** (Number(power[1]) - 20));
  }
  if (units === 'byte') {
    return Math.round(quantity / 2 ** 20);
  }
  return quantity;
}

function readNic(node: XmlNode, adapterByMac: Map<string, string>): VcdNic {
  const mac = textOf(node, 'MACAddress') || undefined;
  return {
    index: toInt(textOf(node, 'NetworkConnectionIndex')) ?? 0,
    network: attr(node, 'network') ?? '',
    mac,
    ipAddress: textOf(node, 'IpAddress') || undefined,
    externalIpAddress: textOf(node, 'ExternalIpAddress') || undefined,
    adapterType:
      textOf(node, 'NetworkAdapterType') ||
      (mac === undefined ? undefined : adapterByMac.get(mac.toLowerCase())),
    connected: toBoolean(textOf(node, 'IsConnected')) ?? false,
    allocationMode: textOf(node, 'IpAddressAllocationMode') || undefined,
  };
}
