/**
 * Issue 14 item 6 (HTTP side): the keep-alive route on the real Bolt HTTP receiver and on Socket Mode's side
 * server. The token never reaches a log line, whatever the method; malformed percent-encodings are answered 400.
 */
import { createSlackApp, type SlackApp } from '../../src/slack/create-slack-app';
import { extraRoutes } from '../../src/slack/health-routes';
import { keepaliveRoute } from '../../src/slack/keepalive-route';
import { startSideHttpServer, type SideHttpServer } from '../../src/slack/side-http-server';
import { FakeSlackApi } from '../helpers/fake-slack-api';
import { recordingLogger } from '../helpers/logger';

const TOKEN = 'kA7-secret-keepalive-token';

describe('slack/keepalive-route', () => {
  let fake: FakeSlackApi;
  let app: SlackApp | undefined;
  let side: SideHttpServer | undefined;
  let logger: ReturnType<typeof recordingLogger>;
  const hits: { labId: string; token: string }[] = [];

  const keepalive = (labId: string, token: string): Promise<boolean> => {
    hits.push({ labId, token });
    return Promise.resolve(labId === 'demo-4kq' && token === TOKEN);
  };

  beforeAll(async () => {
    fake = await FakeSlackApi.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    logger = recordingLogger();
    hits.length = 0;
  });
  afterEach(async () => {
    await app?.stop();
    await side?.close();
    app = undefined;
    side = undefined;
    fake.reset();
  });

  async function httpMode(): Promise<number> {
    app = createSlackApp({
      botToken: 'xoxb-test-token',
      signingSecret: 'test-signing-secret',
      port: 0,
      apiUrl: fake.apiUrl,
      commands: { run: () => Promise.reject(new Error('no commands here')) },
      logger,
      readiness: () => Promise.resolve({ ready: true, detail: 'ready' }),
      retry: { retries: 0 },
      routes: [keepaliveRoute(keepalive, logger)],
    });
    await app.start();
    return app.port;
  }

  async function sideServer(): Promise<number> {
    side = await startSideHttpServer(
      extraRoutes([keepaliveRoute(keepalive, logger)]),
      0,
      '127.0.0.1',
      logger,
    );
    return side.port;
  }

  const servers: [string, () => Promise<number>][] = [
    ['HTTP mode (Bolt)', httpMode],
    ['Socket Mode side server', sideServer],
  ];

  describe.each(servers)('on the %s', (_name, start) => {
    it('records a GET or POST with the lab’s token (204) and answers anything else 404', async () => {
      const port = await start();
      const url = (lab: string, token: string): string =>
        `http://127.0.0.1:${port}/labs/${lab}/keepalive?token=${token}`;

      expect((await fetch(url('demo-4kq', TOKEN))).status).toBe(204);
      expect((await fetch(url('demo-4kq', TOKEN), { method: 'POST' })).status).toBe(204);
      expect((await fetch(url('demo-4kq', 'wrong'))).status).toBe(404);
      expect((await fetch(url('demo-nope', TOKEN))).status).toBe(404);
      expect(hits).toHaveLength(4);
    });

    it('answers malformed percent-encodings in the path or the query 400, not 500, and records nothing', async () => {
      const port = await start();

      const path = await fetch(`http://127.0.0.1:${port}/labs/%E0%A4%A/keepalive?token=${TOKEN}`);
      const query = await fetch(`http://127.0.0.1:${port}/labs/demo-4kq/keepalive?token=%E0%A4%A${TOKEN}`);
      const alone = await fetch(`http://127.0.0.1:${port}/labs/demo-4kq/keepalive?token=%`);

      expect([path.status, query.status, alone.status]).toEqual([400, 400, 400]);
      expect(hits).toEqual([]);
    });

    it('never logs the token, whatever the method or the outcome', async () => {
      const port = await start();
      const base = `http://127.0.0.1:${port}`;

      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
        await fetch(`${base}/labs/demo-4kq/keepalive?token=${TOKEN}`, { method });
        await fetch(`${base}/labs/%E0%A4%A/keepalive?token=${TOKEN}`, { method });
        await fetch(`${base}/nowhere?token=${TOKEN}`, { method });
      }

      expect(logger.lines.length).toBeGreaterThan(0);
      expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
    });
  });
});
