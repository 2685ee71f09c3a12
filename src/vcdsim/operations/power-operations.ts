/** Power, deploy, undeploy and delete: each validates the vApp's state, then starts the task that changes it. */
import { type UndeployPowerAction } from '../bodies/power-params';
import { STATUS } from '../media-types';
import { type SimTask, type SimVApp } from '../model';
import { setStatus } from '../power-state';
import { badRequest, stopVAppFirst, wrongPowerState } from '../sim-error';
import { TASK_DURATIONS_MS, type SimState } from '../sim-state';
import { computeShortfall } from './quota';
import { assertIdle, requireVApp, vAppLocks } from './vapp-guards';

export type PowerAction = 'powerOn' | 'powerOff' | 'shutdown' | 'suspend' | 'reboot' | 'reset';

const isOn = (vApp: SimVApp): boolean => vApp.status === STATUS.poweredOn;

/** Owner and locks of a task on the whole vApp. */
function onVApp(vApp: SimVApp): { owner: { kind: 'vapp'; id: string; name: string }; locks: string[] } {
  return { owner: { kind: 'vapp', id: vApp.id, name: vApp.name }, locks: vAppLocks(vApp) };
}

/**
 * `POST /api/vApp/{id}/power/action/{action}` → a task. powerOn deploys first when needed (operationName
 * `vappDeploy`, as in fixture libcloud/..._power_action_powerOn.xml); powerOff and shutdown leave the vApp deployed,
 * as in VCD, where only undeploy releases it.
 *
 * A power-on the VDC has no room for is accepted and its task fails (see quota.ts).
 *
 * @throws SimError 403 for an unknown vApp; 400 BUSY_ENTITY while it has a task; 400 BAD_REQUEST when its power
 *   state does not allow the action; 400 OPERATION_LIMITS_EXCEEDED.
 */
export function powerAction(state: SimState, vAppId: string, action: PowerAction): SimTask {
  const vApp = requireVApp(state, vAppId);
  assertIdle(state, vApp);
  const label = `${vApp.name}(${vApp.id})`;
  switch (action) {
    case 'powerOn': {
      if (vApp.status !== STATUS.poweredOff && vApp.status !== STATUS.suspended) {
        throw wrongPowerState(vApp.name, 'powered off');
      }
      const shortfall = computeShortfall(state, vApp);
      return state.startTask({
        operationName: vApp.deployed ? 'vappPowerOn' : 'vappDeploy',
        operation: `Starting Virtual Application ${label}`,
        ...onVApp(vApp),
        durationMs: TASK_DURATIONS_MS.powerOn,
        queued: true,
        error: shortfall,
        // A power-on that will fail holds nothing; one that will succeed holds its VMs' compute from now on.
        reservesComputeFor: shortfall === undefined ? vApp.id : undefined,
        onSuccess: (at) => setStatus(vApp, STATUS.poweredOn, true, at),
      });
    }
    case 'powerOff': {
      if (!isOn(vApp) && !(vApp.status === STATUS.suspended && vApp.deployed)) {
        throw wrongPowerState(vApp.name, 'powered on');
      }
      return state.startTask({
        operationName: 'vappPowerOff',
        operation: `Powering off Virtual Application ${label}`,
        ...onVApp(vApp),
        durationMs: TASK_DURATIONS_MS.powerOff,
        queued: true,
        onSuccess: (at) => setStatus(vApp, STATUS.poweredOff, vApp.deployed, at),
      });
    }
    case 'shutdown':
    case 'suspend':
    case 'reboot':
    case 'reset': {
      if (!isOn(vApp)) {
        throw wrongPowerState(vApp.name, 'powered on');
      }
      const spec = {
        shutdown: { name: 'vappShutdownGuest', text: 'Shutting down', status: STATUS.poweredOff },
        suspend: { name: 'vappSuspend', text: 'Suspending', status: STATUS.suspended },
        reboot: { name: 'vappRebootGuest', text: 'Rebooting', status: STATUS.poweredOn },
        reset: { name: 'vappReset', text: 'Resetting', status: STATUS.poweredOn },
      }[action];
      return state.startTask({
        operationName: spec.name,
        operation: `${spec.text} Virtual Application ${label}`,
        ...onVApp(vApp),
        durationMs: TASK_DURATIONS_MS[action],
        queued: true,
        onSuccess: (at) => setStatus(vApp, spec.status, true, at),
      });
    }
  }
}

