import {
  type AllMiddlewareArgs,
  type RespondArguments,
  type SlackCommandMiddlewareArgs,
  type SlashCommand,
} from '@slack/bolt';
import { type CommandRunner } from '../../../commands/command-context';
import { type Reply, type ReplyFile } from '../../../commands/reply';
import { failureMessage, failureRef } from '../../../commands/report-error';
import { type Logger, type Sleep } from '../../../labs/ports';
import { renderReplyBlocks } from '../../render/render-reply';
import { countCommand, NO_METRICS, replyOutcome, tracked, type SlackMetrics } from '../../slack-metrics';
import { slackErrorCode, type SlackWebClient } from '../../slack-web-client';
import { groupsWithin, type UserGroupResolver } from '../../user-groups';
import { deployModal } from '../../views/deploy-modal';
import { type DeployFormPort } from '../../views/deploy-form-port';

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
  /** Reference shown to the user for failures, logged with the cause. Defaults to report-error's failureRef. */
  newRef?: () => string;
  /** Resolves the caller's user groups for the deploy allow list; without it commands run with none. */
  userGroups?: UserGroupResolver;
  /**
   * The caller's IANA time zone (users.info `tz`), for commands that read or show a time of day (`at 14:00`, the list's
   * ready-by times); without it, or when it fails, labbot's default zone is used.
   */
  timeZoneOf?: (user: string) => Promise<string | undefined>;
  /** `/lab` with no text opens the deploy form when this is given (and shows help when it is not). */
  deployForm?: { port: DeployFormPort; client: Pick<SlackWebClient, 'views'> };
  metrics?: SlackMetrics;
  /** Monotonic milliseconds, for the ack latency metric. Defaults to performance.now. */
  now?: () => number;
  /** Delivers a reply's file (the admin CSV export) to the caller; without it such replies say it is unavailable. */
  uploadFile?: (user: string, file: ReplyFile) => Promise<void>;
}

/** Commands whose reply depends on the caller's time zone: a ready time typed, the list showing them, cost periods. */
const TIME_WORDS = /\b(at|by|list|ls|cancel|cost)\b/i;

/** How long the form waits for a cold user-group lookup before opening anyway (the submission checks again). */
const FORM_GROUPS_WAIT_MS = 1000;

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
    // Written as plain mrkdwn: the ref is ours (base 36), nothing user-typed is interpolated.
    text: `:warning: ${failureMessage(ref)}`,
  };
}

/**
 * Builds the `/lab` listener. It runs the command text through the CommandRunner and races it against the ack
 * budget: a fast reply becomes the ack itself (one message, no response_url use); a slow one gets an ephemeral
 * "Working on it…" ack and its reply later through `respond()`. Replies are ephemeral or in_channel per
 * Reply.visibility. The caller's deploy allow list groups are looked up inside the race, so a cold lookup can
 * delay the reply but never the ack. With `deployForm`, `/lab` alone opens the deploy form instead of help.
 * The returned listener never rejects: a runner that throws (it should not) or a failed ack/respond is logged with
 * a ref, and the user gets an ephemeral "something went wrong (ref …)" where that is still possible.
 */
