import { createLabActionListener, type LabActionArgs, type LabActionDeps } from './lab-action';

/** The `lab_resume` action id. */
export const LAB_RESUME_ACTION = 'lab_resume';

/**
 * Resume: powers a suspended lab back on (owner or admin).
 * Never rejects.
 */
export function createLabResumeListener(deps: LabActionDeps): (args: LabActionArgs) => Promise<void> {
  return createLabActionListener(LAB_RESUME_ACTION, deps);
}
