/**
 * VM documents and the OVF sections they carry (VirtualHardwareSection, OperatingSystemSection,
 * NetworkConnectionSection, ...), shared by vApp VMs and template VMs. Shapes follow the full vApp fixture
 * (libcloud/api_vApp_vapp_8c57a5b6_e61b_48ca_8a78_3b70ee65ef6a.xml) and XSD order.
 */
import { urn } from '../hrefs';
import { MEDIA, STATUS } from '../media-types';
import { type SimNic, type SimVApp, type SimVm } from '../model';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { OVF_ROOT, dateTime, link, type RenderContext } from './common';

/** What the hardware and network sections need, whether the VM is deployed or a template's. */
export interface VmView {
  readonly id: string;
  readonly href: string;
  readonly name: string;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly diskGb: number;
  readonly osType: string;
  readonly osDescription: string;
  readonly nics: readonly SimNic[];
  /** PrimaryNetworkConnectionIndex; undefined means the lowest NIC index. */
  readonly primaryNicIndex?: number;
  /** Edit links only on live, idle VMs. */
  readonly editable: boolean;
}

/** The NIC index the VM reports as primary. */
function primaryIndex(vm: VmView): number | undefined {
  if (vm.primaryNicIndex !== undefined && vm.nics.some((n) => n.index === vm.primaryNicIndex)) {
    return vm.primaryNicIndex;
  }
  return vm.nics.length === 0 ? undefined : Math.min(...vm.nics.map((n) => n.index));
}

const ADAPTER_DESCRIPTIONS: Record<string, string> = {
  VMXNET3: 'Vmxnet3 ethernet adapter',
  E1000: 'E1000 ethernet adapter',
  E1000E: 'E1000e ethernet adapter',
  VMXNET: 'Vmxnet ethernet adapter',
  VMXNET2: 'Vmxnet2 ethernet adapter',
  PCNet32: 'PCNet32 ethernet adapter',
};

function rasd(
  name: string,
  value: string | number | boolean,
  attrs: Record<string, string | number | boolean> = {},
): XmlNodeOut {
  return x(`rasd:${name}`, attrs, String(value));
}

function nicItem(nic: SimNic, primary: boolean): XmlNodeOut {
  // RASD children in CIM_ResourceAllocationSettingData's (alphabetical) sequence order.
  return x(
    'ovf:Item',
    {},
    rasd('Address', nic.mac),
    rasd('AddressOnParent', nic.index),
    rasd('AutomaticAllocation', nic.connected),
    x(
      'rasd:Connection',
      {
        'vcloud:ipAddress': nic.ip,
        'vcloud:primaryNetworkConnection': primary,
        'vcloud:ipAddressingMode': nic.allocationMode,
      },
      nic.network,
    ),
    rasd('Description', `${ADAPTER_DESCRIPTIONS[nic.adapterType] ?? 'Ethernet adapter'} on "${nic.network}"`),
    rasd('ElementName', `Network adapter ${nic.index}`),
    rasd('InstanceID', nic.index + 1),
    rasd('ResourceSubType', nic.adapterType),
    rasd('ResourceType', 10),
  );
}

