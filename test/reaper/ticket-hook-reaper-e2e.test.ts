import { createHmac } from 'node:crypto';
import { type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabService } from '../../src/labs/lab-service';
import { type ReaperMessenger } from '../../src/reaper/reaper-ports';
import { runReapCycle } from '../../src/reaper/run-reap-cycle';
import { extraRoutes } from '../../src/slack/health-routes';
import { startSideHttpServer, type SideHttpServer } from '../../src/slack/side-http-server';
import { ticketHookRoute } from '../../src/slack/ticket-hook-route';
import { type VcdSim } from '../../src/vcdsim/vcd-sim';
import { ManualClock } from '../helpers/clock';
import { type ReaperWorld, startReaperWorld } from './reaper-world';

/**
 * Issue 19 item 4 end to end: a signed Jira or Zendesk webhook over loopback HTTP to the real `POST /hooks/tickets`
 * route, then the real reaper cycles (store on SQLite, VCD client against the simulator, controller), all on one
 * injected clock. The lab is busy the whole time: a closed ticket reaps it whatever its usage, after the warning's
 * grace period, unless its owner keeps it.
 */
describe('e2e: ticket webhook to reaper cycle', () => {
  const JIRA_SECRET = 'jira-e2e-secret';
  const ZENDESK_SECRET = 'zendesk-e2e-secret';
  let world: ReaperWorld;
  let sim: VcdSim;
  let side: SideHttpServer;

  afterEach(async () => {
    await side.close();
    await world.close();
  });

  async function setup() {
    const clock = new ManualClock(new Date('2026-12-02T09:00:00.000Z'));
    const policy = { ...DEFAULT_POLICY, limits: { maxLabsPerUser: 50, maxHourlySpendPerUser: 100 } };
    world = await startReaperWorld(clock, policy, 'labbot-ticket-e2e-');
    sim = world.sim;
    const { store, cloud, controller, logger } = world;
    let seed = 7;
    const service = new LabService({
      store: store.labs,
      waker: controller,
      clock,
      random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
      policy,
      signals: store.signals,
      audit: store.audit,
      newToken: () => 'token',
    });
    // As src/start/slack-mode.ts wires it: replay protection in the store, the real LabService behind it.
    side = await startSideHttpServer(
      extraRoutes([
        ticketHookRoute({
          secrets: { jira: JIRA_SECRET, zendesk: ZENDESK_SECRET },
          now: () => clock.now(),
          firstSighting: (key, expiresAt) => store.slackRequests.firstSighting(key, expiresAt),
          ticketChanged: (source, ticket, closed) => service.ticketChanged(source, ticket, closed),
          logger,
        }),
      ]),
      0,
      '127.0.0.1',
      logger,
    );
    const dms: { user: string; reply: Reply }[] = [];
    const messenger: ReaperMessenger = {
      dm: (user, reply) => Promise.resolve(void dms.push({ user, reply })),
      post: () => Promise.resolve(),
    };
    const deployRepro = async (user: string, ticket: string) => {
      const { lab } = await service.deploy({ user, kind: 'repro', template: 'esxi8', ticket });
      await controller.idle();
      // Someone works at it all along: only the ticket can get it reaped.
      sim.state.setUsage({ vApp: `lab-${lab.id}` }, { kind: 'busy' });
      return lab.id;
    };
    const cycles = async (minutes: number) => {
      for (let m = 0; m < minutes; m += 5) {
        clock.advance(5 * 60_000);
        await runReapCycle(
          {
            store: store.labs,
            signals: store.signals,
            cloud,
            waker: controller,
            messenger,
            clock,
            policy,
            logger,
          },
          'enforce',
        );
        await controller.idle();
      }
    };
    const post = async (body: string, headers: Record<string, string>): Promise<number> =>
      (
        await fetch(`http://127.0.0.1:${side.port}/hooks/tickets`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        })
      ).status;
    return { clock, store, service, deployRepro, cycles, dms, post };
  }

  /** A Jira Cloud `jira:issue_updated` delivery for an issue moved to a done status. */
  const jiraResolved = (key: string): string =>
    JSON.stringify({
      timestamp: Date.parse('2026-12-02T09:30:00Z'),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Support Agent' },
      issue: {
        id: '10002',
        self: 'https://example.atlassian.net/rest/api/2/10002',
        key,
        fields: {
          summary: 'vMotion fails between hosts',
          status: { name: 'Resolved', statusCategory: { id: 3, key: 'done', name: 'Done' } },
        },
      },
      changelog: {
        id: '10104',
        items: [{ field: 'status', fieldtype: 'jira', fromString: 'In Progress', toString: 'Resolved' }],
      },
    });
  const jiraHeaders = (body: string): Record<string, string> => ({
    'x-hub-signature': `sha256=${createHmac('sha256', JIRA_SECRET).update(body).digest('hex')}`,
    'x-atlassian-webhook-identifier': '9f1d2c4e',
  });

  it('a resolved Jira issue: its owner is warned, and after the grace period the lab is deleted', async () => {
    const { store, deployRepro, cycles, dms, post } = await setup();
    const id = await deployRepro('U0JIRA', 'SUP-4711');
    const bystander = await deployRepro('U0OTHER', 'SUP-4712');
    await cycles(15);
    expect(dms).toEqual([]);

    const body = jiraResolved('SUP-4711');
    expect(await post(body, jiraHeaders(body))).toBe(204);
    await cycles(5);
    expect(dms.map((d) => [d.user, d.reply.title])).toEqual([['U0JIRA', 'One of your labs looks unused']]);
    expect(JSON.stringify(dms[0]?.reply)).toContain('ticket SUP-4711 was resolved or closed');
    expect((await store.labs.get(id))?.phase).toBe('ready');

    await cycles(DEFAULT_POLICY.reaper.graceMinutes - 5);
    expect((await store.labs.get(id))?.phase).toBe('ready');
    await cycles(5);

    expect((await store.labs.get(id))?.phase).toBe('deleted');
    expect(sim.state.findVAppByName(`lab-${id}`)).toBeUndefined();
    expect(dms.map((d) => d.user)).toEqual(['U0JIRA', 'U0JIRA']);
    expect((await store.labs.get(bystander))?.phase).toBe('ready');
  });

  it("a solved Zendesk ticket: the owner's Keep in the grace period saves the lab", async () => {
    const { clock, store, service, deployRepro, cycles, dms, post } = await setup();
    const id = await deployRepro('U0ZEN', '8812');
    await cycles(10);

    // The body labbot's Zendesk trigger sends (README): Zendesk placeholders filled in, extra fields ignored.
    const body = JSON.stringify({
      ticket: {
        id: 8812,
        status: 'solved',
        subject: 'Host disconnects after upgrade',
        url: 'example.zendesk.com/agent/tickets/8812',
        requester: 'customer@example.com',
      },
    });
    const timestamp = clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    expect(
      await post(body, {
        'x-zendesk-webhook-signature': createHmac('sha256', ZENDESK_SECRET)
          .update(timestamp + body)
          .digest('base64'),
        'x-zendesk-webhook-signature-timestamp': timestamp,
        'x-zendesk-webhook-id': '01HZ9QK1V0000000000000001',
      }),
    ).toBe(204);
    await cycles(5);
    expect(dms.map((d) => d.user)).toEqual(['U0ZEN']);

    await service.keep('U0ZEN', id, new Date(clock.now().getTime() + 2 * 3_600_000));
    await cycles(DEFAULT_POLICY.reaper.graceMinutes + 30);

    expect((await store.labs.get(id))?.phase).toBe('ready');
    expect(sim.state.findVAppByName(`lab-${id}`)).toBeDefined();
    expect(dms.map((d) => d.user)).toEqual(['U0ZEN']);
  });
});
