import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot, type Running } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { FakeSlackApi, type RecordedCall } from '../helpers/fake-slack-api';
import { FakeSocketModeServer } from '../slack/fake-socket-mode-server';

function slashCommand(text: string, user = 'U0ALICE'): Record<string, unknown> {
  return {
    token: 'deprecated-verification-token',
    team_id: 'T0FAKE',
    team_domain: 'fake',
    channel_id: 'C0LABS',
    channel_name: 'labs',
    user_id: user,
    user_name: 'alice',
    command: '/lab',
    text,
    api_app_id: 'A0LABBOT',
    response_url: 'https://hooks.slack.test/commands/1',
    trigger_id: '1.2.abc',
  };
}

/**
 * The real app in Socket Mode: `apps.connections.open` on the fake Web API hands out the URL of a local fake
 * Socket Mode server, which delivers envelopes over a WebSocket and records the acks; `/healthz`, `/readyz` and
 * `/metrics` are served on the side port.
 */
describe('e2e: Socket Mode against a local fake Slack', () => {
  let slack: FakeSlackApi;
  let socket: FakeSocketModeServer;
  let running: Running;
  let dataDir: string;
  let sideUrl: string;

  beforeAll(async () => {
    slack = await FakeSlackApi.start();
    socket = await FakeSocketModeServer.start();
    slack.socketModeUrl = socket.url;
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-socket-'));
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_APP_TOKEN: 'xapp-e2e',
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      LABBOT_DATA_DIR: dataDir,
    });
    running = await startLabbot(
      config,
      { stdin: new PassThrough(), stdout: new PassThrough() },
      { logger: createSilentLogger(), simSpeedFactor: 500 },
    );
    sideUrl = `http://127.0.0.1:${running.port ?? 0}`;
  });

  afterAll(async () => {
    await running.stop();
    await socket.stop();
    await slack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function callMatching(method: string, words: string): Promise<RecordedCall> {
    for (let n = 1; ; n++) {
      const call = await slack.waitFor(method, n);
      if (JSON.stringify(call.body).includes(words)) {
        return call;
      }
    }
  }

  it('connects with the app token (apps.connections.open) and serves health, readiness and metrics on the side port', async () => {
    await socket.connected();

    const [open] = slack.callsTo('apps.connections.open');
    expect(open?.headers.authorization).toBe('Bearer xapp-e2e');
    expect(slack.callsTo('auth.test')[0]?.headers.authorization).toBe('Bearer xoxb-e2e');
    expect(running.port).toBeGreaterThan(0);
    const healthz = await fetch(`${sideUrl}/healthz`);
    const readyz = await fetch(`${sideUrl}/readyz`);
    const metrics = await fetch(`${sideUrl}/metrics`);
    const missing = await fetch(`${sideUrl}/slack/events`);
    expect(healthz.status).toBe(200);
    expect(readyz.status).toBe(200);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('labbot_slack_ack_seconds');
    expect(missing.status).toBe(404);
  });

  it('answers /lab help in the ack sent back over the socket', async () => {
    const id = socket.send({ type: 'slash_commands', payload: slashCommand('help') });

    const ack = await socket.ackOf(id);

    expect(ack.response_type).toBe('ephemeral');
    expect(JSON.stringify(ack)).toContain('/lab demo [template] [for DURATION]');
  });

  it('deploys with /lab demo, posts the lab message through the Web API, and tears down on a button press', async () => {
    const id = socket.send({ type: 'slash_commands', payload: slashCommand('demo esxi8') });
    const ack = await socket.ackOf(id);
    const labId = /(demo-[a-z0-9]+)/.exec(JSON.stringify(ack))?.[1] ?? '';
    const ready = await callMatching('chat.update', `Lab ${labId}: ready`);

    const press = socket.send({
      type: 'interactive',
      payload: {
        type: 'block_actions',
        user: { id: 'U0ALICE', username: 'alice' },
        team: { id: 'T0FAKE', domain: 'fake' },
        api_app_id: 'A0LABBOT',
        token: 'deprecated-verification-token',
        trigger_id: '2.3.def',
        container: { type: 'message', message_ts: ready.body.ts, channel_id: 'C0LABS', is_ephemeral: false },
        channel: { id: 'C0LABS', name: 'labs' },
        message: { type: 'message', ts: ready.body.ts, text: '' },
        response_url: slack.responseUrl('actions/1'),
        actions: [{ type: 'button', action_id: 'lab_teardown', block_id: 'b', value: labId, action_ts: '1' }],
      },
    });
    await socket.ackOf(press);

    await callMatching('chat.update', `Lab ${labId}: deleted`);
    expect(running.simulator?.state.findVAppByName(`lab-${labId}`)).toBeUndefined();
  });

  it('publishes the App Home on app_home_opened delivered over the socket', async () => {
    const id = socket.send({
      type: 'events_api',
      payload: {
        token: 'deprecated-verification-token',
        team_id: 'T0FAKE',
        api_app_id: 'A0LABBOT',
        type: 'event_callback',
        event_id: 'Ev0HOME',
        event_time: 1,
        event: { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home', event_ts: '1' },
      },
    });
    await socket.ackOf(id);

    const published = await slack.waitFor('views.publish');
    expect(published.body.user_id).toBe('U0ALICE');
    expect(JSON.stringify(published.body.view)).toContain('"type":"home"');
  });
});
