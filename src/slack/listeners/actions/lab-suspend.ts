import { createLabActionListener, type LabActionArgs, type LabActionDeps } from './lab-action';

/** The `lab_suspend` action id. */
export const LAB_SUSPEND_ACTION = 'lab_suspend';

/**
 * Suspend: stops CPU and RAM billing, storage goes on (owner or admin).
 * Never rejects.
 */
export function createLabSuspendListener(deps: LabActionDeps): (args: LabActionArgs) => Promise<void> {
  return createLabActionListener(LAB_SUSPEND_ACTION, deps);
}
