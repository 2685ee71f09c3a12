/** `PUT /api/vApp/vapp-<id>/leaseSettingsSection/`: changes (and renews) a vApp's runtime and storage leases. */
import { type LeaseSettingsParams } from '../bodies/section-params';
import { STATUS } from '../media-types';
import { type SimTask } from '../model';
import { wrongPowerState } from '../sim-error';
import { TASK_DURATIONS_MS, type SimState } from '../sim-state';
import { assertIdle, requireVApp } from './vapp-guards';

/**
 * Saves lease settings → a `vappUpdateVApp` task. When it ends, both leases start again from that moment, as VCD's
 * "renew lease" does (govcd `RenewLease` PUTs the same values for exactly this); 0 means the lease never expires.
 *
 * @throws SimError 403 for an unknown vApp; 400 BUSY_ENTITY; 400 BAD_REQUEST while it is still being created;
 *   400 OPERATION_LIMITS_EXCEEDED.
 */
export function updateLeaseSettings(state: SimState, vAppId: string, params: LeaseSettingsParams): SimTask {
  const vApp = requireVApp(state, vAppId);
  assertIdle(state, vApp);
  if (vApp.status === STATUS.unresolved || vApp.status === STATUS.failedCreation) {
    throw wrongPowerState(vApp.name, 'powered off');
  }
  return state.startTask({
    operationName: 'vappUpdateVApp',
    operation: `Updating Virtual Application ${vApp.name}(${vApp.id})`,
    owner: { kind: 'vapp', id: vApp.id, name: vApp.name },
    durationMs: TASK_DURATIONS_MS.updateLease,
    queued: false,
    onSuccess: (at) => {
      vApp.deploymentLeaseSeconds = params.deploymentLeaseSeconds ?? vApp.deploymentLeaseSeconds;
      vApp.storageLeaseSeconds = params.storageLeaseSeconds ?? vApp.storageLeaseSeconds;
      vApp.storageLeaseStartedAt = at;
      if (vApp.deployed) {
        vApp.deployedAt = at;
      }
    },
  });
}
