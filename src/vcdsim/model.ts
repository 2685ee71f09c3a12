/** The simulator's in-memory world. Plain data; the operations that change it live in vapp-operations.ts. */
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

export interface SimVdc {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
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
  readonly templateVmId: string;
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
  status: SimStatus;
  deployed: boolean;
  vms: SimVm[];
  networks: SimVAppNetwork[];
  deploymentLeaseSeconds: number;
  storageLeaseSeconds: number;
  /** When the vApp was last deployed, for DeploymentLeaseExpiration. */
  deployedAt?: number;
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

export interface SimTask {
  readonly id: string;
  readonly operationName: string;
  readonly operation: string;
  readonly ownerKind: 'vapp';
  readonly ownerId: string;
  readonly ownerName: string;
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
  /** What is left of the world when it fails or is canceled. */
  readonly onFailure: () => void;
  /** A fault injected for this task: it ends in `error` with this Error. */
  readonly injectedError?: TaskError;
}
