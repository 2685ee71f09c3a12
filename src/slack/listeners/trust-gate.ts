import { type AnyMiddlewareArgs, type AllMiddlewareArgs } from '@slack/bolt';
import { type Logger } from '../../labs/ports';
import { requestOrigin, REFUSAL_TEXT, type TrustCheck, type TrustRefusal } from '../request-trust';
import { NO_METRICS, type SlackMetrics } from '../slack-metrics';

/** The parts of Bolt's middleware arguments the gate uses (every request type has `body` and `next`). */
export interface TrustGateArgs {
  body: unknown;
  next: () => Promise<void>;
  ack?: (response?: unknown) => Promise<void>;
  respond?: (message: unknown) => Promise<unknown>;
}

function requestType(body: unknown): string {
  if (typeof body !== 'object' || body === null) {
    return 'unknown';
  }
  const b = body as Record<string, unknown>;
  if (typeof b.command === 'string') {
    return 'command';
  }
  return typeof b.type === 'string' ? b.type : 'unknown';
}

/** A one-section modal telling the person why their submission went nowhere (replaces the form). */
function refusalModal(text: string): Record<string, unknown> {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'labbot' },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'plain_text', text } }],
  };
}

/**
 * Tells the person why, the way each request type allows: a slash command's ack, a button's response_url, a
 * modal's `update`; events (already acked by Bolt) are dropped silently.
 */
async function refuse(args: TrustGateArgs, type: string, text: string): Promise<void> {
  if (!args.ack) {
    return;
  }
  if (type === 'command') {
    await args.ack({ response_type: 'ephemeral', text: `:no_entry: ${text}` });
    return;
  }
  if (type === 'view_submission') {
    await args.ack({ response_action: 'update', view: refusalModal(text) });
    return;
  }
  await args.ack();
  if (type === 'block_actions' && args.respond) {
    await args.respond({ response_type: 'ephemeral', replace_original: false, text: `:no_entry: ${text}` });
  }
}

/**
 * Bolt global middleware in front of every listener: requests the trust check refuses stop here (logged with the
 * refusal and the ids, never the body). Never rejects: a failed refusal delivery is logged.
 */
export function createTrustGate(
  trust: TrustCheck,
  logger: Logger,
  metrics: SlackMetrics = NO_METRICS,
): (args: TrustGateArgs) => Promise<void> {
  return async (args) => {
    const refusal: TrustRefusal | undefined = await trust.check(args.body);
    if (refusal === undefined) {
      await args.next();
      return;
    }
    const type = requestType(args.body);
    const origin = requestOrigin(args.body);
    logger.warn({ refusal, type, ...origin }, 'Slack request refused by the trust policy');
    metrics.commandHandled(type === 'command' ? 'untrusted' : 'untrusted-interaction', 'refused');
    try {
      await refuse(args, type, REFUSAL_TEXT[refusal]);
    } catch (error) {
      logger.error({ refusal, type, err: error }, 'Could not tell a refused Slack user why');
    }
  };
}

/** The gate as Bolt middleware (Bolt's union of argument types narrowed to what the gate reads). */
export function asBoltMiddleware(
  gate: (args: TrustGateArgs) => Promise<void>,
): (args: AnyMiddlewareArgs & AllMiddlewareArgs) => Promise<void> {
  return (args) => gate(args as unknown as TrustGateArgs);
}
