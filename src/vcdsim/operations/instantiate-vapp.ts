/**
 * Instantiation: resolves the template, networks and sourced items, allocates MACs and pool addresses all or
 * nothing, and starts the `vdcInstantiateVapp` task whose end applies `deploy`/`powerOn`.
 */
import { randomUUID } from 'node:crypto';
import { type InstantiateParams, type NetworkConnectionParams } from '../bodies/instantiate-params';
import { uuidFromHref } from '../hrefs';
import { STATUS } from '../media-types';
import {
  type SimNic,
  type SimTask,
  type SimTemplate,
  type SimTemplateVm,
  type SimVApp,
  type SimVAppNetwork,
  type SimVm,
} from '../model';
import { setStatus } from '../power-state';
import { SimError, badRequest, busyEntity, noAccess } from '../sim-error';
import { TASK_DURATIONS_MS, type SimState } from '../sim-state';
import { assertStorageFits, computeShortfall } from './quota';
import { vAppLocks } from './vapp-guards';

function resolveTemplate(state: SimState, href: string): SimTemplate {
  const id = uuidFromHref(href, '/api/vAppTemplate/vappTemplate-');
  if (id === undefined) {
    throw new SimError(400, 'INVALID_REFERENCE', `Invalid reference "${href}": not a vApp template.`);
  }
  const template = state.template(id);
  if (template === undefined) {
    throw noAccess('vappTemplate', id);
  }
  if (!template.resolved) {
    const capture = state.activeTaskOf(template.id);
    throw busyEntity(
      'vappTemplate',
      template.id,
      capture?.operationName ?? 'vdcCaptureTemplate',
      capture?.id ?? '',
    );
  }
  return template;
}

function resolveNetworks(
  state: SimState,
  template: SimTemplate,
  params: InstantiateParams,
): SimVAppNetwork[] {
  if (template.withMemoryState) {
    // A template captured with memory state "always creates a suspended vApp connected to an isolated network".
    return template.networkNames.map((name) => ({
      id: randomUUID(),
      name,
      description: '',
      fenceMode: 'isolated',
    }));
  }
  if (params.networkConfigs === undefined) {
    // No NetworkConfigSection: the template's own vApp networks, bridged to the org networks they name.
    return template.networkNames.map((name) => ({
      id: randomUUID(),
      name,
      description: '',
      parentNetworkId: state.networkByName(name)?.id,
      fenceMode: 'bridged',
    }));
  }
  const seen = new Set<string>();
  return params.networkConfigs.map((config) => {
    if (seen.has(config.networkName)) {
      throw badRequest(`Duplicate vApp network name "${config.networkName}".`);
    }
    seen.add(config.networkName);
    let parentNetworkId: string | undefined;
    if (config.parentHref !== undefined) {
      parentNetworkId =
        uuidFromHref(config.parentHref, '/api/network/') ??
        uuidFromHref(config.parentHref, '/api/admin/network/');
      if (parentNetworkId === undefined) {
        throw new SimError(
          400,
          'INVALID_REFERENCE',
          `Invalid reference "${config.parentHref}": not a network.`,
        );
      }
      if (state.network(parentNetworkId) === undefined) {
        throw noAccess('network', parentNetworkId);
      }
    }
    return {
      id: randomUUID(),
      name: config.networkName,
      description: config.description ?? '',
      parentNetworkId,
      fenceMode: config.fenceMode,
    };
  });
}

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** Allocates addresses for NICs and returns them to their pools if a later NIC fails (all or nothing). */
class AddressBatch {
  private readonly taken: { networkId: string; ip: string }[] = [];

  constructor(private readonly state: SimState) {}

