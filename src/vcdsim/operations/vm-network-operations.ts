/**
 * `PUT /api/vApp/vm-<id>/networkConnectionSection/`: replaces a VM's NICs. Addresses are planned when the request is
 * accepted (so two requests cannot take the same pool address) and applied when the `vappUpdateVm` task ends;
 * a failed or canceled task gives the new addresses back.
 */
import { type NetworkConnectionSectionParams } from '../bodies/section-params';
import { STATUS } from '../media-types';
import { type SimNic, type SimTask, type SimVApp, type SimVm } from '../model';
import { ipToInt, isIpv4 } from '../network-pools';
import { badRequest, wrongPowerState } from '../sim-error';
import { TASK_DURATIONS_MS, type SimState } from '../sim-state';
import { assertVmIdle, requireVm } from './vapp-guards';

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

interface Taken {
  readonly networkId: string;
  readonly ip: string;
}

function sameSubnet(ip: string, gateway: string, netmask: string): boolean {
  const mask = ipToInt(netmask);
  // >>> 0 keeps the results unsigned: bitwise operators work on signed 32-bit integers.
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(gateway) & mask) >>> 0;
}

/** Plans the new NIC list: MACs kept, given or allocated; addresses kept, reserved or dropped. */
class NicPlan {
  readonly taken: Taken[] = [];
  readonly released: Taken[] = [];

  constructor(
    private readonly state: SimState,
    private readonly vApp: SimVApp,
    private readonly vm: SimVm,
  ) {}

  /** @throws SimError 400 for a bad MAC, an unknown network, a taken or foreign MANUAL address, an empty pool. */
  build(params: NetworkConnectionSectionParams): SimNic[] {
    const indexes = new Set<number>();
    const nics = params.connections.map((c) => {
      if (indexes.has(c.index)) {
        throw badRequest(`Duplicate NetworkConnectionIndex ${c.index}.`);
      }
      indexes.add(c.index);
      const existing = this.vm.nics.find((n) => n.index === c.index);
      if (c.mac !== undefined && !MAC_PATTERN.test(c.mac)) {
        throw badRequest(`Invalid MAC address "${c.mac}".`);
      }
      if (c.mac !== undefined && (Number.parseInt(c.mac.slice(0, 2), 16) & 1) === 1) {
        throw badRequest(`MAC address "${c.mac}" is a multicast address; a NIC needs a unicast one.`);
      }
      const adapterType = c.adapterType ?? existing?.adapterType ?? 'VMXNET3';
      if (
        existing !== undefined &&
        existing.adapterType !== adapterType &&
        this.vm.status === STATUS.poweredOn
      ) {
        throw badRequest(
          `The network adapter type of NIC ${c.index} of VM "${this.vm.name}" cannot be changed while the VM is powered on.`,
        );
      }
      const attached = c.network !== 'none';
      const network = attached ? this.vApp.networks.find((n) => n.name === c.network) : undefined;
      if (attached && network === undefined) {
        throw badRequest(`The network "${c.network}" is not a network of vApp "${this.vApp.name}".`);
      }
      const nic: SimNic = {
        index: c.index,
        network: attached ? c.network : 'none',
        adapterType,
        connected: attached && c.isConnected,
        allocationMode: attached ? c.allocationMode : 'NONE',
        mac: c.mac?.toLowerCase() ?? existing?.mac ?? this.state.macs.allocate(),
      };
      this.address(nic, network?.parentNetworkId, existing, c.ipAddress);
      return nic;
    });
    for (const old of this.vm.nics) {
      const kept = nics.some((n) => n.ipPoolNetworkId === old.ipPoolNetworkId && n.ip === old.ip);
      if (!kept && old.ip !== undefined && old.ipPoolNetworkId !== undefined) {
        this.released.push({ networkId: old.ipPoolNetworkId, ip: old.ip });
      }
    }
    return nics;
  }

  rollback(): void {
    for (const { networkId, ip } of this.taken) {
      this.state.releaseAddress(networkId, ip);
    }
  }

