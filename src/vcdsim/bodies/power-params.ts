/** Readers for the power-related bodies: `UndeployVAppParams` and `DeployVAppParams`. */
import { badRequest } from '../sim-error';
import { checkSequence, opt } from './body-schema';
import { bool, int, readBody, text } from './xml-read';

export type UndeployPowerAction = 'powerOff' | 'shutdown' | 'force' | 'default' | 'suspend';

const UNDEPLOY_ACTIONS: readonly UndeployPowerAction[] = [
  'powerOff',
  'shutdown',
  'force',
  'default',
  'suspend',
];

/**
 * Reads `UndeployVAppParams`; a missing `UndeployPowerAction` means powerOff (XSD doc).
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body or an unknown power action.
 */
export function parseUndeployParams(body: string): UndeployPowerAction {
  const root = readBody(body, 'UndeployVAppParams');
  checkSequence(root, [opt('UndeployPowerAction')]);
  const action = text(root, 'UndeployPowerAction') ?? 'powerOff';
  if (!(UNDEPLOY_ACTIONS as readonly string[]).includes(action)) {
    throw badRequest(`Invalid undeploy power action "${action}". Use one of ${UNDEPLOY_ACTIONS.join(', ')}.`);
  }
  return action as UndeployPowerAction;
}

/**
 * Reads `DeployVAppParams` (attributes only; `powerOn` defaults to true).
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body.
 */
export function parseDeployParams(body: string): { powerOn: boolean; deploymentLeaseSeconds?: number } {
  const root = readBody(body, 'DeployVAppParams');
  checkSequence(root, []);
  return {
    powerOn: bool(root.attributes['powerOn'], true),
    deploymentLeaseSeconds: int(root.attributes['deploymentLeaseSeconds']),
  };
}
