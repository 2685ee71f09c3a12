import { createLabActionListener, type LabActionArgs, type LabActionDeps } from './lab-action';

/** The `lab_extend` action id. */
export const LAB_EXTEND_ACTION = 'lab_extend';

/**
 * Extend: pushes the lab's expiry out by its kind's extension (owner or admin; capped per kind).
 * Never rejects.
 */
export function createLabExtendListener(deps: LabActionDeps): (args: LabActionArgs) => Promise<void> {
  return createLabActionListener(LAB_EXTEND_ACTION, deps);
}
