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
}): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0FAKE',
    team_domain: 'fake',
    channel_id: fields.channelId ?? 'C0LABS',
    channel_name: 'labs',
    user_id: fields.userId ?? 'U0ALICE',
    user_name: 'alice',
    command: fields.command ?? '/lab',
    text: fields.text,
    response_url: fields.responseUrl,
    trigger_id: '1.2.abc',
    api_app_id: 'A0LABBOT',
  }).toString();
}