/**
 * `POST /api/vApp/{id}/action/deploy` → a task; powers on unless `powerOn` is false.
 *
 * @throws SimError 403 for an unknown vApp; 400 BUSY_ENTITY; 400 BAD_REQUEST when it is already deployed.
 */
export function deployVApp(
  state: SimState,
  vAppId: string,
  options: { powerOn: boolean; deploymentLeaseSeconds?: number },
): SimTask {
  const vApp = requireVApp(state, vAppId);
  assertIdle(state, vApp);
  if (vApp.deployed) {
    throw badRequest(
      `The requested operation could not be executed since vApp "${vApp.name}" is already deployed.`,
    );
  }
  if (vApp.status === STATUS.failedCreation || vApp.status === STATUS.unresolved) {
    throw wrongPowerState(vApp.name, 'powered off');
  }
  const shortfall = options.powerOn ? computeShortfall(state, vApp) : undefined;
  return state.startTask({
    operationName: 'vappDeploy',
    operation: `Starting Virtual Application ${vApp.name}(${vApp.id})`,
    ...onVApp(vApp),
    durationMs: TASK_DURATIONS_MS.deploy,
    queued: true,
    error: shortfall,
    reservesComputeFor: options.powerOn && shortfall === undefined ? vApp.id : undefined,
    onSuccess: (at) => {
      if (options.deploymentLeaseSeconds !== undefined) {
        vApp.deploymentLeaseSeconds = options.deploymentLeaseSeconds;
      }
      setStatus(vApp, options.powerOn ? STATUS.poweredOn : vApp.status, true, at);
    },
  });
}

/**
 * `POST /api/vApp/{id}/action/undeploy` → a task that powers the VMs off (or suspends or shuts them down) and
 * releases the vApp's runtime resources.
 *
 * @throws SimError 403 for an unknown vApp; 400 BUSY_ENTITY; 400 BAD_REQUEST when it is not deployed.
 */
export function undeployVApp(state: SimState, vAppId: string, action: UndeployPowerAction): SimTask {
  const vApp = requireVApp(state, vAppId);
  assertIdle(state, vApp);
  if (!vApp.deployed) {
    throw wrongPowerState(vApp.name, 'deployed');
  }
  const suspend = action === 'suspend';
  const operationName = suspend
    ? 'vappUndeploySuspend'
    : action === 'shutdown'
      ? 'vappUndeployShutdown'
      : 'vappUndeployPowerOff';
  return state.startTask({
    operationName,
    operation: `Stopping Virtual Application ${vApp.name}(${vApp.id})`,
    ...onVApp(vApp),
    durationMs: TASK_DURATIONS_MS.undeploy,
    queued: true,
    onSuccess: (at) =>
      setStatus(
        vApp,
        suspend && vApp.status !== STATUS.poweredOff ? STATUS.suspended : STATUS.poweredOff,
        false,
        at,
      ),
  });
}

/**
 * `DELETE /api/vApp/{id}` → a task; the vApp disappears when it ends and its pool addresses are freed.
 *
 * @throws SimError 403 for an unknown vApp; 400 BUSY_ENTITY; 400 BAD_REQUEST ("Stop the vApp and try again.") while
 *   it is deployed.
 */
export function deleteVApp(state: SimState, vAppId: string): SimTask {
  const vApp = requireVApp(state, vAppId);
  assertIdle(state, vApp);
  if (vApp.deployed) {
    throw stopVAppFirst(vApp.name);
  }
  return state.startTask({
    operationName: 'vdcDeleteVapp',
    operation: `Deleting Virtual Application ${vApp.name}(${vApp.id})`,
    ...onVApp(vApp),
    durationMs: TASK_DURATIONS_MS.delete,
    queued: true,
    onSuccess: () => state.removeVApp(vApp.id),
  });
}
