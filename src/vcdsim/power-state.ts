/** The one place a vApp's power state changes, so its VMs, deployment and lease start always move together. */
import { STATUS, type SimStatus } from './media-types';
import { type SimVApp } from './model';

/**
 * Sets the vApp's status and deployment and mirrors them on every VM, at `at` (the moment the task ended). A new
 * deployment starts the runtime lease; powering on starts the VMs' usage curves.
 */
export function setStatus(vApp: SimVApp, status: SimStatus, deployed: boolean, at: number): void {
  if (deployed && !vApp.deployed) {
    vApp.deployedAt = at;
  }
  if (!deployed) {
    vApp.deployedAt = undefined;
  }
  vApp.status = status;
  vApp.deployed = deployed;
  for (const vm of vApp.vms) {
    if (status === STATUS.poweredOn && vm.status !== STATUS.poweredOn) {
      vm.poweredOnAt = at;
    }
    if (status !== STATUS.poweredOn) {
      vm.poweredOnAt = undefined;
    }
    vm.status = status;
    vm.deployed = deployed;
  }
}
