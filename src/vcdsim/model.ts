/** The simulator's in-memory world. Plain data; the operations that change it live in operations/. */
import { type SimStatus } from './media-types';

export type AdapterType = 'VMXNET3' | 'E1000' | 'E1000E' | 'VMXNET' | 'VMXNET2' | 'PCNet32';
export type AllocationMode = 'POOL' | 'DHCP' | 'MANUAL' | 'NONE';
export type FenceMode = 'bridged' | 'isolated' | 'natRouted';

export interface SimOrg {
  readonly id: string;
  readonly name: string;
}

export interface SimUser {
  readonly id: string;
  readonly name: string;
}

/**
 * An org VDC with Allocation Pool style limits (0 means unlimited, as VCD shows it). CPU is counted in MHz, each vCPU
 * at `vCpuMhz` (VCD's `VCpuInMhz2`); memory in MB; storage in MB of provisioned disk (vApps and templates).
 */
export interface SimVdc {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  cpuLimitMhz: number;
  memoryLimitMb: number;
  storageLimitMb: number;
  readonly vCpuMhz: number;
}

export interface SimCatalog {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
}

/** An org VDC network (routed through the edge gateway) with its static IP pool. */
export interface SimNetwork {
  readonly id: string;
  readonly name: string;
  readonly gateway: string;
  readonly netmask: string;
  readonly dns1: string;
  readonly dns2: string;
  readonly dnsSuffix: string;
  readonly poolStart: string;
  readonly poolEnd: string;
  readonly edgeName: string;
  /** The VDC that owns it; shared with the org's other VDCs (IsShared). */
  readonly vdcId: string;
}

/** A NIC as a template or VM carries it. */
export interface SimNic {
  index: number;
  /** vApp network name, or `none` when the NIC is not attached. */
  network: string;
  adapterType: AdapterType;
  connected: boolean;
  allocationMode: AllocationMode;
  mac: string;
  ip?: string;
  /** The org network whose pool the IP came from, so it can be returned on delete. */
  ipPoolNetworkId?: string;
}

export interface SimVmSpec {
  readonly name: string;
  readonly description: string;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly diskGb: number;
  readonly osType: string;
  readonly osDescription: string;
  readonly nestedHypervisor: boolean;
  readonly nics: readonly { network: string; adapterType: AdapterType; allocationMode: AllocationMode }[];
}

export interface SimTemplateVm {
  readonly id: string;
  readonly spec: SimVmSpec;
  readonly macs: readonly string[];
}

export interface SimTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly createdAt: number;
  readonly vms: readonly SimTemplateVm[];
  /** vApp networks of the template, each bridged to the org network of the same name. */
  readonly networkNames: readonly string[];
  /** The VDC whose storage holds it. */
  readonly vdcId: string;
  /** The catalog item that publishes it in the catalog. */
  readonly catalogItemId: string;
  /** False while a capture is still writing it: it is busy and cannot be instantiated. */
  resolved: boolean;
  /**
   * Captured from a deployed vApp: VCD keeps the memory state, and instantiating such a template "always creates a
   * suspended vApp connected to an isolated network" (vCloud API Programming Guide, "Capture a vApp as a Template").
   */
  readonly withMemoryState: boolean;
  readonly storageLeaseSeconds: number;
  readonly owner: SimUser;
}

/**
 * How busy a VM's guest is, which drives its metrics. `idle` is a nested ESXi host nobody uses: a few percent CPU,
 * never zero. `abandoned` is busy for `afterMinutes` after it was set or the VM last powered on, then idle.
 */
export type UsageProfile =
  | { readonly kind: 'busy' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'abandoned'; readonly afterMinutes: number };

export interface VmUsage {
  readonly profile: UsageProfile;
  /** When the profile was set. */
  readonly since: number;
}

export interface SimVm {
  readonly id: string;
  name: string;
  description: string;
  cpus: number;
  memoryMb: number;
  diskGb: number;
  osType: string;
  osDescription: string;
  nestedHypervisor: boolean;
  status: SimStatus;
  deployed: boolean;
  nics: SimNic[];
  /** PrimaryNetworkConnectionIndex; undefined means the lowest NIC index. */
  primaryNicIndex?: number;
  readonly templateVmId: string;
  usage: VmUsage;
  /** When it last went from off or suspended to powered on; undefined while not powered on. */
  poweredOnAt?: number;
}

/** A vApp network: the NetworkConfig of an instantiation, bridged (or fenced) to an org network. */
export interface SimVAppNetwork {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly parentNetworkId?: string;
  readonly fenceMode: FenceMode;
}

export type MetadataType =
  'MetadataStringValue' | 'MetadataNumberValue' | 'MetadataBooleanValue' | 'MetadataDateTimeValue';
export type MetadataDomain = 'GENERAL' | 'SYSTEM';

export interface SimMetadataEntry {
  readonly domain: MetadataDomain;
  readonly visibility: string;
  readonly key: string;
  readonly type: MetadataType;
  readonly value: string;
}