/** `ovf:VirtualHardwareSection` with NICs, SCSI controller, disk, CPU and memory items. */
export function virtualHardwareSection(vm: VmView): XmlNodeOut {
  const section = `${vm.href}/virtualHardwareSection/`;
  const scsiId = vm.nics.length + 1;
  const cpuHref = `${section}cpu`;
  const memoryHref = `${section}memory`;
  return x(
    'ovf:VirtualHardwareSection',
    { 'ovf:transport': '', 'vcloud:href': section, 'vcloud:type': MEDIA.virtualHardwareSection },
    x('ovf:Info', {}, 'Virtual hardware requirements'),
    x(
      'ovf:System',
      {},
      x('vssd:ElementName', {}, 'Virtual Hardware Family'),
      x('vssd:InstanceID', {}, '0'),
      x('vssd:VirtualSystemIdentifier', {}, vm.name),
      x('vssd:VirtualSystemType', {}, 'vmx-19'),
    ),
    vm.nics.map((nic) => nicItem(nic, nic.index === primaryIndex(vm))),
    x(
      'ovf:Item',
      {},
      rasd('Address', 0),
      rasd('Description', 'SCSI Controller'),
      rasd('ElementName', 'SCSI Controller 0'),
      rasd('InstanceID', scsiId),
      rasd('ResourceSubType', 'lsilogicsas'),
      rasd('ResourceType', 6),
    ),
    x(
      'ovf:Item',
      {},
      rasd('AddressOnParent', 0),
      rasd('Description', 'Hard disk'),
      rasd('ElementName', 'Hard disk 1'),
      x('rasd:HostResource', {
        'vcloud:capacity': vm.diskGb * 1024,
        'vcloud:busSubType': 'lsilogicsas',
        'vcloud:busType': 6,
      }),
      rasd('InstanceID', 2000),
      rasd('Parent', scsiId),
      rasd('ResourceType', 17),
    ),
    x(
      'ovf:Item',
      { 'vcloud:href': cpuHref, 'vcloud:type': MEDIA.rasdItem },
      rasd('AllocationUnits', 'hertz * 10^6'),
      rasd('Description', 'Number of Virtual CPUs'),
      rasd('ElementName', `${vm.cpus} virtual CPU(s)`),
      rasd('InstanceID', scsiId + 1),
      rasd('Reservation', 0),
      rasd('ResourceType', 3),
      rasd('VirtualQuantity', vm.cpus),
      rasd('Weight', 0),
      x('vmw:CoresPerSocket', { 'ovf:required': false }, String(vm.cpus)),
      vm.editable && link('edit', cpuHref, MEDIA.rasdItem),
    ),
    x(
      'ovf:Item',
      { 'vcloud:href': memoryHref, 'vcloud:type': MEDIA.rasdItem },
      rasd('AllocationUnits', 'byte * 2^20'),
      rasd('Description', 'Memory Size'),
      rasd('ElementName', `${vm.memoryMb} MB of memory`),
      rasd('InstanceID', scsiId + 2),
      rasd('Reservation', 0),
      rasd('ResourceType', 4),
      rasd('VirtualQuantity', vm.memoryMb),
      rasd('Weight', 0),
      vm.editable && link('edit', memoryHref, MEDIA.rasdItem),
    ),
    vm.editable && link('edit', section, MEDIA.virtualHardwareSection),
  );
}

/** `ovf:OperatingSystemSection`; ovf:id 1 ("Other") with the vSphere guest id in vmw:osType. */
export function operatingSystemSection(vm: VmView): XmlNodeOut {
  const href = `${vm.href}/operatingSystemSection/`;
  return x(
    'ovf:OperatingSystemSection',
    {
      'ovf:id': 1,
      'vcloud:href': href,
      'vcloud:type': MEDIA.operatingSystemSection,
      'vmw:osType': vm.osType,
    },
    x('ovf:Info', {}, 'Specifies the operating system installed'),
    x('ovf:Description', {}, vm.osDescription),
    vm.editable && link('edit', href, MEDIA.operatingSystemSection),
  );
}

/**
 * `NetworkConnectionSection` (children in XSD order: NetworkConnectionIndex, IpAddress, IsConnected, MACAddress,
 * IpAddressAllocationMode, NetworkAdapterType); `root` makes it a standalone document.
 */