export function createLabCommandListener(deps: LabCommandDeps): (args: LabCommandArgs) => Promise<void> {
  const budget = deps.ackBudgetMs ?? ACK_BUDGET_MS;
  const newRef = deps.newRef ?? (() => failureRef(Math.random));
  const metrics = deps.metrics ?? NO_METRICS;
  const now = deps.now ?? (() => performance.now());

  return async ({ command, ack, respond }) => {
    // Built only when something is logged: most commands log nothing, and a child logger per ack is CPU spent on
    // every one of them (issue 17 target 4).
    const log = (): Logger => deps.logger.child({ user: command.user_id, channel: command.channel_id });
    const started = now();
    let acked = false;
    const ackOnce = async (body?: RespondArguments): Promise<void> => {
      acked = true;
      await ack(body);
      metrics.acked('command', (now() - started) / 1000);
    };

    // Slack always sends `text` (empty for `/lab` alone), but Bolt does not check: a body without it is `/lab` alone,
    // not a failure (found by test/fuzz).
    const text = typeof (command.text as string | undefined) === 'string' ? command.text : '';
    try {
      if (deps.deployForm && text.trim() === '') {
        await openDeployForm(deps.deployForm, command, ackOnce, respond);
        return;
      }
      const groups = deps.userGroups;
      const context = { user: command.user_id, channel: command.channel_id };
      // Only commands that read or show a time of day need the caller's zone (the trust check's cached users.info).
      const timeZone =
        deps.timeZoneOf && TIME_WORDS.test(text)
          ? deps.timeZoneOf(command.user_id).catch(() => undefined)
          : Promise.resolve(undefined);
      // The group lookup is inside the race: a cold cache waiting on Slack delays the reply, never the ack.
      const run: Promise<Outcome> = Promise.all([
        groups ? groups.groupsOf(command.user_id) : Promise.resolve(undefined),
        timeZone,
      ])
        .then(([userGroups, zone]) =>
          deps.commands.run(text, {
            ...context,
            ...(userGroups ? { userGroups } : {}),
            ...(zone !== undefined ? { timeZone: zone } : {}),
          }),
        )
        .then(
          (reply): Outcome => {
            countCommand(metrics, text, reply);
            return { kind: 'reply', reply };
          },
          (error: unknown): Outcome => ({ kind: 'error', error }),
        );
      const first = await Promise.race([run, deps.sleep(budget).then((): Outcome => ({ kind: 'timeout' }))]);

      if (first.kind === 'reply') {
        await ackOnce(toCommandResponse(first.reply));
        await deliverFile(first.reply, command.user_id, respond);
        return;
      }
      if (first.kind === 'error') {
        const ref = newRef();
        log().error({ ref, err: first.error }, 'Command runner threw instead of replying');
        await ackOnce(genericError(ref));
        return;
      }

      await ackOnce({ response_type: 'ephemeral', text: WORKING_TEXT });
      log().info({ budgetMs: budget }, 'Command slower than the ack budget; reply follows via response_url');
      const late = await run;
      if (late.kind === 'reply') {
        await tracked(metrics, 'response_url', () => respond(toCommandResponse(late.reply)));
        await deliverFile(late.reply, command.user_id, respond);
        return;
      }
      if (late.kind === 'error') {
        const ref = newRef();
        log().error({ ref, err: late.error }, 'Command runner threw instead of replying');
        await tracked(metrics, 'response_url', () => respond(genericError(ref)));
      }
    } catch (error) {
      // ack or respond failed (a second ack, an expired response_url, Slack unreachable): tell the user if the
      // ack is still ours to send, and log in every case; never let the error escape into Bolt.
      const ref = newRef();
      log().error({ ref, err: error, acked }, 'Slash command delivery failed');
      if (!acked) {
        try {
          await ack(genericError(ref));
        } catch (ackError) {
          log().error({ ref, err: ackError }, 'Could not ack slash command');
        }
      }
    }
  };

  /**
   * After the reply: its file, into the caller's DM. A failed upload is told to the caller with Slack's reason (a
   * missing `files:write` scope is the likely one after an upgrade), never silently dropped.
   */
  async function deliverFile(reply: Reply, user: string, respond: LabCommandArgs['respond']): Promise<void> {
    if (reply.file === undefined) {
      return;
    }
    let problem: string | undefined;
    if (deps.uploadFile === undefined) {
      problem = 'file uploads are not set up here';
    } else {
      try {
        await deps.uploadFile(user, reply.file);
      } catch (error) {
        const code = slackErrorCode(error);
        deps.logger.warn({ user, file: reply.file.name, code, err: error }, 'Could not upload a reply file');
        problem = `Slack said ${code ?? 'it could not take the file'}`;
      }
    }
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      // Ours alone: a fixed sentence, the file name we built and Slack's error code (word characters).
      text:
        problem === undefined
          ? `:page_facing_up: ${reply.file.name} is in your DM with labbot.`
          : `:warning: Could not send ${reply.file.name} (${problem.replace(/[<>&]/g, '')}). Ask an admin to check labbot's files:write and im:write scopes.`,
    });
  }

  /**
   * `/lab` alone: the deploy form. Someone who may not deploy here gets the reason as the ack instead; everyone
   * else gets an empty ack (nothing posted) and the modal, opened with the command's single-use trigger.
   */
  async function openDeployForm(
    form: NonNullable<LabCommandDeps['deployForm']>,
    command: SlashCommand,
    ackOnce: (body?: RespondArguments) => Promise<void>,
    respond: LabCommandArgs['respond'],
  ): Promise<void> {
    const userGroups = deps.userGroups
      ? await groupsWithin(deps.userGroups, command.user_id, deps.sleep, FORM_GROUPS_WAIT_MS)
      : [];
    // A lookup that did not answer in time leaves the decision to the submission, which checks again.
    const refusal =
      userGroups === undefined
        ? undefined
        : form.port.refusal({ user: command.user_id, channel: command.channel_id, userGroups });
    if (refusal !== undefined) {
      const reply: Reply = { visibility: 'ephemeral', tone: 'error', title: refusal, sections: [] };
      metrics.commandHandled('form', replyOutcome(reply));
      await ackOnce(toCommandResponse(reply));
      return;
    }
    await ackOnce();
    metrics.commandHandled('form', 'ok');
    try {
      const choices = await form.port.choices(command.user_id);
      await tracked(metrics, 'views.open', () =>
        form.client.views.open({
          trigger_id: command.trigger_id,
          view: deployModal(choices, { from: 'command', channel: command.channel_id }),
        }),
      );
    } catch (error) {
      const code = slackErrorCode(error);
      deps.logger.warn({ user: command.user_id, code, err: error }, 'Could not open the deploy form');
      await tracked(metrics, 'response_url', () =>
        respond({
          response_type: 'ephemeral',
          text: `:warning: Slack did not open the deploy form${code !== undefined ? ` (${code})` : ''}. Type \`/lab demo\` or \`/lab repro TICKET\` instead; \`/lab help\` lists every command.`,
        }),
      );
    }
  }
}