export interface SimVApp {
  readonly id: string;
  name: string;
  description: string;
  readonly createdAt: number;
  readonly templateId: string;
  readonly vdcId: string;
  status: SimStatus;
  deployed: boolean;
  vms: SimVm[];
  networks: SimVAppNetwork[];
  deploymentLeaseSeconds: number;
  storageLeaseSeconds: number;
  /**
   * When the runtime lease last started: at deployment, and again when the lease settings are saved while deployed
   * (VCD's "renew lease"). DeploymentLeaseExpiration and the lease expiry are computed from it.
   */
  deployedAt?: number;
  /** When the storage lease last started: at creation, and again on each save of the lease settings. */
  storageLeaseStartedAt: number;
  /** Keyed by `${domain}:${key}`. */
  metadata: Map<string, SimMetadataEntry>;
  readonly owner: SimUser;
}

export type TaskStatus = 'queued' | 'running' | 'success' | 'error' | 'canceled' | 'aborted';

export interface TaskError {
  readonly majorErrorCode: number;
  readonly minorErrorCode: string;
  readonly message: string;
}

/**
 * Entities a task can be about (its `Owner`). A CloudAPI create names the object it makes (an IP set, a port profile):
 * see nsxt-org-operations.ts.
 */
export type TaskOwnerKind =
  'vapp' | 'vm' | 'vAppTemplate' | 'edgeGateway' | 'org' | 'firewallGroup' | 'applicationPortProfile';

export interface SimTask {
  readonly id: string;
  readonly operationName: string;
  readonly operation: string;
  readonly ownerKind: TaskOwnerKind;
  readonly ownerId: string;
  readonly ownerName: string;
  /** Entities that answer BUSY_ENTITY while the task is in flight (the owner and, e.g., a VM's vApp). */
  readonly lockIds: readonly string[];
  /** Started by the system (lease expiry), not by a user: not counted against the org's operation limit. */
  readonly system: boolean;
  /** Powers VMs on when it succeeds: counted against the VDC's compute limits while in flight. */
  readonly reservesComputeFor?: string;
  readonly createdAt: number;
  /** Share of the duration spent `queued` before `running` (ms, already divided by the speed factor). */
  readonly queueMs: number;
  /** Total duration (ms, already divided by the speed factor). */
  readonly durationMs: number;
  readonly user: SimUser;
  /** Terminal status once settled; undefined while in flight (then derived from the clock). */
  finalStatus?: Exclude<TaskStatus, 'queued' | 'running'>;
  endedAt?: number;
  error?: TaskError;
  cancelRequested: boolean;
  /** What the task does to the world when it succeeds, given the moment it ended. */
  readonly onSuccess: (endedAt: number) => void;
  /** What is left of the world when it fails (with its Error) or is canceled (without). */
  readonly onFailure: (error?: TaskError) => void;
  /** Decided when it started (an injected fault, a VDC out of resources): it ends in `error` with this Error. */
  readonly injectedError?: TaskError;
  /** `Result/ResultContent` once it succeeded (an IP Space allocation's JSON answer). */
  result?: string;
}

// ------------------------------------------------------------------------------------------ edge gateway

/** A NAT rule of a (non-advanced) edge gateway: `GatewayNatRule` in XSD network.xsd. */
export interface SimNatRule {
  readonly id: number;
  readonly description?: string;
  readonly ruleType: 'SNAT' | 'DNAT';
  readonly isEnabled: boolean;
  /** Name of the edge interface (its network name) the rule applies on. */
  readonly interfaceName: string;
  readonly originalIp: string;
  readonly originalPort?: string;
  readonly translatedIp: string;
  readonly translatedPort?: string;
  readonly protocol?: string;
  readonly icmpSubType?: string;
}

export interface SimFirewallProtocols {
  readonly tcp?: boolean;
  readonly udp?: boolean;
  readonly icmp?: boolean;
  readonly any?: boolean;
  readonly other?: string;
}

/** A firewall rule of an edge gateway: `FirewallRule` in XSD network.xsd. */
export interface SimFirewallRule {
  readonly id: string;
  readonly isEnabled: boolean;
  readonly matchOnTranslate: boolean;
  readonly description?: string;
  readonly policy: 'allow' | 'drop';
  readonly protocols: SimFirewallProtocols;
  readonly icmpSubType?: string;
  readonly port?: number;
  readonly destinationPortRange: string;
  readonly destinationIp: string;
  readonly sourcePort?: number;
  readonly sourcePortRange: string;
  readonly sourceIp: string;
  readonly direction?: string;
  readonly enableLogging: boolean;
}

export interface SimNatService {
  readonly isEnabled: boolean;
  readonly rules: readonly SimNatRule[];
}

export interface SimFirewallService {
  readonly isEnabled: boolean;
  readonly defaultAction: 'allow' | 'drop';
  readonly logDefaultAction: boolean;
  readonly rules: readonly SimFirewallRule[];
}

/** The edge's uplink to the provider's external network, with the public addresses sub-allocated to the org. */
export interface SimUplink {
  readonly networkId: string;
  readonly name: string;
  readonly gateway: string;
  readonly netmask: string;
  /** The edge's own address on the external network. */
  readonly primaryIp: string;
  /** The public addresses the org may use in NAT rules. */
  readonly poolStart: string;
  readonly poolEnd: string;
}

/** A legacy (non-advanced) edge gateway: NAT and firewall configured with `configureServices`. */
export interface SimEdgeGateway {
  readonly id: string;
  readonly name: string;
  readonly vdcId: string;
  readonly uplink: SimUplink;
  nat: SimNatService;
  firewall: SimFirewallService;
}
