import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot, type Running } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { FakeSlackApi } from '../helpers/fake-slack-api';
import { signSlackRequest, slashCommandBody } from '../helpers/slack-signing';

const SECRET = 'e2e-signing-secret';

/** A port nothing listens on right now (the metrics port must be known before labbot starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/**
 * Issue 14 items 4 and 9 through the composition root: the real app in HTTP mode with its store, a fake Slack and the
 * simulator. `/metrics` on a port of its own behind a bearer token; a replayed slash command refused by the
 * database-backed replay guard.
 */
describe('e2e: HTTP hardening (metrics port and token, replay guard on the store)', () => {
  let slack: FakeSlackApi;
  let running: Running;
  let dataDir: string;
  let metricsPort: number;

  beforeAll(async () => {
    slack = await FakeSlackApi.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-hardening-'));
    metricsPort = await freePort();
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      LABBOT_DATA_DIR: dataDir,
      LABBOT_METRICS_PORT: String(metricsPort),
      LABBOT_METRICS_TOKEN: 'scrape-token',
    });
    running = await startLabbot(
      config,
      { stdin: new PassThrough(), stdout: new PassThrough() },
      { logger: createSilentLogger(), simSpeedFactor: 500 },
    );
  });

  afterAll(async () => {
    await running.stop();
    await slack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves /metrics on its own port to the token’s bearer only, and not on the Slack port', async () => {
    const url = `http://127.0.0.1:${metricsPort}/metrics`;

    const anonymous = await fetch(url);
    const scraper = await fetch(url, { headers: { authorization: 'Bearer scrape-token' } });
    const onSlackPort = await fetch(`http://127.0.0.1:${running.port ?? 0}/metrics`, {
      headers: { authorization: 'Bearer scrape-token' },
    });

    expect(anonymous.status).toBe(401);
    expect(scraper.status).toBe(200);
    expect(await scraper.text()).toContain('labbot_labs');
    expect(onSlackPort.status).toBe(404);
  });

  it('runs a signed /lab command once, refusing the same request replayed', async () => {
    const body = slashCommandBody({ text: 'list', responseUrl: slack.responseUrl(), channelId: 'C0LABS' });
    const headers = signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000));
    const post = () =>
      fetch(`http://127.0.0.1:${running.port ?? 0}/slack/events`, { method: 'POST', headers, body });

    const first = await post();
    const replay = await post();

    expect(first.status).toBe(200);
    expect(await first.text()).toContain('no live labs');
    expect(replay.status).toBe(401);
  });
});
