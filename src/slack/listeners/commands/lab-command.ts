import { randomBytes } from 'node:crypto';
import { type AllMiddlewareArgs, type RespondArguments, type SlackCommandMiddlewareArgs } from '@slack/bolt';
import { type CommandRunner } from '../../../commands/command-context';
import { type Reply } from '../../../commands/reply';
import { type Logger, type Sleep } from '../../../labs/ports';
import { renderReplyBlocks } from '../../render/render-reply';

/**
 * How long the listener waits for the command before acking with "Working on it…". Slack shows
 * `operation_timeout` if the ack is not received within 3000 ms of the request being *sent*; 2500 ms leaves room
 * for the network and for rendering.
 */
export const ACK_BUDGET_MS = 2500;

/** Shown at once when the command takes longer than the ack budget; the real reply follows via response_url. */
export const WORKING_TEXT = 'Working on it…';

export interface LabCommandDeps {
  commands: CommandRunner;
  logger: Logger;
  /** Waits for the ack budget; injected so tests decide when "2.5 s" have passed. */
  sleep: Sleep;
  /** Defaults to {@link ACK_BUDGET_MS}. */
  ackBudgetMs?: number;
  /** Reference shown to the user for failures, logged with the cause. Defaults to 6 random hex digits. */
  newRef?: () => string;
}

type LabCommandArgs = SlackCommandMiddlewareArgs & Pick<AllMiddlewareArgs, 'logger'>;

type Outcome = { kind: 'reply'; reply: Reply } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/** The Reply as a slash-command response body (ack or response_url). */
export function toCommandResponse(reply: Reply): RespondArguments {
  const { text, blocks } = renderReplyBlocks(reply);
  return { response_type: reply.visibility === 'channel' ? 'in_channel' : 'ephemeral', text, blocks };
}

function genericError(ref: string): RespondArguments {
  return {
    response_type: 'ephemeral',
    // Written as plain mrkdwn: the ref is ours (hex), nothing user-typed is interpolated.
    text: `:warning: Something went wrong (ref ${ref}). Please try again, or tell an admin the ref.`,
  };
}

function defaultRef(): string {
  return randomBytes(3).toString('hex');
}

/**
 * Builds the `/lab` listener. It runs the command text through the CommandRunner and races it against the ack
 * budget: a fast reply becomes the ack itself (one message, no response_url use); a slow one gets an ephemeral
 * "Working on it…" ack and its reply later through `respond()`. Replies are ephemeral or in_channel per
 * Reply.visibility.
 * The returned listener never rejects: a runner that throws (it should not) or a failed ack/respond is logged with
 * a ref, and the user gets an ephemeral "something went wrong (ref …)" where that is still possible.
 */
export function createLabCommandListener(deps: LabCommandDeps): (args: LabCommandArgs) => Promise<void> {
  const budget = deps.ackBudgetMs ?? ACK_BUDGET_MS;
  const newRef = deps.newRef ?? defaultRef;

  return async ({ command, ack, respond }) => {
    const log = deps.logger.child({ user: command.user_id, channel: command.channel_id });
    let acked = false;
    const ackOnce = async (body: RespondArguments): Promise<void> => {
      acked = true;
      await ack(body);
    };

    try {
      const run: Promise<Outcome> = deps.commands
        .run(command.text, { user: command.user_id, channel: command.channel_id })
        .then(
          (reply): Outcome => ({ kind: 'reply', reply }),
          (error: unknown): Outcome => ({ kind: 'error', error }),
        );
      const first = await Promise.race([run, deps.sleep(budget).then((): Outcome => ({ kind: 'timeout' }))]);

      if (first.kind === 'reply') {
        await ackOnce(toCommandResponse(first.reply));
        return;
      }
      if (first.kind === 'error') {
        const ref = newRef();
        log.error({ ref, err: first.error }, 'Command runner threw instead of replying');
        await ackOnce(genericError(ref));
        return;
      }

      await ackOnce({ response_type: 'ephemeral', text: WORKING_TEXT });
      log.info({ budgetMs: budget }, 'Command slower than the ack budget; reply follows via response_url');
      const late = await run;
      if (late.kind === 'reply') {
        await respond(toCommandResponse(late.reply));
        return;
      }
      if (late.kind === 'error') {
        const ref = newRef();
        log.error({ ref, err: late.error }, 'Command runner threw instead of replying');
        await respond(genericError(ref));
      }
    } catch (error) {
      // ack or respond failed (a second ack, an expired response_url, Slack unreachable): tell the user if the
      // ack is still ours to send, and log in every case; never let the error escape into Bolt.
      const ref = newRef();
      log.error({ ref, err: error, acked }, 'Slash command delivery failed');
      if (!acked) {
        try {
          await ack(genericError(ref));
        } catch (ackError) {
          log.error({ ref, err: ackError }, 'Could not ack slash command');
        }
      }
    }
  };
}
