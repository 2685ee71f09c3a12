/**
 * Signs a request the way Slack does (docs.slack.dev "Verifying requests from Slack"): HMAC-SHA256 over
 * `v0:{timestamp}:{raw body}` keyed with the signing secret, hex, prefixed `v0=`. The timestamp is a parameter
 * so tests choose "now" (and "stale") without touching the clock.
 */
import { createHmac } from 'node:crypto';

/** A type alias, not an interface, so that it can be passed straight to fetch as HeadersInit. */
export type SlackSignedHeaders = Record<
  'x-slack-signature' | 'x-slack-request-timestamp' | 'content-type',
  string
>;

/**
 * Headers for a signed Slack request. `contentType` defaults to the bare form type Slack sends: Bolt's receiver
 * compares it exactly, so `; charset=utf-8` would get a 400.
 */
export function signSlackRequest(
  secret: string,
  body: string,
  timestampSeconds: number,
  contentType = 'application/x-www-form-urlencoded',
): SlackSignedHeaders {
  const signature = createHmac('sha256', secret)
    .update(`v0:${timestampSeconds}:${body}`, 'utf8')
    .digest('hex');
  return {
    'x-slack-signature': `v0=${signature}`,
    'x-slack-request-timestamp': String(timestampSeconds),
    'content-type': contentType,
  };
}

/** A slash-command body as Slack sends it (form-encoded), with sensible defaults for the fields we ignore. */
export function slashCommandBody(fields: {
  text: string;
  responseUrl: string;
  userId?: string;
  channelId?: string;
  command?: string;
  teamId?: string;
  enterpriseId?: string;
  /** Slack sends a new one with every command, so two commands never share a body (nor a signature). */
  triggerId?: string;
}): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.teamId ?? 'T0FAKE',
    ...(fields.enterpriseId !== undefined ? { enterprise_id: fields.enterpriseId } : {}),
    team_domain: 'fake',
    channel_id: fields.channelId ?? 'C0LABS',
    channel_name: 'labs',
    user_id: fields.userId ?? 'U0ALICE',
    user_name: 'alice',
    command: fields.command ?? '/lab',
    text: fields.text,
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId ?? '1.2.abc',
    api_app_id: 'A0LABBOT',
  }).toString();
}

/** Where a button was pressed: a message in a conversation (ephemeral or not), or the Home tab. */
export type ActionContainer =
  { type: 'message'; channelId: string; messageTs: string; ephemeral?: boolean } | { type: 'home' };

/**
 * A `block_actions` body as Slack posts it for a button press: form-encoded with the JSON in `payload`. Only the
 * fields Slack always sends and labbot reads are filled in.
 */
export function blockActionsBody(fields: {
  actionId: string;
  value: string;
  userId: string;
  container: ActionContainer;
  responseUrl?: string;
  triggerId?: string;
  /** The presser's own workspace (another one for a Slack Connect user). Default T0FAKE. */
  userTeamId?: string;
}): string {
  const { container } = fields;
  const inMessage = container.type === 'message';
  const payload = {
    type: 'block_actions',
    team: { id: 'T0FAKE', domain: 'fake' },
    user: { id: fields.userId, username: 'someone', name: 'someone', team_id: fields.userTeamId ?? 'T0FAKE' },
    api_app_id: 'A0LABBOT',
    token: 'deprecated-verification-token',
    trigger_id: fields.triggerId ?? '2.3.def',
    container: inMessage
      ? {
          type: 'message',
          message_ts: container.messageTs,
          channel_id: container.channelId,
          is_ephemeral: container.ephemeral ?? false,
        }
      : { type: 'view', view_id: 'V0HOME' },
    ...(inMessage
      ? {
          channel: { id: container.channelId, name: 'labs' },
          ...(container.ephemeral ? {} : { message: { type: 'message', ts: container.messageTs, text: '' } }),
          response_url: fields.responseUrl ?? 'https://hooks.slack.test/actions/1',
        }
      : { view: { id: 'V0HOME', type: 'home', blocks: [], callback_id: '', hash: 'h' } }),
    actions: [
      {
        type: 'button',
        action_id: fields.actionId,
        block_id: 'b1',
        value: fields.value,
        text: { type: 'plain_text', text: 'button' },
        action_ts: '1700000000.000001',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A `view_submission` body for a modal with the given `state.values` and `private_metadata`. */
export function viewSubmissionBody(fields: {
  callbackId: string;
  userId: string;
  values: Record<string, Record<string, unknown>>;
  privateMetadata: string;
}): string {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0FAKE', domain: 'fake' },
    user: { id: fields.userId, username: 'someone', name: 'someone', team_id: 'T0FAKE' },
    api_app_id: 'A0LABBOT',
    token: 'deprecated-verification-token',
    trigger_id: '3.4.ghi',
    view: {
      id: 'V0MODAL',
      type: 'modal',
      callback_id: fields.callbackId,
      private_metadata: fields.privateMetadata,
      state: { values: fields.values },
      hash: 'h',
      blocks: [],
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API `event_callback` body (JSON, as Slack posts events). */
export function eventCallbackBody(event: Record<string, unknown>): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: 'T0FAKE',
    api_app_id: 'A0LABBOT',
    event,
    type: 'event_callback',
    event_id: `Ev${Math.floor(Math.random() * 1e9)}`,
    event_time: Math.floor(Date.now() / 1000),
  });
}
