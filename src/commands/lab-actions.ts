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

/** The reaper's warning buttons (reaper/reaper-replies.ts), and the `keep` command each runs. */
export const REAPER_ACTIONS = {
  reap_keep_2h: 'keep {lab} 2h',
  reap_keep_tomorrow: 'keep {lab} tomorrow',
  reap_in_use: 'keep {lab} 2h in-use',
} as const;

export type LabActionId = keyof typeof LAB_ACTIONS | keyof typeof REAPER_ACTIONS;

/** Every lab button's action id, for transports that register one handler per id. */
export const LAB_ACTION_IDS = [...Object.keys(LAB_ACTIONS), ...Object.keys(REAPER_ACTIONS)] as LabActionId[];

/**
 * The command text a lab button runs, e.g. `teardown demo-4kq` for `lab_teardown` with value `demo-4kq`.
 * The value comes from the chat client, so it is not trusted: the command parser validates it as a lab id like
 * any typed one. Pure; never throws.
 */
export function labActionCommand(actionId: LabActionId, labId: string): string {
  // Whitespace would let a forged value smuggle in extra arguments; the parser then rejects the odd id.
  const safeId = labId.replace(/\s+/g, '_');
  if (actionId in REAPER_ACTIONS) {
    return REAPER_ACTIONS[actionId as keyof typeof REAPER_ACTIONS].replace('{lab}', safeId);
  }
  return `${LAB_ACTIONS[actionId as keyof typeof LAB_ACTIONS]} ${safeId}`;
}
