import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot, type Running } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { FakeSlackApi, type RecordedCall } from '../helpers/fake-slack-api';
import { undeclaredMethods } from '../slack/manifest-scopes';
import {
  blockActionsBody,
  eventCallbackBody,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionBody,
  type ActionContainer,
} from '../helpers/slack-signing';

const SECRET = 'e2e-slack-signing-secret';
const DEPLOYERS = 'S0DEPLOY';

/** A labbot.yml: one admin, deploying limited to a user group, and a ticket pattern that lets `<!channel>` in. */
const POLICY = `
admins: [U0ADMIN]
access:
  deployUserGroups: [${DEPLOYERS}]
ticketPattern: '^\\S{1,40}$'
`;

interface Answer {
  status: number;
  ms: number;
  text: string;
  json: Record<string, unknown>;
}

/**
 * The real app in HTTP mode, driven like Slack drives it: signed slash commands, button presses (`block_actions`),
 * modal submissions and Events API events; a fake Slack Web API recording every call; the simulator as VCD.
 * The tests run in order and share the labs they create.
 */
describe('e2e: the Slack app over HTTP (commands, buttons, modal, App Home, user groups, metrics)', () => {
  let slack: FakeSlackApi;
  let running: Running;
  let dataDir: string;
  let baseUrl: string;
  let labId = '';
  let labTs = '';

  beforeAll(async () => {
    slack = await FakeSlackApi.start();
    slack.userGroups[DEPLOYERS] = ['U0ALICE', 'U0BOB'];
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-slack-'));
    const config = loadConfig(
      {
        SLACK_BOT_TOKEN: 'xoxb-e2e',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
        LABBOT_DATA_DIR: dataDir,
      },
      { path: 'labbot.yml', text: POLICY },
    );
    running = await startLabbot(
      config,
      { stdin: new PassThrough(), stdout: new PassThrough() },
      { logger: createSilentLogger(), simSpeedFactor: 500 },
    );
    baseUrl = `http://127.0.0.1:${running.port ?? 0}`;
  });

  afterAll(async () => {
    await running.stop();
    await slack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(body: string, contentType?: string): Promise<Answer> {
    const headers = signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000), contentType);
    const started = performance.now();
    const response = await fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body });
    const ms = performance.now() - started;
    const text = await response.text();
    return {
      status: response.status,
      ms,
      text,
      json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  }

  const slash = (text: string, user = 'U0ALICE') =>
    post(slashCommandBody({ text, responseUrl: slack.responseUrl(), userId: user, channelId: 'C0LABS' }));

  const press = (actionId: string, value: string, user: string, container: ActionContainer) =>
    post(
      blockActionsBody({
        actionId,
        value,
        userId: user,
        container,
        responseUrl: slack.responseUrl(`actions/${actionId}`),
      }),
    );

  /** The first call of `method` (recorded already or still to come) that `matches`. */
  async function callMatching(
    method: string,
    matches: (call: RecordedCall) => boolean,
  ): Promise<RecordedCall> {
    for (let n = 1; ; n++) {
      const call = await slack.waitFor(method, n);
      if (matches(call)) {
        return call;
      }
    }
  }

  const says =
    (...words: string[]) =>
    (call: RecordedCall) =>
      words.every((w) => JSON.stringify(call.body).includes(w));

  /** Minutes until expiry as the lab message shows it (`*Expires*\nin 5h 59m`). */
  function expiresInMinutes(call: RecordedCall): number {
    const match = /\*Expires\*\\n(?:in )?(?:(\d+)d ?)?(?:(\d+)h ?)?(?:(\d+)m)?/.exec(
      JSON.stringify(call.body),
    );
    const [, d = '0', h = '0', m = '0'] = match ?? [];
    return Number(d) * 1440 + Number(h) * 60 + Number(m);
  }

  it('deploys with /lab demo: acks at once, posts the lab message, and updates it to ready with Extend, Suspend and a confirmed Tear down', async () => {
    const ack = await slash('demo esxi8');

    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3000);
    expect(ack.json.response_type).toBe('ephemeral');
    // Deploying needs membership of the allow-listed group, which was looked up with usergroups.users.list.
    expect(slack.callsTo('usergroups.users.list')[0]?.body.usergroup).toBe(DEPLOYERS);
    labId = /(demo-[a-z0-9]+)/.exec(JSON.stringify(ack.json))?.[1] ?? '';
    const posted = await callMatching('chat.postMessage', says(`Lab ${labId}`));
    expect(posted.body.channel).toBe('C0LABS');

    const ready = await callMatching('chat.update', says(`Lab ${labId}: ready`));
    labTs = String(ready.body.ts);
    const blocks = JSON.stringify(ready.body.blocks);
    expect(blocks).toMatch(/00:50:56:[0-9a-f:]{8}/);
    for (const id of ['lab_extend', 'lab_suspend', 'lab_teardown']) {
      expect(blocks).toContain(`"action_id":"${id}"`);
    }
    expect(blocks).toContain(`"value":"${labId}"`);
    expect(blocks).toContain('"confirm"');
  });

  it('extends the lab when its owner presses Extend, and the lab message shows the later expiry', async () => {
    const before = await callMatching('chat.update', says(`Lab ${labId}: ready`));
    const updates = slack.callsTo('chat.update').length;

    const ack = await press('lab_extend', labId, 'U0ALICE', {
      type: 'message',
      channelId: 'C0LABS',
      messageTs: labTs,
    });

    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3000);
    expect(ack.text).toBe('');
    const after = await slack.waitFor('chat.update', updates + 1);
    expect(after.body).toMatchObject({ channel: 'C0LABS', ts: labTs });
    // Demo labs extend by 2 h.
    expect(expiresInMinutes(after) - expiresInMinutes(before)).toBeGreaterThanOrEqual(115);
  });

  it('refuses Tear down pressed by someone who does not own the lab, telling only them why', async () => {
    const ack = await press('lab_teardown', labId, 'U0MALLORY', {
      type: 'message',
      channelId: 'C0LABS',
      messageTs: labTs,
    });

    expect(ack.status).toBe(200);
    const refusal = await slack.waitFor('response_url');
    expect(refusal.path).toBe('/commands/actions/lab_teardown');
    expect(refusal.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(refusal.body)).toContain(
      `Lab ${labId} belongs to someone else; only its owner or an admin can tear it down.`,
    );
    expect(running.simulator?.state.findVAppByName(`lab-${labId}`)).toBeDefined();
  });

  it('publishes the App Home with the person’s labs, state, cost, expiry and the same buttons when it is opened', async () => {
    const before = slack.callsTo('views.publish').length;

    const ack = await post(
      eventCallbackBody({
        type: 'app_home_opened',
        user: 'U0ALICE',
        channel: 'D0ALICE',
        tab: 'home',
        event_ts: '1',
      }),
      'application/json',
    );

    expect(ack.status).toBe(200);
    const published = await slack.waitFor('views.publish', before + 1);
    expect(published.body.user_id).toBe('U0ALICE');
    const view = JSON.stringify(published.body.view);
    expect(view).toContain('"type":"home"');
    expect(view).toContain(labId);
    expect(view).toContain('ready');
    expect(view).toMatch(/so far, \$0\.18\/h/);
    expect(view).toContain('*Expires*');
    expect(view).toContain('"action_id":"lab_extend"');
    expect(view).toContain('"action_id":"lab_teardown"');
    expect(view).toContain('"action_id":"lab_new"');
  });

  it('tears the lab down when its owner presses Tear down in the Home tab, and republishes the Home tab', async () => {
    const published = slack.callsTo('views.publish').length;

    const ack = await press('lab_teardown', labId, 'U0ALICE', { type: 'home' });

    expect(ack.status).toBe(200);
    await callMatching('chat.update', says(`Lab ${labId}: deleted`));
    expect(running.simulator?.state.findVAppByName(`lab-${labId}`)).toBeUndefined();
    const home = await slack.waitFor('views.publish', published + 1);
    expect(home.body.user_id).toBe('U0ALICE');
  });

  it('shows a ticket id typed as <!channel> escaped in the lab message, never as a mention', async () => {
    const ack = await slash('repro <!channel> esxi7', 'U0BOB');

    expect(ack.status).toBe(200);
    const posted = await callMatching('chat.postMessage', says('repro-channel'));
    const shown = JSON.stringify(posted.body);
    expect(shown).toContain('&lt;!channel&gt;');
    expect(shown).not.toContain('<!channel>');
    await slash('teardown repro-channel', 'U0BOB');
  });

  it('opens the deploy form on /lab alone, shows field errors in the form, and deploys on a valid submission', async () => {
    const ack = await slash('');

    expect(ack.status).toBe(200);
    expect(ack.text).toBe('');
    const opened = await slack.waitFor('views.open');
    expect(opened.body.trigger_id).toBe('1.2.abc');
    const view = opened.body.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(view.callback_id).toBe('lab_deploy');
    expect(JSON.stringify(view.blocks)).toContain('esxi7');

    const submit = (values: Record<string, Record<string, unknown>>) =>
      post(
        viewSubmissionBody({
          callbackId: view.callback_id,
          userId: 'U0ALICE',
          values,
          privateMetadata: view.private_metadata,
        }),
      );
    const kind = (name: string) => ({ kind: { kind: { selected_option: { value: name } } } });

    const invalid = await submit({ ...kind('demo'), duration: { duration: { value: 'soon' } } });
    expect(invalid.json).toEqual({
      response_action: 'errors',
      errors: { duration: '"soon" is not a duration such as 90m, 4h or 2d.' },
    });

    const valid = await submit({
      ...kind('demo'),
      template: { template: { selected_option: { value: 'esxi7' } } },
      duration: { duration: { value: '2h' } },
    });
    expect(valid.status).toBe(200);
    expect(valid.text).toBe('');
    const answer = await slack.waitFor('chat.postEphemeral');
    expect(answer.body).toMatchObject({ channel: 'C0LABS', user: 'U0ALICE' });
    expect(JSON.stringify(answer.body)).toContain('Estimated');
    const formLab = /(demo-[a-z0-9]+)/.exec(JSON.stringify(answer.body))?.[1] ?? '';
    const posted = await callMatching('chat.postMessage', says(`Lab ${formLab}`));
    expect(JSON.stringify(posted.body)).toContain('esxi7');
    expect(JSON.stringify(posted.body)).toMatch(/\*Expires\*\\nin (2h|1h 59m)/);
  });

  it('tells someone outside the allowed user groups why they cannot deploy, and leaves deploying out of their help', async () => {
    const refused = await slash('demo', 'U0MALLORY');
    const help = await slash('help', 'U0MALLORY');
    const form = await slash('', 'U0MALLORY');

    expect(JSON.stringify(refused.json)).toContain(
      'Deploying labs is limited to members of the user groups the labbot admins chose',
    );
    expect(JSON.stringify(help.json)).not.toContain('/lab demo');
    expect(JSON.stringify(form.json)).toContain('limited to members of the user groups');
  });

  it('hands a lab only to an active, human member of the team (users.info), who then owns it', async () => {
    slack.users.U0GONE = null;
    slack.users.U0ROBOT = { is_bot: true };
    slack.users.U0QUIT = { deleted: true };
    slack.users.U0GUEST = { is_restricted: true };
    slack.users.U0STRANGER = { team_id: 'T0OTHER', is_stranger: true };
    const deployed = await slash('demo esxi8');
    const id = /(demo-[a-z0-9]+)/.exec(JSON.stringify(deployed.json))?.[1] ?? '';
    expect(id).not.toBe('');

    const refusals = await Promise.all(
      ['U0GONE', 'U0ROBOT', 'U0QUIT', 'U0GUEST', 'U0STRANGER'].map((user) =>
        slash(`handoff ${id} <@${user}|someone>`),
      ),
    );
    const handed = await slash(`handoff ${id} <@U0BOB|bob>`);
    const bobsList = await slash('list', 'U0BOB');

    expect(refusals.map((r) => JSON.stringify(r.json))).toEqual([
      expect.stringContaining('There is no Slack user'),
      expect.stringContaining('is a bot or app'),
      expect.stringContaining('is deactivated'),
      expect.stringContaining('is a guest of this workspace'),
      expect.stringContaining('is not a member of this workspace'),
    ]);
    expect(JSON.stringify(handed.json)).toContain(`Lab ${id} now belongs to U0BOB`);
    expect(JSON.stringify(bobsList.json)).toContain(id);
  });

  it('serves Prometheus metrics: commands by verb and outcome, ack latency, labs by phase', async () => {
    const response = await fetch(`${baseUrl}/metrics`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/labbot_commands_total\{verb="demo",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/labbot_commands_total\{verb="teardown",outcome="refused"\} [1-9]/);
    expect(text).toMatch(/labbot_slack_ack_seconds_count\{kind="command"\} [1-9]/);
    expect(text).toMatch(/labbot_slack_ack_seconds_count\{kind="action"\} [1-9]/);
    expect(text).toMatch(/labbot_labs\{phase="[a-z]+"\} \d/);
    expect(text).toContain('labbot_process_cpu_seconds_total');
  });
  it('called only Web API methods whose scopes manifest.yml asks for', () => {
    const methods = slack.calls.map((c) => c.method).filter((m) => m !== 'response_url');

    expect(undeclaredMethods(methods)).toEqual([]);
  });
});
