/** Checks and state changes every vApp operation shares. */
import { type SimStatus } from '../media-types';
import { type SimVApp } from '../model';
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

/** Sets the vApp's status and deployment and mirrors them on every VM; `at` stamps a new deployment. */
export function setStatus(vApp: SimVApp, status: SimStatus, deployed: boolean, at?: number): void {
  if (deployed && !vApp.deployed) {
    vApp.deployedAt = at;
  }
  if (!deployed) {
    vApp.deployedAt = undefined;
  }
  vApp.status = status;
  vApp.deployed = deployed;
  for (const vm of vApp.vms) {
    vm.status = status;
    vm.deployed = deployed;
  }
}
