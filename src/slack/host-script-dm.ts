import { type Reply } from '../commands/reply';
import { type Lab } from '../labs/lab';
import { type Logger } from '../labs/ports';
import { renderReplyBlocks } from './render/render-reply';
import { SLACK_USER_ID } from './render/escape-mrkdwn';
import { NO_METRICS, tracked, type SlackMetrics } from './slack-metrics';
import { slackErrorCode, type SlackWebClient } from './slack-web-client';

export interface HostScriptDmOptions {
  client: Pick<SlackWebClient, 'chat'>;
  logger: Logger;
  /** The scripts reply for a lab (lab-reply.ts scriptReply), or undefined when it has none. */
  scripts: (lab: Lab) => Reply | undefined;
  metrics?: SlackMetrics;
}

/**
 * When a lab becomes ready, its owner gets its ESXi hosts' 1:1 MAC mapping scripts as a DM: code blocks to copy,
 * the Slack snippet of issue 13 item 7 (labbot has no files:write scope, so no file upload). A DM rather than the
 * lab's channel message: the message is everyone's and is re-rendered on every change, the script is the owner's
 * next step. Each lab is sent once per process. Never rejects: a failed DM is logged (the owner can still type
 * `/lab status LAB script`).
 */
export function createHostScriptDm(options: HostScriptDmOptions): (lab: Lab) => Promise<void> {
  const metrics = options.metrics ?? NO_METRICS;
  const sent = new Set<string>();
  return async (lab) => {
    if (sent.has(lab.id) || !SLACK_USER_ID.test(lab.owner)) {
      return;
    }
    const reply = options.scripts(lab);
    if (reply === undefined) {
      return;
    }
    sent.add(lab.id);
    try {
      await tracked(metrics, 'chat.postMessage', () =>
        options.client.chat.postMessage({
          channel: lab.owner,
          ...renderReplyBlocks(reply),
          unfurl_links: false,
        }),
      );
    } catch (error) {
      options.logger.warn(
        { labId: lab.id, code: slackErrorCode(error), err: error },
        'Could not DM the host scripts to the lab owner',
      );
    }
  };
}
