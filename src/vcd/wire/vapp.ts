import { type PowerState } from '../../labs/lab';
import { readLease, type VcdLeaseSettings } from './lease';
import { readLinks, type VcdLink } from './link';
import { readNetworkConnectionSection, type VcdNic } from './network-connection';
import { readTask, type VcdTask } from './task';
import { readNetworkConfigSection, type VcdVAppNetwork } from './vapp-network';
import { expectRoot, requireAttr } from './wire-format';
import { attr, child, childPath, children, parseXml, textOf, toBoolean, toInt, type XmlNode } from './xml';

export { type VcdNic } from './network-connection';
export { type VcdLeaseSettings } from './lease';

/** One virtual disk (RASD ResourceType 17, or VmSpecSection DiskSettings on API 32.0+). */
export interface VcdDisk {
  /** RASD InstanceID or DiskId; stable per VM. */
  id?: string;
  /** e.g. `Hard disk 1`. */
  name?: string;
  sizeMb: number;
  /** Controller: busType 6 SCSI, 5 IDE, 20 SATA, …; busSubType lsilogic, lsilogicsas, VirtualSCSI, … */
  busType?: string;
  busSubType?: string;
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
  /** Virtual disks in controller order; empty when the document has no hardware section. */
  disks: VcdDisk[];
  nics: VcdNic[];
  /** NIC index VCD treats as primary (the one a guest's default route uses). */
  primaryNicIndex?: number;
  nestedHypervisorEnabled?: boolean;
  /** OperatingSystemSection description, e.g. `VMware ESXi 7.0 or later`. */
  guestOs?: string;
  links: VcdLink[];
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
  /** vApp networks from the NetworkConfigSection. */
  networks: VcdVAppNetwork[];
  /** Name of the owning user. */
  owner?: string;
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

/** The status names query records use (`status="POWERED_OFF"`), by status integer (govcd `VAppStatuses`). */
const STATUS_NAMES: Readonly<Record<string, number>> = {
  FAILED_CREATION: -1,
  UNRESOLVED: 0,
  RESOLVED: 1,
  DEPLOYED: 2,
  SUSPENDED: 3,
  POWERED_ON: 4,
  WAITING_FOR_INPUT: 5,
  UNKNOWN: 6,
  UNRECOGNIZED: 7,
  POWERED_OFF: 8,
  INCONSISTENT_STATE: 9,
  MIXED: 10,
  DESCRIPTOR_PENDING: 11,
  COPYING_CONTENTS: 12,
  DISK_CONTENTS_PENDING: 13,
  QUARANTINED: 14,
  QUARANTINE_EXPIRED: 15,
  REJECTED: 16,
  TRANSFER_TIMEOUT: 17,
  VAPP_UNDEPLOYED: 18,
  VAPP_PARTIALLY_DEPLOYED: 19,
  PARTIALLY_POWERED_OFF: 20,
  PARTIALLY_SUSPENDED: 21,
};

/**
 * Maps a query record's status name to a power state. The partial states say that some VMs still run, and a
 * running VM bills, so PARTIALLY_POWERED_OFF counts as powered on; MIXED and unknown names are `unknown`.
 * Never throws.
 */
export function statusNameToPowerState(name: string | undefined): PowerState {
  if (name === 'PARTIALLY_POWERED_OFF') {
    return 'powered_on';
  }
  return statusToPowerState(name === undefined ? undefined : STATUS_NAMES[name.toUpperCase()]);
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
    networks: readNetworkConfigSection(child(node, 'NetworkConfigSection')),
    owner: attr(childPath(node, 'Owner', 'User'), 'name'),
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
const RASD_DISK = '17';

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
  const connections = child(node, 'NetworkConnectionSection');
  const section =
    connections === undefined ? undefined : readNetworkConnectionSection(connections, adapterByMac);
  return {
    href: requireAttr(node, 'href'),
    id: attr(node, 'id'),
    name: attr(node, 'name') ?? '',
    status,
    powerState: statusToPowerState(status),
    deployed: toBoolean(attr(node, 'deployed')) ?? false,
    cpus,
    memoryMb,
    disks: readDisks(items, spec),
    nics: section?.connections ?? [],
    primaryNicIndex: section?.primaryIndex,
    nestedHypervisorEnabled: toBoolean(attr(node, 'nestedHypervisorEnabled')),
    guestOs: textOf(child(node, 'OperatingSystemSection'), 'Description') || undefined,
    links: readLinks(node),
  };
}

/**
 * Disks from the RASD items (HostResource@capacity in MB, the form every version sends), falling back to
 * VmSpecSection/DiskSection (API 32.0+) when the hardware section is absent.
 */
function readDisks(items: XmlNode[], spec: XmlNode | undefined): VcdDisk[] {
  const rasd = items
    .filter((i) => textOf(i, 'ResourceType') === RASD_DISK)
    .map((item): VcdDisk => {
      const host = child(item, 'HostResource');
      const capacity = toInt(attr(host, 'capacity'));
      const bytes = toInt(textOf(item, 'VirtualQuantity'));
      return {
        id: textOf(item, 'InstanceID') || undefined,
        name: textOf(item, 'ElementName') || undefined,
        sizeMb: capacity ?? (bytes === undefined ? 0 : Math.round(bytes / 2 ** 20)),
        busType: attr(host, 'busType'),
        busSubType: attr(host, 'busSubType'),
      };
    });
  if (rasd.length > 0) {
    return rasd;
  }
  return children(childPath(spec, 'DiskSection'), 'DiskSettings').map((d) => ({
    id: textOf(d, 'DiskId') || undefined,
    sizeMb: toInt(textOf(d, 'SizeMb')) ?? 0,
    // DiskSettings/AdapterType carries the controller's bus type number (5, 6, 20, …).
    busType: textOf(d, 'AdapterType') || undefined,
  }));
}

/** Total provisioned disk of a VM in MB. Never throws. */
export function totalDiskMb(vm: Pick<VcdVm, 'disks'>): number {
  return vm.disks.reduce((sum, d) => sum + d.sizeMb, 0);
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

/** A vApp template (XSD `vcloud/vAppTemplate.xsd: VAppTemplateType`). */
export interface VcdVAppTemplate {
  href: string;
  id?: string;
  name: string;
  description?: string;
  /** 8 when ready; -1 while an upload or capture has not finished. */
  status?: number;
  goldMaster?: boolean;
  vms: VcdVm[];
  lease?: VcdLeaseSettings;
  /** CustomizationSection/CustomizeOnInstantiate. */
  customizeOnInstantiate?: boolean;
  owner?: string;
  /** Tasks on the template (a capture in progress). */
  tasks: VcdTask[];
  links: VcdLink[];
}

/**
 * Parses a `<VAppTemplate>` document.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not VAppTemplate, or it, a VM
 *   or a task has no href.
 */
export function parseVAppTemplate(xml: string): VcdVAppTemplate {
  const node = expectRoot(parseXml(xml), 'VAppTemplate');
  const lease = child(node, 'LeaseSettingsSection');
  return {
    href: requireAttr(node, 'href'),
    id: attr(node, 'id'),
    name: attr(node, 'name') ?? '',
    description: textOf(node, 'Description') || undefined,
    status: toInt(attr(node, 'status')),
    goldMaster: toBoolean(attr(node, 'goldMaster')),
    vms: children(child(node, 'Children'), 'Vm').map(readVm),
    lease: lease === undefined ? undefined : readLease(lease),
    customizeOnInstantiate: toBoolean(textOf(child(node, 'CustomizationSection'), 'CustomizeOnInstantiate')),
    owner: attr(childPath(node, 'Owner', 'User'), 'name'),
    tasks: children(child(node, 'Tasks'), 'Task').map(readTask),
    links: readLinks(node),
  };
}
