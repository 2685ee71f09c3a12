import { createLabActionListener, type LabActionArgs, type LabActionDeps } from './lab-action';

/** The `reap_keep_tomorrow` action id (a button of the reaper's warning DM). */
export const REAP_KEEP_TOMORROW_ACTION = 'reap_keep_tomorrow';

/**
 * Keep until tomorrow 9:00: the reaper leaves the lab alone until then (counts as an extension).
 * Never rejects.
 */
export function createReapKeepTomorrowListener(deps: LabActionDeps): (args: LabActionArgs) => Promise<void> {
  return createLabActionListener(REAP_KEEP_TOMORROW_ACTION, deps);
}
