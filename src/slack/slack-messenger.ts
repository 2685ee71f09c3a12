import { type Reply } from '../commands/reply';
import { type Logger } from '../labs/ports';
import { type ReaperMessenger } from '../reaper/reaper-ports';
import { renderReplyBlocks } from './render/render-reply';
import { slackErrorCode, type SlackWebClient } from './slack-web-client';

/**
 * The reaper's notices over Slack: a DM is a post to the user id (it opens the app's DM without im:write), a
 * plan or digest a post to the ops channel. Never rejects; failures are logged with Slack's error code.
 */
export class SlackMessenger implements ReaperMessenger {
  constructor(
    private readonly client: SlackWebClient,
    private readonly logger: Logger,
  ) {}

  dm(user: string, reply: Reply): Promise<void> {
    return this.send(user, reply);
  }

  post(channel: string, reply: Reply): Promise<void> {
    return this.send(channel, reply);
  }

  private async send(channel: string, reply: Reply): Promise<void> {
    try {
      await this.client.chat.postMessage({ channel, ...renderReplyBlocks(reply) });
    } catch (error) {
      this.logger.error({ channel, code: slackErrorCode(error), err: error }, 'Reaper notice failed');
    }
  }
}
