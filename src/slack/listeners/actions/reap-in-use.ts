import { createLabActionListener, type LabActionArgs, type LabActionDeps } from './lab-action';

/** The `reap_in_use` action id (a button of the reaper's warning DM). */
export const REAP_IN_USE_ACTION = 'reap_in_use';

/**
 * I'm using it: keeps the lab two hours and records the warning as a false positive.
 * Never rejects.
 */
export function createReapInUseListener(deps: LabActionDeps): (args: LabActionArgs) => Promise<void> {
  return createLabActionListener(REAP_IN_USE_ACTION, deps);
}
