import { type App } from '@slack/bolt';
import { createLabCommandListener, type LabCommandDeps } from './commands/lab-command';

/** What the listeners need from the rest of the bot. Grows as listeners are added (actions, App Home, views). */
export type ListenerDeps = LabCommandDeps;

/** The slash command labbot answers; must match manifest.yml. */
export const LAB_COMMAND = '/lab';

/**
 * Registers every listener on the Bolt app, one per file under listeners/. Never throws.
 */
export function registerListeners(app: App, deps: ListenerDeps): void {
  app.command(LAB_COMMAND, createLabCommandListener(deps));
}
