/**
 * Issue 19 item 4, first part: authenticating and reading Jira and Zendesk ticket webhooks (`POST /hooks/tickets`).
 * Pure: the route, the store write and the reaper rule are not built yet. Every refusal is a value with a clear
 * reason and an HTTP status, never a throw, so the route can answer 4xx and change nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TicketSource = 'jira' | 'zendesk';

/** A webhook that says a ticket changed: its key, and whether it is now resolved or closed. */
export interface TicketEvent {
  source: TicketSource;
  ticket: string;
  closed: boolean;
}

export type WebhookRefusal = { status: 400 | 401; reason: string };

/** How old a Zendesk signature timestamp may be, either way (clock skew), before the request counts as a replay. */
export const ZENDESK_REPLAY_WINDOW_MS = 5 * 60_000;

/** Constant-time comparison of two strings; different lengths are unequal without comparing. */
function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Jira Cloud webhook with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function verifyJira(
  rawBody: string,
  signature: string | undefined,
  secret: string,
): WebhookRefusal | undefined {
  if (signature === undefined) {
    return { status: 401, reason: 'missing X-Hub-Signature header' };
  }
  const expected = `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
  return sameSecret(signature.trim().toLowerCase(), expected)
    ? undefined
    : { status: 401, reason: 'X-Hub-Signature does not match the body' };
}

/**
 * Zendesk: `X-Zendesk-Webhook-Signature` = base64 HMAC-SHA256 of `X-Zendesk-Webhook-Signature-Timestamp` + raw body;
 * a timestamp outside the replay window is refused even when the signature holds.
 */
export function verifyZendesk(
  rawBody: string,
  signature: string | undefined,
  timestamp: string | undefined,
  secret: string,
  now: Date,
): WebhookRefusal | undefined {
  if (signature === undefined || timestamp === undefined) {
    return {
      status: 401,
      reason: 'missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp header',
    };
  }
  const expected = createHmac('sha256', secret)
    .update(timestamp + rawBody, 'utf8')
    .digest('base64');
  if (!sameSecret(signature.trim(), expected)) {
    return { status: 401, reason: 'X-Zendesk-Webhook-Signature does not match the body' };
  }
  const sent = Date.parse(timestamp);
  if (Number.isNaN(sent) || Math.abs(now.getTime() - sent) > ZENDESK_REPLAY_WINDOW_MS) {
    return { status: 401, reason: 'X-Zendesk-Webhook-Signature-Timestamp is outside the replay window' };
  }
  return undefined;
}

/** Zendesk statuses after which the ticket needs no repro lab. */
const ZENDESK_CLOSED = new Set(['solved', 'closed']);

/**
 * The ticket event in a verified body, or why it is not one. Jira: `jira:issue_updated` (or `_deleted`), `issue.key`,
 * closed when `issue.fields.status.statusCategory.key` is `done`. Zendesk: the webhook body labbot's trigger sends,
 * `{"ticket": {"id": …, "status": …}}` (Zendesk has no fixed body; the README's trigger JSON gives this one).
 */
export function parseTicketEvent(source: TicketSource, rawBody: string): TicketEvent | WebhookRefusal {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { status: 400, reason: 'the body is not JSON' };
  }
  if (source === 'jira') {
    const event = field(body, 'webhookEvent');
    const key = field(field(body, 'issue'), 'key');
    if (typeof event !== 'string' || !event.startsWith('jira:issue_')) {
      return { status: 400, reason: 'not a Jira issue event (webhookEvent jira:issue_…)' };
    }
    if (typeof key !== 'string' || key === '') {
      return { status: 400, reason: 'the Jira event has no issue.key' };
    }
    const category = field(
      field(field(field(field(body, 'issue'), 'fields'), 'status'), 'statusCategory'),
      'key',
    );
    return { source, ticket: key, closed: event === 'jira:issue_deleted' || category === 'done' };
  }
  const ticket = field(body, 'ticket');
  const id = field(ticket, 'id');
  const status = field(ticket, 'status');
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
    return { status: 400, reason: 'the Zendesk body has no ticket.id' };
  }
  if (typeof status !== 'string') {
    return { status: 400, reason: 'the Zendesk body has no ticket.status' };
  }
  return { source, ticket: String(id), closed: ZENDESK_CLOSED.has(status.toLowerCase()) };
}

/** `value[name]` when value is an object, else undefined. */
function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}
