/**
 * Issue 19 item 4: `POST /hooks/tickets` on the side HTTP server, through the real LabService and audit trail. Only a
 * correctly signed, fresh, well-formed event about a live lab's ticket changes anything.
 */
import { createHmac } from 'node:crypto';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabService } from '../../src/labs/lab-service';
import { type AuditEntry } from '../../src/labs/ports';
import { extraRoutes } from '../../src/slack/health-routes';
import { startSideHttpServer, type SideHttpServer } from '../../src/slack/side-http-server';
import { ticketHookRoute } from '../../src/slack/ticket-hook-route';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { MemoryLabStore } from '../helpers/memory-lab-store';
import { minimalLab } from '../helpers/labs';
import { recordingLogger } from '../helpers/logger';

const JIRA_SECRET = 'jira-webhook-secret';
const ZENDESK_SECRET = 'zendesk-signing-secret';

function jiraBody(key: string, category: string): string {
  return JSON.stringify({
    timestamp: 1764669600000,
    webhookEvent: 'jira:issue_updated',
    issue_event_type_name: 'issue_generic',
    issue: {
      id: '10002',
      key,
      fields: {
        status: { name: category === 'done' ? 'Resolved' : 'In Progress', statusCategory: { key: category } },
      },
    },
    changelog: { id: '10104', items: [{ field: 'status', fromString: 'In Progress', toString: 'Resolved' }] },
  });
}

describe('slack/ticket-hook-route', () => {
  let side: SideHttpServer;
  let store: MemoryLabStore;
  let clock: ManualClock;
  let audit: AuditEntry[];
  const seen = new Map<string, Date>();

  beforeEach(async () => {
    store = new MemoryLabStore();
    clock = new ManualClock(new Date('2026-12-02T10:00:00.000Z'));
    audit = [];
    seen.clear();
    await store.insert(
      minimalLab({
        id: 'repro-ticket-123',
        kind: 'repro',
        ticket: 'TICKET-123',
        phase: 'ready',
        createdAt: clock.now(),
      }),
    );
    const service = new LabService({
      store,
      waker: { wake: () => undefined },
      clock,
      random: sequenceRandom(),
      policy: DEFAULT_POLICY,
      audit: {
        record: (entry) => Promise.resolve(void audit.push(entry)),
        list: () => Promise.resolve(audit),
      },
    });
    side = await startSideHttpServer(
      extraRoutes([
        ticketHookRoute({
          secrets: { jira: JIRA_SECRET, zendesk: ZENDESK_SECRET },
          now: () => clock.now(),
          firstSighting: (key, expiresAt) => {
            const known = seen.get(key);
            seen.set(key, expiresAt);
            return Promise.resolve(known === undefined || known <= clock.now());
          },
          ticketChanged: (source, ticket, closed) => service.ticketChanged(source, ticket, closed),
          logger: recordingLogger(),
        }),
      ]),
      0,
      '127.0.0.1',
      recordingLogger(),
    );
  });
  afterEach(() => side.close());

  const post = async (
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; text: string }> => {
    const response = await fetch(`http://127.0.0.1:${side.port}/hooks/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, text: await response.text() };
  };
  const jiraSignature = (body: string, secret = JIRA_SECRET): string =>
    `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const zendeskHeaders = (
    body: string,
    timestamp: string,
    secret = ZENDESK_SECRET,
  ): Record<string, string> => ({
    'x-zendesk-webhook-signature': createHmac('sha256', secret)
      .update(timestamp + body)
      .digest('base64'),
    'x-zendesk-webhook-signature-timestamp': timestamp,
    'x-zendesk-webhook-id': '01HZ0000000000000000000000',
  });
  const closedAt = async (): Promise<Date | undefined> =>
    (await store.get('repro-ticket-123'))?.ticketClosedAt;

  it('marks the lab of a resolved Jira issue (any case), audits why, and takes a replayed delivery as nothing new', async () => {
    const body = jiraBody('ticket-123', 'done');
    const headers = { 'x-hub-signature': jiraSignature(body), 'x-atlassian-webhook-identifier': '42' };

    expect((await post(body, headers)).status).toBe(204);
    expect(await closedAt()).toEqual(clock.now());
    expect(audit.map((e) => [e.actor, e.labId, e.action])).toEqual([
      ['jira', 'repro-ticket-123', 'ticket-closed'],
    ]);

    expect(await post(body, headers)).toEqual({ status: 409, text: 'this delivery was already received\n' });
    expect(audit).toHaveLength(1);
  });

  it('marks a solved Zendesk ticket, and clears the mark when it is reopened', async () => {
    await store.insert(minimalLab({ id: 'repro-4711', kind: 'repro', ticket: '4711', phase: 'ready' }));
    const solved = '{"ticket":{"id":4711,"status":"solved"}}';
    const open = '{"ticket":{"id":4711,"status":"open"}}';

    expect((await post(solved, zendeskHeaders(solved, '2026-12-02T09:59:30Z'))).status).toBe(204);
    expect((await store.get('repro-4711'))?.ticketClosedAt).toEqual(clock.now());
    expect((await post(open, zendeskHeaders(open, '2026-12-02T09:59:40Z'))).status).toBe(204);
    expect((await store.get('repro-4711'))?.ticketClosedAt).toBeUndefined();
  });

  it('refuses bad signatures, stale timestamps, unknown tickets and malformed bodies, changing nothing', async () => {
    const body = jiraBody('TICKET-123', 'done');
    const unknown = jiraBody('TICKET-999', 'done');
    const malformed = '{"webhookEvent":"jira:issue_updated","issue":{}}';
    const zendesk = '{"ticket":{"id":4711,"status":"solved"}}';

    expect(await post(body, { 'x-hub-signature': jiraSignature(body, 'wrong') })).toEqual({
      status: 401,
      text: 'X-Hub-Signature does not match the body\n',
    });
    expect((await post(body, {})).status).toBe(401);
    expect((await post(zendesk, zendeskHeaders(zendesk, '2026-12-02T09:40:00Z'))).text).toBe(
      'X-Zendesk-Webhook-Signature-Timestamp is outside the replay window\n',
    );
    expect(await post(unknown, { 'x-hub-signature': jiraSignature(unknown) })).toEqual({
      status: 404,
      text: 'no live lab has this ticket\n',
    });
    expect(await post(malformed, { 'x-hub-signature': jiraSignature(malformed) })).toEqual({
      status: 400,
      text: 'the Jira event has no issue.key\n',
    });
    expect((await post('{', { 'x-hub-signature': jiraSignature('{') })).status).toBe(400);

    expect(await closedAt()).toBeUndefined();
    expect(audit).toEqual([]);
  });
});
