import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot, type Running } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { FakeSlackApi, type RecordedCall } from '../helpers/fake-slack-api';
import { signSlackRequest, slashCommandBody } from '../helpers/slack-signing';

const SECRET = 'e2e-signing-secret';

/**
 * The real app in HTTP mode: signed slash commands in, a fake Slack Web API recording every call, the
 * embedded simulator as VCD (DESIGN.md section 6, end to end).
 */
describe('e2e: HTTP mode with signed requests, fake Slack Web API and the simulator', () => {
  let slack: FakeSlackApi;
  let running: Running;
  let dataDir: string;
  let baseUrl: string;

  beforeAll(async () => {
    slack = await FakeSlackApi.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-http-'));
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      LABBOT_DATA_DIR: dataDir,
    });
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

  async function slash(text: string, options: { secret?: string; user?: string } = {}) {
    const body = slashCommandBody({
      text,
      responseUrl: slack.responseUrl(),
      userId: options.user ?? 'U0ALICE',
      channelId: 'C0LABS',
    });
    const headers = signSlackRequest(options.secret ?? SECRET, body, Math.floor(Date.now() / 1000));
    const started = performance.now();
    const response = await fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body });
    const ms = performance.now() - started;
    const text_ = await response.text();
    return { status: response.status, ms, json: text_ ? (JSON.parse(text_) as Record<string, unknown>) : {} };
  }

  /** Waits until the lab message (posted, then updated) says `words`; returns that call. */
  async function labMessageSaying(words: string): Promise<RecordedCall> {
    for (let n = 1; ; n++) {
      const call = await slack.waitFor('chat.update', n);
      if (JSON.stringify(call.body).includes(words)) {
        return call;
      }
    }
  }

  it('answers a signed /lab help within 3 s, and refuses a bad signature with 401', async () => {
    const ok = await slash('help');
    const forged = await slash('help', { secret: 'not-the-secret' });

    expect(ok.status).toBe(200);
    expect(ok.ms).toBeLessThan(3000);
    expect(JSON.stringify(ok.json)).toContain('/lab demo [template] [for DURATION]');
    expect(forged.status).toBe(401);
  });

  it('deploys with /lab demo: acks at once, posts the lab message, updates it to ready with access info and a Tear down button', async () => {
    const ack = await slash('demo esxi8');

    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3000);
    expect(ack.json.response_type).toBe('ephemeral');
    const posted = await slack.waitFor('chat.postMessage');
    expect(posted.body.channel).toBe('C0LABS');
    const ready = await labMessageSaying('ready');
    const blocks = JSON.stringify(ready.body.blocks);
    expect(blocks).toMatch(/00:50:56:[0-9a-f:]{8}/);
    expect(blocks).toContain('vmnic0');
    expect(blocks).toMatch(/vmnic1 +00:50:56:[0-9a-f:]{8} +VM Network +[0-9.]* +E1000/);
    expect(blocks).toMatch(/so far, \$0\.18\/h/);
    expect(blocks).toContain('"action_id":"lab_teardown"');
    expect(blocks).toContain('"confirm"');

    const labId = /Lab (demo-[a-z0-9]+): ready/.exec(blocks)?.[1] ?? '';
    // Its owner gets the host script as a DM: the port groups and the MAC of each VM-network vmnic.
    let dm: RecordedCall | undefined;
    for (let n = 2; dm === undefined; n++) {
      const call = await slack.waitFor('chat.postMessage', n);
      dm =
        call.body.channel === 'U0ALICE' && JSON.stringify(call.body).includes('labbot_set_mac')
          ? call
          : undefined;
    }
    expect(JSON.stringify(dm.body.blocks)).toMatch(
      /labbot_set_mac VMID '00:50:56:[0-9a-f:]{8}' labbot-vmnic1/,
    );
    const teardown = await slash(`teardown ${labId}`);
    expect(teardown.status).toBe(200);
    await labMessageSaying(`Lab ${labId}: deleted`);
    expect(running.simulator?.state.findVAppByName(`lab-${labId}`)).toBeUndefined();
  });

  it('shows a ticket id typed as <!channel> escaped, never as a mention', async () => {
    const reply = await slash('repro <!channel>');

    expect(reply.status).toBe(200);
    const shown = JSON.stringify(reply.json);
    expect(shown).toContain('&lt;!channel&gt;');
    expect(shown).not.toContain('<!channel>');
  });

  it('refuses a teardown by someone who does not own the lab, and says why', async () => {
    const deployed = await slash('repro SUP-77 esxi7', { user: 'U0BOB' });
    const labId = /repro-sup-77/.exec(JSON.stringify(deployed.json))?.[0] ?? 'missing';

    const refused = await slash(`teardown ${labId}`, { user: 'U0MALLORY' });

    expect(JSON.stringify(refused.json)).toContain(
      'belongs to someone else; only its owner or an admin can tear it down',
    );
  });
});
