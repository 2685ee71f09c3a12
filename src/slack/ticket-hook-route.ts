import { createHash } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Logger } from '../labs/ports';
import { type HttpRoute } from './health-routes';
import {
  parseTicketEvent,
  type TicketSource,
  verifyJira,
  verifyZendesk,
  ZENDESK_REPLAY_WINDOW_MS,
} from './ticket-webhook';

/** Largest body read; Jira issue events with a long changelog stay far below it. */
export const TICKET_HOOK_MAX_BYTES = 1024 * 1024;

export interface TicketHookDeps {
  /** Shared secrets per source (LABBOT_JIRA_WEBHOOK_SECRET, LABBOT_ZENDESK_WEBHOOK_SECRET); a source without one is refused. */
  secrets: Partial<Record<TicketSource, string>>;
  now: () => Date;
  /**
   * True the first time a delivery is seen (the store's seen-requests table, shared by replicas): a replayed Jira
   * delivery (same X-Atlassian-Webhook-Identifier) or Zendesk signature inside the window changes nothing again.
   */
  firstSighting: (key: string, expiresAt: Date) => Promise<boolean>;
  ticketChanged: (
    source: TicketSource,
    ticket: string,
    closed: boolean,
  ) => Promise<{ outcome: 'unknown' } | { outcome: 'closed' | 'reopened' | 'unchanged'; labId: string }>;
  logger: Logger;
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  response.end(`${text}\n`);
}

/** The source the headers name: Jira signs with X-Hub-Signature, Zendesk with X-Zendesk-Webhook-Signature. */
function sourceOf(request: IncomingMessage): TicketSource | undefined {
  if (request.headers['x-zendesk-webhook-signature'] !== undefined) {
    return 'zendesk';
  }
  if (request.headers['x-hub-signature'] !== undefined) {
    return 'jira';
  }
  return undefined;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The raw body, or undefined when it is larger than the limit (read no further). */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > TICKET_HOOK_MAX_BYTES) {
        resolve(undefined);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * `POST /hooks/tickets`: Jira and Zendesk tell labbot a ticket changed (issue 19 item 4). Authenticated by the
 * source's HMAC signature (constant-time), replays refused (Zendesk's signed timestamp window; each delivery once).
 * Answers 204 when a live lab's ticket was marked closed or reopened, 202 when it was already so, 404 for a ticket
 * with no live lab, 401 for a bad or missing signature, 400 for a malformed body, 409 for a replay, 413 for a body
 * over 1 MiB. Only the 204 changes anything. Never throws; logs no body and no secret.
 */
export function ticketHookRoute(deps: TicketHookDeps): HttpRoute {
  return {
    path: '/hooks/tickets',
    methods: ['POST'],
    handle: (request, response) => {
      handle(deps, request, response).catch((error: unknown) => {
        deps.logger.error({ err: error }, 'Ticket webhook failed');
        if (!response.headersSent) {
          send(response, 503, 'labbot could not handle the webhook now; retry later');
        }
      });
    },
  };
}

async function handle(
  deps: TicketHookDeps,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const source = sourceOf(request);
  if (source === undefined) {
    send(response, 401, 'unsigned: expected X-Hub-Signature (Jira) or X-Zendesk-Webhook-Signature (Zendesk)');
    return;
  }
  const secret = deps.secrets[source];
  if (secret === undefined) {
    send(response, 401, `${source} webhooks are not configured on this labbot`);
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    send(response, 413, 'body larger than 1 MiB');
    return;
  }
  const now = deps.now();
  const signature =
    source === 'jira' ? header(request, 'x-hub-signature') : header(request, 'x-zendesk-webhook-signature');
  const refused =
    source === 'jira'
      ? verifyJira(body, signature, secret)
      : verifyZendesk(body, signature, header(request, 'x-zendesk-webhook-signature-timestamp'), secret, now);
  if (refused !== undefined) {
    deps.logger.warn({ source, reason: refused.reason }, 'Ticket webhook refused');
    send(response, refused.status, refused.reason);
    return;
  }
  const event = parseTicketEvent(source, body);
  if ('status' in event) {
    send(response, event.status, event.reason);
    return;
  }
  // Jira names each delivery (the same id on its retries); Zendesk's signature covers its timestamp, so it names one.
  const delivery =
    source === 'jira' ? header(request, 'x-atlassian-webhook-identifier') : (signature ?? undefined);
  if (delivery !== undefined) {
    const key = `ticket-hook:${source}:${createHash('sha256').update(delivery).digest('hex')}`;
    if (!(await deps.firstSighting(key, new Date(now.getTime() + 2 * ZENDESK_REPLAY_WINDOW_MS)))) {
      send(response, 409, 'this delivery was already received');
      return;
    }
  }
  const result = await deps.ticketChanged(source, event.ticket, event.closed);
  if (result.outcome === 'unknown') {
    send(response, 404, 'no live lab has this ticket');
    return;
  }
  deps.logger.info({ source, labId: result.labId, outcome: result.outcome }, 'Ticket webhook');
  if (result.outcome === 'unchanged') {
    send(response, 202, `lab ${result.labId}: nothing to change`);
    return;
  }
  response.writeHead(204, { 'cache-control': 'no-store' });
  response.end();
}