  /** @throws SimError 400 when the pool is exhausted or a MANUAL address is taken. */
  assign(nic: SimNic, network: SimVAppNetwork | undefined, manualIp: string | undefined): void {
    const parentId = network?.parentNetworkId;
    const pool = parentId === undefined ? undefined : this.state.pool(parentId);
    if (pool === undefined || parentId === undefined) {
      return;
    }
    if (nic.allocationMode === 'POOL') {
      const ip = pool.allocate();
      if (ip === undefined) {
        throw badRequest(`No IP addresses are available in the static IP pool of network "${nic.network}".`);
      }
      this.taken.push({ networkId: parentId, ip });
      nic.ip = ip;
      nic.ipPoolNetworkId = parentId;
    } else if (nic.allocationMode === 'MANUAL') {
      if (manualIp === undefined) {
        throw badRequest(`NIC ${nic.index} uses MANUAL allocation but has no IpAddress.`);
      }
      if (pool.reserve(manualIp)) {
        this.taken.push({ networkId: parentId, ip: manualIp });
        nic.ipPoolNetworkId = parentId;
      }
      nic.ip = manualIp;
    }
  }

  rollback(): void {
    for (const { networkId, ip } of this.taken) {
      this.state.pool(networkId)?.release(ip);
    }
  }
}

function buildNics(
  state: SimState,
  templateVm: SimTemplateVm,
  connections: readonly NetworkConnectionParams[] | undefined,
  networks: readonly SimVAppNetwork[],
  batch: AddressBatch,
): SimNic[] {
  const wanted =
    connections ??
    templateVm.spec.nics.map((nic, index) => ({
      network: nic.network,
      index,
      isConnected: true,
      allocationMode: nic.allocationMode,
      adapterType: nic.adapterType,
      mac: undefined,
      ipAddress: undefined,
    }));
  const indexes = new Set<number>();
  return wanted.map((c) => {
    if (indexes.has(c.index)) {
      throw badRequest(`Duplicate NetworkConnectionIndex ${c.index}.`);
    }
    indexes.add(c.index);
    if (c.mac !== undefined && !MAC_PATTERN.test(c.mac)) {
      throw badRequest(`Invalid MAC address "${c.mac}".`);
    }
    const network = networks.find((n) => n.name === c.network);
    const attached = network !== undefined;
    const nic: SimNic = {
      index: c.index,
      network: attached ? c.network : 'none',
      adapterType: c.adapterType ?? templateVm.spec.nics[c.index]?.adapterType ?? 'VMXNET3',
      connected: attached && c.isConnected,
      allocationMode: attached ? c.allocationMode : 'NONE',
      mac: c.mac?.toLowerCase() ?? state.macs.allocate(),
    };
    if (attached) {
      batch.assign(nic, network, c.ipAddress);
    }
    return nic;
  });
}

/**
 * Instantiates a template into a new vApp: 201 with the vApp (status UNRESOLVED) and its `vdcInstantiateVapp` task.
 * `deploy`/`powerOn` are honoured when the task ends; when the VDC cannot power the VMs on, the task ends in error and
 * the vApp stays, powered off. A template captured with memory state yields a suspended vApp.
 *
 * @throws SimError 403 for an unknown VDC, template or network; 400 DUPLICATE_NAME when the VDC already has a vApp
 *   of that name; 400 INVALID_REFERENCE for hrefs of the wrong kind; 400 BAD_REQUEST for inconsistent parameters or
 *   a VDC out of storage; 400 BUSY_ENTITY for a template still being captured; 400 OPERATION_LIMITS_EXCEEDED.
 */