export function networkConnectionSection(vm: VmView, root = false): XmlNodeOut {
  const href = `${vm.href}/networkConnectionSection/`;
  return x(
    'NetworkConnectionSection',
    { ...(root ? OVF_ROOT : {}), href, type: MEDIA.networkConnectionSection, 'ovf:required': false },
    x('ovf:Info', {}, 'Specifies the available VM network connections'),
    xText('PrimaryNetworkConnectionIndex', primaryIndex(vm)),
    vm.nics.map((nic) =>
      x(
        'NetworkConnection',
        { network: nic.network, needsCustomization: false },
        xText('NetworkConnectionIndex', nic.index),
        xText('IpAddress', nic.ip),
        xText('IsConnected', nic.connected),
        xText('MACAddress', nic.mac),
        xText('IpAddressAllocationMode', nic.allocationMode),
        xText('NetworkAdapterType', nic.adapterType),
      ),
    ),
    vm.editable && link('edit', href, MEDIA.networkConnectionSection),
  );
}

function guestCustomizationSection(vm: VmView): XmlNodeOut {
  const href = `${vm.href}/guestCustomizationSection/`;
  // Nested ESXi and appliances are not customizable guests; VCD reports customization disabled.
  return x(
    'GuestCustomizationSection',
    { href, type: MEDIA.guestCustomizationSection, 'ovf:required': false },
    x('ovf:Info', {}, 'Specifies Guest OS Customization Settings'),
    xText('Enabled', false),
    xText('ChangeSid', false),
    xText('VirtualMachineId', vm.id),
    xText('JoinDomainEnabled', false),
    xText('UseOrgSettings', false),
    xText('AdminPasswordEnabled', false),
    xText('AdminPasswordAuto', true),
    xText('ResetPasswordRequired', false),
    xText('ComputerName', vm.name),
    vm.editable && link('edit', href, MEDIA.guestCustomizationSection),
  );
}

/** The view of a vApp VM. */
export function vmView(ctx: RenderContext, vm: SimVm, editable: boolean): VmView {
  return { ...vm, href: ctx.hrefs.vm(vm.id), editable };
}

/** A vApp's Vm element; `root` makes it a standalone document (GET /api/vApp/vm-<id>). */
export function vmElement(
  ctx: RenderContext,
  vApp: SimVApp,
  vm: SimVm,
  busy: boolean,
  root = false,
): XmlNodeOut {
  const resolved = vm.status !== 0 && vm.status !== -1;
  const view = vmView(ctx, vm, resolved && !busy);
  const templateVm = ctx.state.template(vApp.templateId)?.vms.find((t) => t.id === vm.templateVmId);
  return x(
    'Vm',
    {
      ...(root ? OVF_ROOT : {}),
      needsCustomization: false,
      nestedHypervisorEnabled: vm.nestedHypervisor,
      deployed: vm.deployed,
      status: vm.status,
      name: vm.name,
      id: urn('vm', vm.id),
      href: view.href,
      type: MEDIA.vm,
    },
    // VCD offers current metrics only for a running VM and drops these links otherwise (Programming Guide,
    // "Retrieve Current or Historic Metrics").
    vm.status === STATUS.poweredOn && [
      link('down', `${view.href}/metrics/current`, MEDIA.currentUsageSpec),
      link('metrics', `${view.href}/metrics/current`, MEDIA.currentUsageSpec),
      link('down', `${view.href}/metrics/historic`, MEDIA.historicUsageSpec),
      link('metrics', `${view.href}/metrics/historic`, MEDIA.historicUsageSpec),
    ],
    link('up', ctx.hrefs.vApp(vApp.id), MEDIA.vApp),
    xText('Description', vm.description),
    resolved && [
      virtualHardwareSection(view),
      operatingSystemSection(view),
      networkConnectionSection(view),
      guestCustomizationSection(view),
      x(
        'RuntimeInfoSection',
        { 'vcloud:href': `${view.href}/runtimeInfoSection`, 'vcloud:type': MEDIA.virtualHardwareSection },
        x('ovf:Info', {}, 'Specifies Runtime info'),
        x('VMWareTools', { version: '12352' }),
      ),
    ],
    xText('DateCreated', dateTime(vApp.createdAt)),
    xText('VAppScopedLocalId', templateVm?.spec.name ?? vm.name),
  );
}
