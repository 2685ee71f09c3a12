/**
 * Buttons on lab messages and the App Home act through the same commands people type: a button is the command
 * `/lab <verb> <lab id>` run as the person who pressed it, so permissions, audit and replies are one code path.
 */
import { type Verb } from './lab-command';

/** Action ids of the lab buttons (Block Kit `action_id`), and the command each one runs. */
export const LAB_ACTIONS = {
  lab_extend: 'extend',
  lab_suspend: 'suspend',
  lab_resume: 'resume',
  lab_teardown: 'teardown',
} as const satisfies Record<string, Verb>;

export type LabActionId = keyof typeof LAB_ACTIONS;

/** Every lab button's action id, for transports that register one handler per id. */
export const LAB_ACTION_IDS = Object.keys(LAB_ACTIONS) as LabActionId[];

/**
 * The command text a lab button runs, e.g. `teardown demo-4kq` for `lab_teardown` with value `demo-4kq`.
 * The value comes from the chat client, so it is not trusted: the command parser validates it as a lab id like
 * any typed one. Pure; never throws.
 */
export function labActionCommand(actionId: LabActionId, labId: string): string {
  // Whitespace would let a forged value smuggle in extra arguments; the parser then rejects the odd id.
  return `${LAB_ACTIONS[actionId]} ${labId.replace(/\s+/g, '_')}`;
}
