import { commandVerb } from '../commands/command-verb';
import { slackErrorCode } from './slack-web-client';
import { type Reply } from '../commands/reply';
import { isFailureReply } from '../commands/report-error';

/** How a command ended for the user: done, refused with a reason, or failed unexpectedly. */
export type CommandOutcome = 'ok' | 'refused' | 'failed';

/** What was acknowledged. */
export type AckKind = 'command' | 'action' | 'view' | 'event';

/**
 * What the Slack side records (observability/metrics.ts implements it). Implementations must not throw.
 */
export interface SlackMetrics {
  commandHandled(verb: string, outcome: CommandOutcome): void;
  acked(kind: AckKind, seconds: number): void;
  slackError(method: string, code: string | undefined): void;
}

/** Records nothing; the default when no metrics are wired. */
export const NO_METRICS: SlackMetrics = {
  commandHandled: () => undefined,
  acked: () => undefined,
  slackError: () => undefined,
};

/** The outcome a reply stands for. Never throws. */
export function replyOutcome(reply: Reply): CommandOutcome {
  if (reply.tone !== 'error') {
    return 'ok';
  }
  return isFailureReply(reply) ? 'failed' : 'refused';
}

/** Counts one answered command text. Never throws. */
export function countCommand(metrics: SlackMetrics, text: string, reply: Reply): void {
  metrics.commandHandled(commandVerb(text), replyOutcome(reply));
}

/**
 * Runs one Web API call (or response_url post), counting it as a Slack error when it fails for good (the client
 * has retried by then). Rethrows the call's error.
 */
export async function tracked<T>(metrics: SlackMetrics, method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    metrics.slackError(method, slackErrorCode(error));
    throw error;
  }
}
