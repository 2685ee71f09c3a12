import { createHmac } from 'node:crypto';
import { parseTicketEvent, verifyJira, verifyZendesk } from '../../src/slack/ticket-webhook';

const SECRET = 'whsec-test';
const NOW = new Date('2026-03-02T10:00:00.000Z');

// A Jira Cloud jira:issue_updated body, trimmed to the fields labbot reads plus neighbours it must ignore.
const jiraResolved = JSON.stringify({
  timestamp: 1772445600000,
  webhookEvent: 'jira:issue_updated',
  issue_event_type_name: 'issue_generic',
  user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Alice' },
  issue: {
    id: '10002',
    key: 'TICKET-123',
    fields: {
      summary: 'vMotion fails on nested host',
      status: { name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } },
    },
  },
  changelog: { id: '10104', items: [{ field: 'status', fromString: 'In Progress', toString: 'Done' }] },
});

describe('slack/ticket-webhook', () => {
  it('accepts a Jira body signed with the secret, and refuses a wrong or missing signature', () => {
    const good = `sha256=${createHmac('sha256', SECRET).update(jiraResolved).digest('hex')}`;

    expect(verifyJira(jiraResolved, good, SECRET)).toBeUndefined();
    expect(verifyJira(jiraResolved, good.toUpperCase().replace('SHA256', 'sha256'), SECRET)).toBeUndefined();
    expect(verifyJira(`${jiraResolved} `, good, SECRET)).toEqual({
      status: 401,
      reason: 'X-Hub-Signature does not match the body',
    });
    expect(verifyJira(jiraResolved, 'sha256=00', SECRET)?.status).toBe(401);
    expect(verifyJira(jiraResolved, undefined, SECRET)?.reason).toBe('missing X-Hub-Signature header');
  });

  it('accepts a Zendesk body signed over timestamp and body, and refuses stale timestamps', () => {
    const body = JSON.stringify({ ticket: { id: 4711, status: 'solved' } });
    const sign = (timestamp: string): string =>
      createHmac('sha256', SECRET)
        .update(timestamp + body)
        .digest('base64');
    const fresh = '2026-03-02T09:58:00Z';
    const stale = '2026-03-02T09:50:00Z';

    expect(verifyZendesk(body, sign(fresh), fresh, SECRET, NOW)).toBeUndefined();
    expect(verifyZendesk(body, sign(stale), stale, SECRET, NOW)?.reason).toBe(
      'X-Zendesk-Webhook-Signature-Timestamp is outside the replay window',
    );
    // The timestamp is signed: moving it forward breaks the signature.
    expect(verifyZendesk(body, sign(stale), fresh, SECRET, NOW)?.reason).toBe(
      'X-Zendesk-Webhook-Signature does not match the body',
    );
    expect(verifyZendesk(body, undefined, fresh, SECRET, NOW)?.status).toBe(401);
  });

  it('reads the ticket and whether it is closed from real payload shapes', () => {
    expect(parseTicketEvent('jira', jiraResolved)).toEqual({
      source: 'jira',
      ticket: 'TICKET-123',
      closed: true,
    });
    expect(parseTicketEvent('jira', jiraResolved.replace('"key":"done"', '"key":"indeterminate"'))).toEqual({
      source: 'jira',
      ticket: 'TICKET-123',
      closed: false,
    });
    expect(parseTicketEvent('zendesk', '{"ticket":{"id":4711,"status":"Closed"}}')).toEqual({
      source: 'zendesk',
      ticket: '4711',
      closed: true,
    });
    expect(parseTicketEvent('zendesk', '{"ticket":{"id":"4711","status":"open"}}')).toMatchObject({
      closed: false,
    });
  });

  it('refuses malformed bodies with a clear 400', () => {
    expect(parseTicketEvent('jira', '{not json')).toEqual({ status: 400, reason: 'the body is not JSON' });
    expect(parseTicketEvent('jira', '{"webhookEvent":"comment_created"}')).toMatchObject({ status: 400 });
    expect(parseTicketEvent('jira', '{"webhookEvent":"jira:issue_updated","issue":{}}')).toEqual({
      status: 400,
      reason: 'the Jira event has no issue.key',
    });
    expect(parseTicketEvent('zendesk', '[]')).toMatchObject({ status: 400 });
    expect(parseTicketEvent('zendesk', '{"ticket":{"id":1}}')).toEqual({
      status: 400,
      reason: 'the Zendesk body has no ticket.status',
    });
  });
});
