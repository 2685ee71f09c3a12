import { createLabActionListener, type LabActionArgs, type LabActionDeps } from './lab-action';

/** The `lab_teardown` action id. */
export const LAB_TEARDOWN_ACTION = 'lab_teardown';

/**
 * Tear down: deletes the lab (owner or admin). The button carries a confirm dialog (lab-reply.ts), so a press
 * arrives here only after the person confirmed.
 * Never rejects.
 */
export function createLabTeardownListener(deps: LabActionDeps): (args: LabActionArgs) => Promise<void> {
  return createLabActionListener(LAB_TEARDOWN_ACTION, deps);
}
