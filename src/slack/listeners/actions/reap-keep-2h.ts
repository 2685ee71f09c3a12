import { createLabActionListener, type LabActionArgs, type LabActionDeps } from './lab-action';

/** The `reap_keep_2h` action id (a button of the reaper's warning DM). */
export const REAP_KEEP_2H_ACTION = 'reap_keep_2h';

/**
 * Keep 2h: the reaper leaves the lab alone for two hours (counts as an extension).
 * Never rejects.
 */
export function createReapKeep2hListener(deps: LabActionDeps): (args: LabActionArgs) => Promise<void> {
  return createLabActionListener(REAP_KEEP_2H_ACTION, deps);
}
