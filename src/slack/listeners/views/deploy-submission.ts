import { type ViewErrorsResponseAction } from '@slack/bolt';
import { type CommandRunner } from '../../../commands/command-context';
import { commandVerb } from '../../../commands/command-verb';
import { type Reply } from '../../../commands/reply';
import { failureRef, failureReply } from '../../../commands/report-error';
import { type Logger, type Sleep } from '../../../labs/ports';
import { renderReplyBlocks } from '../../render/render-reply';
import { SLACK_USER_ID } from '../../render/escape-mrkdwn';
import { NO_METRICS, replyOutcome, tracked, type SlackMetrics } from '../../slack-metrics';
import { slackErrorCode, type SlackWebClient } from '../../slack-web-client';
import { type UserGroupResolver } from '../../user-groups';
import {
  blockErrors,
  readDeployForm,
  readModalOrigin,
  type DeployModalOrigin,
  type ViewStateValues,
} from '../../views/deploy-modal';
import { type DeployFormPort } from '../../views/deploy-form-port';
import { type HomePublisher } from '../../views/home-publisher';
import { ACK_BUDGET_MS } from '../commands/lab-slash-command';

export { DEPLOY_MODAL_CALLBACK } from '../../views/deploy-modal';

export interface DeploySubmissionDeps {
  commands: CommandRunner;
  form: DeployFormPort;
  client: Pick<SlackWebClient, 'chat'>;
  home: HomePublisher;
  logger: Logger;
  sleep: Sleep;
  ackBudgetMs?: number;
  userGroups?: UserGroupResolver;
  metrics?: SlackMetrics;
  now?: () => number;
  /** Reference shown to the user for failures, logged with the cause. Defaults to report-error's failureRef. */
  newRef?: () => string;
}

/** The parts of Bolt's view_submission arguments the listener uses. */
export interface DeploySubmissionArgs {
  ack: (response?: ViewErrorsResponseAction) => Promise<void>;
  body: { user: { id: string } };
  view: { private_metadata?: string; state?: { values: ViewStateValues } };
}

type Outcome = { kind: 'reply'; reply: Reply } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/** Errors not tied to one field (quota, permission) show under the first field, where the eye starts. */
const GENERAL_ERROR_BLOCK = 'kind';

/** The failure reply of the deploy form: the command's, saying nothing was deployed. */
function failure(ref: string): Reply {
  return failureReply(ref, 'Nothing was deployed');
}

/**
 * The deploy form's submission. Field problems the form can see (kind, template, ticket, duration) come back in
 * the modal at once (`response_action: errors`) and nothing runs. Otherwise the submission runs the same
 * `/lab demo|repro …` command as typing it, raced against the ack budget like the slash command: a refusal
 * within the budget (quota, permission) is shown in the modal too; success closes the modal and the answer
 * (estimate, lab id) goes to the person ephemerally in the conversation the form came from (their DM if the bot
 * cannot post there) or, from Home, onto their Home tab; the lab's message itself follows as for the command.
 * Never rejects.
 */
export function createDeploySubmissionListener(
  deps: DeploySubmissionDeps,
): (args: DeploySubmissionArgs) => Promise<void> {
  const metrics = deps.metrics ?? NO_METRICS;
  const now = deps.now ?? (() => performance.now());
  const newRef = deps.newRef ?? (() => failureRef(Math.random));
  const budget = deps.ackBudgetMs ?? ACK_BUDGET_MS;

  return async ({ ack, body, view }) => {
    const started = now();
    const user = body.user.id;
    const log = deps.logger.child({ user });
    let acked = false;
    const ackOnce = async (response?: ViewErrorsResponseAction): Promise<void> => {
      acked = true;
      await ack(response);
      metrics.acked('view', (now() - started) / 1000);
    };

    try {
      const form = readDeployForm(view.state?.values);
      const origin = readModalOrigin(view.private_metadata);
      const mapped = await deps.form.command(form, user);
      if ('errors' in mapped) {
        metrics.commandHandled(form.kind === 'repro' ? 'repro' : 'demo', 'refused');
        await ackOnce({ response_action: 'errors', errors: blockErrors(mapped.errors) });
        return;
      }
      // From Home the lab lives in the person's DM, which Home's own allow list check names by the user id (main.ts).
      // A command's modal whose metadata lost its channel names none, and the allow list then refuses: fail closed.
      const channel = origin.channel ?? (origin.from === 'home' ? user : undefined);
      const context = { user, ...(channel !== undefined ? { channel } : {}) };
      const groups = deps.userGroups;
      const run: Promise<Outcome> = (groups ? groups.groupsOf(user) : Promise.resolve(undefined))
        .then((userGroups) =>
          deps.commands.run(mapped.text, userGroups ? { ...context, userGroups } : context),
        )
        .then(
          (reply): Outcome => {
            metrics.commandHandled(commandVerb(mapped.text), replyOutcome(reply));
            return { kind: 'reply', reply };
          },
          (error: unknown): Outcome => ({ kind: 'error', error }),
        );
      const first = await Promise.race([run, deps.sleep(budget).then((): Outcome => ({ kind: 'timeout' }))]);

      if (first.kind === 'reply' && first.reply.tone === 'error') {
        await ackOnce({ response_action: 'errors', errors: { [GENERAL_ERROR_BLOCK]: first.reply.title } });
        return;
      }
      // Closing the modal now: the outcome (success, or a late one) is delivered next to where the form came from.
      await ackOnce();
      const outcome = first.kind === 'timeout' ? await run : first;
      if (outcome.kind === 'timeout') {
        return;
      }
      let reply: Reply;
      if (outcome.kind === 'error') {
        const ref = newRef();
        log.error({ ref, err: outcome.error }, 'Command runner threw instead of replying');
        reply = failure(ref);
      } else {
        reply = outcome.reply;
      }
      await deliver(origin, user, reply);
    } catch (error) {
      const ref = newRef();
      log.error({ ref, err: error, acked }, 'Deploy form submission failed');
      if (!acked) {
        try {
          await ack({ response_action: 'errors', errors: { [GENERAL_ERROR_BLOCK]: failure(ref).title } });
        } catch (ackError) {
          log.error({ ref, err: ackError }, 'Could not ack the deploy form');
        }
      }
    }
  };

  /** The answer to a submitted form: onto Home, or ephemeral in the conversation (a DM when that fails). */
  async function deliver(origin: DeployModalOrigin, user: string, reply: Reply): Promise<void> {
    if (origin.from === 'home') {
      await deps.home.publish(user, reply.tone === 'error' ? reply : undefined);
      return;
    }
    const message = renderReplyBlocks(reply);
    const channel = origin.channel;
    if (channel !== undefined && !SLACK_USER_ID.test(channel)) {
      try {
        await tracked(metrics, 'chat.postEphemeral', () =>
          deps.client.chat.postEphemeral({ channel, user, ...message }),
        );
        return;
      } catch (error) {
        deps.logger.info(
          { user, channel, code: slackErrorCode(error) },
          'Could not answer the deploy form in its channel; sending a DM',
        );
      }
    }
    try {
      await tracked(metrics, 'chat.postMessage', () =>
        deps.client.chat.postMessage({ channel: user, ...message, unfurl_links: false }),
      );
    } catch (error) {
      deps.logger.error(
        { user, code: slackErrorCode(error), err: error },
        'Could not answer the deploy form',
      );
    }
  }
}