  private address(
    nic: SimNic,
    parentId: string | undefined,
    existing: SimNic | undefined,
    manualIp: string | undefined,
  ): void {
    const parent = parentId === undefined ? undefined : this.state.network(parentId);
    const pool = parentId === undefined ? undefined : this.state.pool(parentId);
    if (parent === undefined || pool === undefined || parentId === undefined) {
      return;
    }
    const keeps = (ip: string | undefined): boolean =>
      ip !== undefined && existing?.ip === ip && existing.ipPoolNetworkId === parentId;
    if (nic.allocationMode === 'POOL') {
      if (existing?.allocationMode === 'POOL' && keeps(existing.ip)) {
        nic.ip = existing.ip;
        nic.ipPoolNetworkId = parentId;
        return;
      }
      const ip = pool.allocate();
      if (ip === undefined) {
        throw badRequest(`No IP addresses are available in the static IP pool of network "${parent.name}".`);
      }
      this.taken.push({ networkId: parentId, ip });
      nic.ip = ip;
      nic.ipPoolNetworkId = parentId;
    } else if (nic.allocationMode === 'MANUAL') {
      if (manualIp === undefined || !isIpv4(manualIp)) {
        throw badRequest(`NIC ${nic.index} uses MANUAL allocation but has no valid IpAddress.`);
      }
      if (!sameSubnet(manualIp, parent.gateway, parent.netmask)) {
        throw badRequest(
          `The IP address ${manualIp} is not in the subnet of network "${parent.name}" (${parent.gateway}/${parent.netmask}).`,
        );
      }
      nic.ip = manualIp;
      if (keeps(manualIp)) {
        nic.ipPoolNetworkId = parentId;
        return;
      }
      if (pool.contains(manualIp)) {
        if (!pool.reserve(manualIp)) {
          throw badRequest(`The IP address ${manualIp} is already in use on network "${parent.name}".`);
        }
        this.taken.push({ networkId: parentId, ip: manualIp });
        nic.ipPoolNetworkId = parentId;
      }
    }
  }
}

/**
 * Replaces the VM's network connections → a `vappUpdateVm` task (operationName and operation text of the fixture
 * fog-vcloud-director/post_reconfigure_vm-virtual_hardware.yml).
 *
 * @throws SimError 403 for an unknown VM; 400 BUSY_ENTITY while it or its vApp has a task; 400 BAD_REQUEST for a VM
 *   not yet created, inconsistent NICs, or an adapter type change on a powered-on VM; 400 OPERATION_LIMITS_EXCEEDED.
 */
export function updateNetworkConnections(
  state: SimState,
  vmId: string,
  params: NetworkConnectionSectionParams,
): SimTask {
  const { vApp, vm } = requireVm(state, vmId);
  assertVmIdle(state, vm);
  if (vm.status === STATUS.unresolved || vm.status === STATUS.failedCreation) {
    throw wrongPowerState(vApp.name, 'powered off');
  }
  if (params.primaryIndex !== undefined && !params.connections.some((c) => c.index === params.primaryIndex)) {
    throw badRequest(`PrimaryNetworkConnectionIndex ${params.primaryIndex} names no NetworkConnection.`);
  }
  state.assertTaskCapacity();
  const plan = new NicPlan(state, vApp, vm);
  let nics: SimNic[];
  let task: SimTask;
  try {
    nics = plan.build(params);
    task = state.startTask({
      operationName: 'vappUpdateVm',
      operation: `Updating Virtual Machine ${vm.name}(${vm.id})`,
      owner: { kind: 'vm', id: vm.id, name: vm.name },
      locks: [vm.id, vApp.id],
      durationMs: TASK_DURATIONS_MS.updateVm,
      queued: true,
      onSuccess: () => {
        for (const { networkId, ip } of plan.released) {
          state.releaseAddress(networkId, ip);
        }
        vm.nics = nics.sort((a, b) => a.index - b.index);
        const primary = params.primaryIndex ?? vm.primaryNicIndex;
        vm.primaryNicIndex = nics.some((n) => n.index === primary) ? primary : undefined;
      },
      onFailure: () => plan.rollback(),
    });
  } catch (error) {
    plan.rollback();
    throw error;
  }
  return task;
}