export function instantiateVApp(
  state: SimState,
  vdcId: string,
  params: InstantiateParams,
): { vApp: SimVApp; task: SimTask } {
  const vdc = state.vdcById(vdcId);
  if (vdc === undefined) {
    throw noAccess('vdc', vdcId);
  }
  const template = resolveTemplate(state, params.sourceHref);
  if (state.vApps().some((v) => v.name === params.name && v.vdcId === vdc.id)) {
    // Name uniqueness per VDC; code and wording as VCD reports it for an existing entity.
    throw new SimError(400, 'DUPLICATE_NAME', `The VCD entity ${params.name} already exists.`);
  }
  const networks = resolveNetworks(state, template, params);
  const items = new Map<string, (typeof params.sourcedItems)[number]>();
  for (const item of params.sourcedItems) {
    const vmId = uuidFromHref(item.sourceHref, '/api/vAppTemplate/vm-');
    const templateVm = template.vms.find((vm) => vm.id === vmId);
    if (vmId === undefined || templateVm === undefined) {
      throw new SimError(
        400,
        'INVALID_REFERENCE',
        `Invalid reference "${item.sourceHref}": not a VM of vApp template ${template.name}.`,
      );
    }
    items.set(templateVm.id, item);
  }

  state.assertTaskCapacity();
  assertStorageFits(
    state,
    vdc,
    template.vms.reduce((sum, vm) => sum + vm.spec.diskGb * 1024, 0),
  );
  const now = state.now();
  const batch = new AddressBatch(state);
  let vms: SimVm[];
  try {
    vms = template.vms.map((templateVm) => {
      const item = items.get(templateVm.id);
      const spec = templateVm.spec;
      return {
        id: randomUUID(),
        name: item?.name ?? spec.name,
        description: item?.description ?? spec.description,
        cpus: spec.cpus,
        memoryMb: spec.memoryMb,
        diskGb: spec.diskGb,
        osType: spec.osType,
        osDescription: spec.osDescription,
        nestedHypervisor: spec.nestedHypervisor,
        status: STATUS.unresolved,
        deployed: false,
        nics: buildNics(state, templateVm, item?.networkConnections, networks, batch),
        templateVmId: templateVm.id,
        usage: { profile: state.defaultUsage, since: now },
      };
    });
    const names = vms.map((vm) => vm.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) {
      throw badRequest(`Duplicate VM name "${duplicate}" in vApp ${params.name}.`);
    }
  } catch (error) {
    batch.rollback();
    throw error;
  }

  const vApp: SimVApp = {
    id: randomUUID(),
    name: params.name,
    description: params.description ?? '',
    createdAt: now,
    templateId: template.id,
    vdcId: vdc.id,
    status: STATUS.unresolved,
    deployed: false,
    vms,
    networks,
    deploymentLeaseSeconds: params.deploymentLeaseSeconds ?? 0,
    storageLeaseSeconds: params.storageLeaseSeconds ?? 0,
    storageLeaseStartedAt: now,
    metadata: new Map(),
    owner: state.user,
  };
  const resumesSuspended = template.withMemoryState;
  const powersOn = params.powerOn && !resumesSuspended;
  const shortfall = powersOn ? computeShortfall(state, vApp) : undefined;
  const durationMs = TASK_DURATIONS_MS.instantiate + (params.deploy ? TASK_DURATIONS_MS.powerOn : 0);
  let task: SimTask;
  try {
    task = state.startTask({
      operationName: 'vdcInstantiateVapp',
      operation: `Creating Virtual Application ${vApp.name}(${vApp.id})`,
      owner: { kind: 'vapp', id: vApp.id, name: vApp.name },
      locks: vAppLocks(vApp),
      durationMs,
      queued: false,
      error: shortfall,
      reservesComputeFor: powersOn && shortfall === undefined ? vApp.id : undefined,
      onSuccess: (at) => {
        if (resumesSuspended) {
          setStatus(vApp, STATUS.suspended, false, at);
        } else {
          setStatus(vApp, powersOn ? STATUS.poweredOn : STATUS.poweredOff, params.deploy || powersOn, at);
        }
      },
      // Out of compute, VCD has created the vApp but could not start it; any other failure leaves a failed creation.
      onFailure: (error) =>
        setStatus(
          vApp,
          error !== undefined && error === shortfall ? STATUS.poweredOff : STATUS.failedCreation,
          false,
          state.now(),
        ),
    });
  } catch (error) {
    batch.rollback();
    throw error;
  }
  state.addVApp(vApp);
  return { vApp, task };
}
