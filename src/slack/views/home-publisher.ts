import { type Reply } from '../../commands/reply';
import { type Logger } from '../../labs/ports';
import { renderReplyBlocks } from '../render/render-reply';
import { NO_METRICS, tracked, type SlackMetrics } from '../slack-metrics';
import { slackErrorCode, type SlackWebClient } from '../slack-web-client';
import { type UserGroupResolver } from '../user-groups';

/**
 * Builds a person's Home tab: their labs and buttons, the Deploy button when `userGroups` (their deploy allow list
 * groups) let them deploy, and the notice of a refused button press, if any.
 */
export type HomeSource = (user: string, options: { userGroups: string[]; notice?: Reply }) => Promise<Reply>;

export interface HomePublisher {
  /** Publishes the user's Home tab, with `notice` on top when given. Never rejects; failures are logged. */
  publish(user: string, notice?: Reply): Promise<void>;
}

export interface HomePublisherOptions {
  client: Pick<SlackWebClient, 'views'>;
  source: HomeSource;
  logger: Logger;
  metrics?: SlackMetrics;
  userGroups?: UserGroupResolver;
}

/** Publishes Home tabs with `views.publish` (no scope needed; the Home tab must be enabled). Never throws. */
export function createHomePublisher(options: HomePublisherOptions): HomePublisher {
  const metrics = options.metrics ?? NO_METRICS;
  return {
    async publish(user, notice) {
      try {
        // Publishing happens after the ack (events are acked by Bolt first), so waiting for groups costs nothing.
        const userGroups = options.userGroups ? await options.userGroups.groupsOf(user) : [];
        const reply = await options.source(user, { userGroups, ...(notice ? { notice } : {}) });
        const { blocks } = renderReplyBlocks(reply);
        await tracked(metrics, 'views.publish', () =>
          options.client.views.publish({ user_id: user, view: { type: 'home', blocks } }),
        );
      } catch (error) {
        options.logger.error(
          { user, code: slackErrorCode(error), err: error },
          'Could not publish the Home tab',
        );
      }
    },
  };
}
