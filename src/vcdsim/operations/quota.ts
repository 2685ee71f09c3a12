/** VDC quotas: storage is checked when something would be stored, compute when VMs would power on. */
import { type SimVApp, type SimVdc, type TaskError } from '../model';
import { SimError } from '../sim-error';
import { type SimState } from '../sim-state';

/** VCD's storage policy name for the simulated VDCs. */
export const STORAGE_POLICY = 'Standard';

/**
 * @throws SimError 400 BAD_REQUEST "The requested operation will exceed the VDC's storage quota: storage policy ..."
 *   when `additionalMb` more would not fit (prefix as VCD words it; seen matched verbatim by clients such as
 *   terraform providers' `ValidateDiskQuotaError`; the figures after it are the simulator's).
 */
export function assertStorageFits(state: SimState, vdc: SimVdc, additionalMb: number): void {
  if (vdc.storageLimitMb <= 0) {
    return;
  }
  const used = state.storageInUseMb(vdc.id);
  if (used + additionalMb > vdc.storageLimitMb) {
    throw new SimError(
      400,
      'BAD_REQUEST',
      `The requested operation will exceed the VDC's storage quota: storage policy "${STORAGE_POLICY}" of VDC "${vdc.name}" has ${Math.max(0, vdc.storageLimitMb - used)} MB free, ${additionalMb} MB requested.`,
    );
  }
}

/** Provisioned storage (MB) of a vApp's VMs. */
export function vAppStorageMb(vApp: SimVApp): number {
  return vApp.vms.reduce((sum, vm) => sum + vm.diskGb * 1024, 0);
}

/**
 * Why the VDC cannot power the vApp's VMs on, if it cannot: the Error its power-on task ends with. VCD leaves Allocation
 * Pool limits to vCenter's admission control, so the task is accepted and fails with vCenter's message ("The available
 * Memory resources in the parent resource pool are insufficient for the operation.").
 */
export function computeShortfall(state: SimState, vApp: SimVApp): TaskError | undefined {
  const vdc = state.vdcById(vApp.vdcId);
  if (vdc === undefined) {
    return undefined;
  }
  const inUse = state.computeInUse(vdc.id, vApp.id);
  const needMemory = vApp.vms.reduce((sum, vm) => sum + vm.memoryMb, 0);
  const needCpu = vApp.vms.reduce((sum, vm) => sum + vm.cpus * vdc.vCpuMhz, 0);
  const insufficient = (what: string): TaskError => ({
    majorErrorCode: 500,
    minorErrorCode: 'INTERNAL_SERVER_ERROR',
    message: `The available ${what} resources in the parent resource pool are insufficient for the operation.`,
  });
  if (vdc.memoryLimitMb > 0 && inUse.memoryMb + needMemory > vdc.memoryLimitMb) {
    return insufficient('Memory');
  }
  if (vdc.cpuLimitMhz > 0 && inUse.cpuMhz + needCpu > vdc.cpuLimitMhz) {
    return insufficient('CPU');
  }
  return undefined;
}
