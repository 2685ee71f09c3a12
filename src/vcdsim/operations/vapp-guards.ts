/** Checks every vApp and VM operation shares. */
import { type SimVApp, type SimVm } from '../model';
import { busyEntity, noAccess } from '../sim-error';
import { type SimState } from '../sim-state';

/**
 * The vApp with this id.
 *
 * @throws SimError 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN when it does not exist (or no longer does).
 */
export function requireVApp(state: SimState, id: string): SimVApp {
  const vApp = state.vApp(id);
  if (vApp === undefined) {
    throw noAccess('vapp', id);
  }
  return vApp;
}

/** @throws SimError 400 BUSY_ENTITY while the vApp has a task in flight. */
export function assertIdle(state: SimState, vApp: SimVApp): void {
  const task = state.activeTaskOf(vApp.id);
  if (task !== undefined) {
    throw busyEntity('vapp', vApp.id, task.operationName, task.id);
  }
}

/** What a vApp-level task keeps busy: the vApp and each of its VMs. */
export function vAppLocks(vApp: SimVApp): string[] {
  return [vApp.id, ...vApp.vms.map((vm) => vm.id)];
}

/**
 * The VM with this id and the vApp holding it.
 *
 * @throws SimError 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN when no live vApp has it.
 */
export function requireVm(state: SimState, vmId: string): { vApp: SimVApp; vm: SimVm } {
  const found = state.vmWithVApp(vmId);
  if (found === undefined) {
    throw noAccess('vm', vmId);
  }
  return found;
}

/** @throws SimError 400 BUSY_ENTITY while the VM (or a task of its vApp) has a task in flight. */
export function assertVmIdle(state: SimState, vm: SimVm): void {
  const task = state.activeTaskOf(vm.id);
  if (task !== undefined) {
    throw busyEntity('vm', vm.id, task.operationName, task.id);
  }
}
