/**
 * What the simulated org holds at start. The template names are a contract with labbot's built-in default config
 * (DESIGN.md section 3): change them only together.
 */
import { type SimVmSpec } from './model';

export const MANAGEMENT_NETWORK = 'Management';
export const VM_NETWORK = 'VM Network';

export interface NetworkSeed {
  readonly name: string;
  readonly gateway: string;
  readonly netmask: string;
  readonly dns1: string;
  readonly dns2: string;
  readonly dnsSuffix: string;
  readonly poolStart: string;
  readonly poolEnd: string;
}

/** Two routed org VDC networks behind one edge; /16 pools so hundreds of labs fit (paging tests use 200 vApps). */
export const NETWORK_SEEDS: readonly NetworkSeed[] = [
  {
    name: MANAGEMENT_NETWORK,
    gateway: '10.10.0.1',
    netmask: '255.255.0.0',
    dns1: '10.10.0.2',
    dns2: '10.10.0.3',
    dnsSuffix: 'lab.local',
    poolStart: '10.10.0.10',
    poolEnd: '10.10.255.250',
  },
  {
    name: VM_NETWORK,
    gateway: '10.20.0.1',
    netmask: '255.255.0.0',
    dns1: '10.10.0.2',
    dns2: '10.10.0.3',
    dnsSuffix: 'lab.local',
    poolStart: '10.20.0.10',
    poolEnd: '10.20.255.250',
  },
];

export const EDGE_GATEWAY_NAME = 'edge-01';

/** The provider's external network the edge's uplink sits on (RFC 5737 documentation range, never routed). */
export const UPLINK_SEED = {
  name: 'ext-internet',
  gateway: '203.0.113.1',
  netmask: '255.255.255.0',
  primaryIp: '203.0.113.2',
} as const;

/** The public addresses sub-allocated to the org's edge, for DNAT and SNAT rules. */
export const DEFAULT_PUBLIC_IPS = { start: '203.0.113.10', end: '203.0.113.60' } as const;

/**
 * Default quota of a simulated VDC: an Allocation Pool VDC big enough for the test suites (200 stored labs) yet
 * finite, so quota handling is always exercised. 0 would mean unlimited, as in VCD.
 */
export const DEFAULT_VDC_LIMITS = {
  cpuLimitMhz: 400_000,
  memoryLimitMb: 1_048_576,
  storageLimitMb: 51_200_000,
  vCpuMhz: 2000,
} as const;

/**
 * The nested-ESXi NIC layout of the seed article: vmnic0 (management) VMXNET3 on "Management", two E1000 NICs on
 * "VM Network" whose MACs the nested VMs take over.
 */
const ESXI_NICS: SimVmSpec['nics'] = [
  { network: MANAGEMENT_NETWORK, adapterType: 'VMXNET3', allocationMode: 'POOL' },
  { network: VM_NETWORK, adapterType: 'E1000', allocationMode: 'POOL' },
  { network: VM_NETWORK, adapterType: 'E1000', allocationMode: 'POOL' },
];

function esxi8(name: string): SimVmSpec {
  return {
    name,
    description: 'Nested ESXi 8.0 host',
    cpus: 4,
    memoryMb: 16384,
    diskGb: 100,
    osType: 'vmkernel8Guest',
    osDescription: 'VMware ESXi 8.0 or later',
    nestedHypervisor: true,
    nics: ESXI_NICS,
  };
}

/**
 * An older template that was captured before anyone added the VM-network NICs: only vmnic0. labbot's network block
 * adds the two E1000 NICs at deploy (and this keeps that path exercised).
 */
const esxi7: SimVmSpec = {
  name: 'esxi-01',
  description: 'Nested ESXi 7.0 host',
  cpus: 4,
  memoryMb: 12288,
  diskGb: 80,
  osType: 'vmkernel7Guest',
  osDescription: 'VMware ESXi 7.0',
  nestedHypervisor: true,
  nics: ESXI_NICS.slice(0, 1),
};

const vcsa: SimVmSpec = {
  name: 'vcsa',
  description: 'vCenter Server Appliance 8.0',
  cpus: 2,
  memoryMb: 14336,
  diskGb: 200,
  osType: 'vmwarePhoton64Guest',
  osDescription: 'VMware Photon OS (64-bit)',
  nestedHypervisor: false,
  nics: [{ network: MANAGEMENT_NETWORK, adapterType: 'VMXNET3', allocationMode: 'POOL' }],
};

const jump: SimVmSpec = {
  name: 'jump',
  description: 'Jump host',
  cpus: 2,
  memoryMb: 4096,
  diskGb: 40,
  osType: 'ubuntu64Guest',
  osDescription: 'Ubuntu Linux (64-bit)',
  nestedHypervisor: false,
  nics: [{ network: MANAGEMENT_NETWORK, adapterType: 'VMXNET3', allocationMode: 'POOL' }],
};

export interface TemplateSeed {
  readonly name: string;
  readonly description: string;
  readonly vms: readonly SimVmSpec[];
}

export const TEMPLATE_SEEDS: readonly TemplateSeed[] = [
  { name: 'esxi8-single', description: 'Nested ESXi 8.0 host', vms: [esxi8('esxi-01')] },
  { name: 'esxi7-single', description: 'Nested ESXi 7.0 host', vms: [esxi7] },
  {
    name: 'vsphere8-lab',
    description: 'vSphere 8 lab: 2 nested ESXi hosts, vCenter, jump host',
    vms: [esxi8('esxi-01'), esxi8('esxi-02'), vcsa, jump],
  },
];
