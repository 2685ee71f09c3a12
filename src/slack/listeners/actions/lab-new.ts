import { type BlockAction, type ButtonAction } from '@slack/bolt';
import { DEPLOY_FORM_ACTION } from '../../../commands/home-reply';
import { type Reply } from '../../../commands/reply';
import { type Logger, type Sleep } from '../../../labs/ports';
import { NO_METRICS, tracked, type SlackMetrics } from '../../slack-metrics';
import { slackErrorCode, type SlackWebClient } from '../../slack-web-client';
import { groupsWithin, type UserGroupResolver } from '../../user-groups';
import { deployModal } from '../../views/deploy-modal';
import { type DeployFormPort } from '../../views/deploy-form-port';
import { type HomePublisher } from '../../views/home-publisher';

export { DEPLOY_FORM_ACTION };

export interface LabNewDeps {
  form: DeployFormPort;
  client: Pick<SlackWebClient, 'views'>;
  home: HomePublisher;
  logger: Logger;
  sleep: Sleep;
  userGroups?: UserGroupResolver;
  metrics?: SlackMetrics;
  now?: () => number;
}

export interface LabNewArgs {
  ack: () => Promise<void>;
  body: Pick<BlockAction<ButtonAction>, 'user' | 'trigger_id'>;
}

/** How long to wait for a cold user-group lookup before opening the form anyway (the trigger lives 3 s). */
const GROUPS_WAIT_MS = 1000;

/**
 * The Home tab's "Deploy a lab" button: opens the deploy form. A lab deployed from Home has the person's DM as
 * its conversation (its messages go there), so the channel allow list applies to it like to any conversation.
 * Someone who may not deploy gets the reason on top of their Home tab. Never rejects.
 */
export function createLabNewListener(deps: LabNewDeps): (args: LabNewArgs) => Promise<void> {
  const metrics = deps.metrics ?? NO_METRICS;
  const now = deps.now ?? (() => performance.now());
  return async ({ ack, body }) => {
    const started = now();
    const user = body.user.id;
    try {
      await ack();
      metrics.acked('action', (now() - started) / 1000);
      const userGroups = deps.userGroups
        ? await groupsWithin(deps.userGroups, user, deps.sleep, GROUPS_WAIT_MS)
        : [];
      const refusal =
        userGroups === undefined ? undefined : deps.form.refusal({ user, channel: user, userGroups });
      if (refusal !== undefined) {
        const reply: Reply = { visibility: 'ephemeral', tone: 'error', title: refusal, sections: [] };
        metrics.commandHandled('form', 'refused');
        await deps.home.publish(user, reply);
        return;
      }
      metrics.commandHandled('form', 'ok');
      const choices = await deps.form.choices(user);
      await tracked(metrics, 'views.open', () =>
        deps.client.views.open({
          trigger_id: body.trigger_id,
          view: deployModal(choices, { from: 'home', channel: user }),
        }),
      );
    } catch (error) {
      deps.logger.error({ user, code: slackErrorCode(error), err: error }, 'Could not open the deploy form');
    }
  };
}
