/**
 * What every lab button does (listeners/index.ts registers it for each action id of the command registry): ack at
 * once, run the button's command as the person who pressed it (so the owner/admin check and the audit log apply
 * exactly as for the typed command), then show the outcome where they pressed.
 */
import { type BlockAction, type ButtonAction, type RespondArguments, type RespondFn } from '@slack/bolt';
import { type CommandRunner } from '../../../commands/command-context';
import { actionUsesTimeZone, labActionCommand, type LabActionId } from '../../../commands/lab-actions';
import { type Reply } from '../../../commands/reply';
import { type Logger } from '../../../labs/ports';
import { renderReplyBlocks } from '../../render/render-reply';
import { countCommand, NO_METRICS, tracked, type SlackMetrics } from '../../slack-metrics';
import { type HomePublisher } from '../../views/home-publisher';

export interface LabActionDeps {
  commands: CommandRunner;
  logger: Logger;
  /** Re-renders the lab's own message (channel or DM) from the store, at once. Never rejects. */
  refreshLab: (labId: string) => Promise<void>;
  home: HomePublisher;
  metrics?: SlackMetrics;
  /** Monotonic milliseconds, for the ack latency metric. Defaults to performance.now. */
  now?: () => number;
  /** The presser's offset from UTC in minutes, for "keep until tomorrow 9:00" in their time; undefined if unknown. */
  utcOffsetMinutes?: (user: string) => Promise<number | undefined>;
}

/** The parts of Bolt's action arguments the listener uses. */
export interface LabActionArgs {
  ack: () => Promise<void>;
  body: BlockAction<ButtonAction>;
  action: Pick<ButtonAction, 'action_id' | 'value'>;
  respond: RespondFn;
}

function ephemeral(reply: Reply, replaceOriginal: boolean): RespondArguments {
  return { response_type: 'ephemeral', replace_original: replaceOriginal, ...renderReplyBlocks(reply) };
}

/**
 * Builds the listener for one lab button. Where the outcome shows:
 * - refused (not the owner, already ended, no extension left): the reason, to the presser only: an ephemeral
 *   message next to the button, or a notice on top of their Home tab;
 * - done: the lab's message is re-rendered for everyone, the presser's Home tab is republished when pressed
 *   there, and an ephemeral answer carrying the button is replaced with the new state.
 * The listener never rejects; failures are logged.
 */
export function createLabActionListener(
  actionId: LabActionId,
  deps: LabActionDeps,
): (args: LabActionArgs) => Promise<void> {
  const metrics = deps.metrics ?? NO_METRICS;
  const now = deps.now ?? (() => performance.now());
  return async ({ ack, body, action, respond }) => {
    const started = now();
    const user = body.user.id;
    const labId = action.value ?? '';
    const log = deps.logger.child({ user, actionId, labId });
    try {
      await ack();
      metrics.acked('action', (now() - started) / 1000);
      const channel = body.channel?.id;
      const text = labActionCommand(actionId, labId);
      // Only "keep until tomorrow" needs the presser's time zone; don't spend a Web API call on other buttons.
      const offset = actionUsesTimeZone(actionId)
        ? await deps.utcOffsetMinutes?.(user).catch(() => undefined)
        : undefined;
      const reply = await deps.commands.run(text, {
        user,
        ...(channel !== undefined ? { channel } : {}),
        ...(offset !== undefined ? { utcOffsetMinutes: offset } : {}),
      });
      countCommand(metrics, text, reply);
      // Slack always sends `container`, but Bolt does not check it: a payload without one must still get its answer
      // (found by test/fuzz: the command ran, then reading `container.type` threw and the presser heard nothing).
      const container = body.container as Partial<Record<string, unknown>> | undefined;
      const inHome = body.view?.type === 'home' || container?.type === 'view';
      // Bolt passes `respond` only when the payload has a response_url (Slack always sends one for a message, but
      // Bolt does not check); without it the Home tab is where the presser can still be told (found by test/fuzz).
      const canRespond = typeof (respond as RespondFn | undefined) === 'function';
      if (reply.tone === 'error') {
        log.info({ reason: reply.title }, 'Lab button refused');
        if (inHome || !canRespond) {
          await deps.home.publish(user, reply);
        } else {
          await tracked(metrics, 'response_url', () => respond(ephemeral(reply, false)));
        }
        return;
      }
      await deps.refreshLab(labId);
      if (inHome) {
        await deps.home.publish(user);
      } else if (container?.is_ephemeral === true && canRespond) {
        await tracked(metrics, 'response_url', () => respond(ephemeral(reply, true)));
      }
    } catch (error) {
      log.error({ err: error }, 'Lab button failed');
    }
  };
}
