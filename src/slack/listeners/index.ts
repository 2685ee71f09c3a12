import {
  type AllMiddlewareArgs,
  type App,
  type BlockAction,
  type ButtonAction,
  type SlackActionMiddlewareArgs,
  type ViewSubmitAction,
} from '@slack/bolt';
import { type CommandRunner } from '../../commands/command-context';
import { LAB_ACTION_IDS } from '../../commands/lab-actions';
import { type ReplyFile } from '../../commands/reply';
import { type Logger, type Sleep } from '../../labs/ports';
import { uploadReplyFile } from '../reply-file-upload';
import { type SlackMetrics } from '../slack-metrics';
import { type SlackWebClient } from '../slack-web-client';
import { type UserGroupResolver } from '../user-groups';
import { type DeployFormPort } from '../views/deploy-form-port';
import { type HomePublisher } from '../views/home-publisher';
import { createLabActionListener } from './actions/lab-action';
import { createLabNewListener, DEPLOY_FORM_ACTION } from './actions/lab-new';
import { createLabCommandListener } from './commands/lab-slash-command';
import { createAppHomeOpenedListener } from './events/app-home-opened';
import { createDeploySubmissionListener, DEPLOY_MODAL_CALLBACK } from './views/deploy-submission';

/** What the listeners need from the rest of the bot. */
export interface ListenerDeps {
  commands: CommandRunner;
  /** A person's time zone; default a `users.info` call (the app passes the trust check's cached answer). */
  timeZoneOf?: (user: string) => Promise<string | undefined>;
  logger: Logger;
  /** Waits for ack budgets; injected so tests decide when time has passed. */
  sleep: Sleep;
  /** Ack budget of the `/lab` listener and the deploy form; defaults to 2500 ms. */
  ackBudgetMs?: number;
  /** The app's own Web API client (bot token, retries, SLACK_API_URL). */
  client: SlackWebClient;
  metrics: SlackMetrics;
  /** Looks up deploy allow list groups; absent when the allow list names none. */
  userGroups?: UserGroupResolver;
  home: HomePublisher;
  /** The deploy form; without it `/lab` alone shows help and the form's listeners are not registered. */
  form?: DeployFormPort;
  /** Re-renders a lab's message from the store at once. Never rejects. */
  refreshLab: (labId: string) => Promise<void>;
}

/** The slash command labbot answers; must match manifest.yml. */
export const LAB_COMMAND = '/lab';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** What one button's press runs. */
export type ButtonListener = (args: ButtonArgs) => Promise<void>;

/** Passes a press on to the listener only when `buttons` has its action id (any other press is not ours). */
export function knownButton(
  buttons: ReadonlyMap<string, ButtonListener>,
): (args: Pick<ButtonArgs, 'action' | 'next'>) => Promise<void> {
  return async ({ action, next }) => {
    if (buttons.has(action.action_id)) {
      await next();
    }
  };
}

/**
 * Registers every button as one Bolt listener that picks the button's own by action id. Bolt runs each registered
 * listener's middleware for every request it serves (slash commands included), so one listener per button cost
 * every ack that much more work than the bare Bolt floor (issue 17 target 4); presses of other action ids still
 * find no listener, as before.
 */
function registerButtons(app: App, buttons: ReadonlyMap<string, ButtonListener>): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions' }, knownButton(buttons), async (args) => {
    await buttons.get(args.action.action_id)?.(args);
  });
}

/**
 * Registers every listener on the Bolt app, one per file under listeners/. Never throws.
 */
export function registerListeners(app: App, deps: ListenerDeps): void {
  const common = { logger: deps.logger, metrics: deps.metrics };
  app.command(
    LAB_COMMAND,
    createLabCommandListener({
      ...common,
      commands: deps.commands,
      sleep: deps.sleep,
      ...(deps.ackBudgetMs !== undefined ? { ackBudgetMs: deps.ackBudgetMs } : {}),
      ...(deps.userGroups ? { userGroups: deps.userGroups } : {}),
      ...(deps.form ? { deployForm: { port: deps.form, client: deps.client } } : {}),
      uploadFile: (user: string, file: ReplyFile) =>
        uploadReplyFile(deps.client, user, file, { metrics: deps.metrics }),
      timeZoneOf:
        deps.timeZoneOf ?? (async (user: string) => (await deps.client.users.info({ user })).user?.tz),
    }),
  );

  const actionDeps = {
    ...common,
    commands: deps.commands,
    refreshLab: deps.refreshLab,
    home: deps.home,
    utcOffsetMinutes: async (user: string) => {
      const info = await deps.client.users.info({ user });
      return info.user?.tz_offset === undefined ? undefined : Math.round(info.user.tz_offset / 60);
    },
  };
  // One listener per lab button of the command registry: the lab message's Extend, Suspend, Resume and Tear down,
  // and the reaper warning's Keep 2h, Keep until tomorrow and I'm using it; and the Home tab's deploy button.
  const buttons = new Map<string, ButtonListener>(
    LAB_ACTION_IDS.map((actionId) => [actionId, createLabActionListener(actionId, actionDeps)]),
  );
  if (deps.form) {
    buttons.set(
      DEPLOY_FORM_ACTION,
      createLabNewListener({
        ...common,
        form: deps.form,
        client: deps.client,
        home: deps.home,
        sleep: deps.sleep,
        ...(deps.userGroups ? { userGroups: deps.userGroups } : {}),
      }),
    );
  }
  registerButtons(app, buttons);
  app.event('app_home_opened', createAppHomeOpenedListener(deps.home));

  if (!deps.form) {
    return;
  }
  app.view<ViewSubmitAction>(
    { callback_id: DEPLOY_MODAL_CALLBACK, type: 'view_submission' },
    createDeploySubmissionListener({
      ...common,
      commands: deps.commands,
      form: deps.form,
      client: deps.client,
      home: deps.home,
      sleep: deps.sleep,
      ...(deps.ackBudgetMs !== undefined ? { ackBudgetMs: deps.ackBudgetMs } : {}),
      ...(deps.userGroups ? { userGroups: deps.userGroups } : {}),
    }),
  );
}
