/**
 * Buttons on lab messages and the App Home act through the same commands people type: a button is the command
 * `/lab <verb> <lab id> [args]` run as the person who pressed it, so permissions, audit and replies are one code path.
 * Which command each action id runs is its entry's `actions` in the command registry.
 */
import { LAB_BUTTONS } from './command-registry';
import { type LabActionId } from './lab-action-ids';

export { type LabActionId } from './lab-action-ids';

const BY_ID: ReadonlyMap<string, (typeof LAB_BUTTONS)[number]> = new Map(
  LAB_BUTTONS.map((b) => [b.actionId, b]),
);

/** Every lab button's action id, for transports that register one handler per id. */
export const LAB_ACTION_IDS: readonly LabActionId[] = LAB_BUTTONS.map((b) => b.actionId);

/**
 * The command text a lab button runs, e.g. `teardown demo-4kq` for `lab_teardown` with value `demo-4kq`.
 * The value comes from the chat client, so it is not trusted: the command parser validates it as a lab id like
 * any typed one. Pure; never throws (an id the registry lacks runs `help`, which the registry test rules out).
 */
export function labActionCommand(actionId: LabActionId, labId: string): string {
  const button = BY_ID.get(actionId);
  if (button === undefined) {
    return 'help';
  }
  // Whitespace would let a forged value smuggle in extra arguments; the parser then rejects the odd id.
  const safeId = labId.replace(/\s+/g, '_');
  return button.args === '' ? `${button.verb} ${safeId}` : `${button.verb} ${safeId} ${button.args}`;
}

/** True when the button's command depends on the presser's time zone (only then is it worth looking up). */
export function actionUsesTimeZone(actionId: LabActionId): boolean {
  return BY_ID.get(actionId)?.usesTimeZone === true;
}
