/**
 * The Bolt app in Socket Mode against a fake Slack: apps.connections.open hands out a local fake WebSocket
 * server's URL. Start failures name the fix; readiness follows the connection.
 */
import { type Logger } from '../../src/labs/ports';
import { createSlackApp, type SlackApp } from '../../src/slack/create-slack-app';
import { FakeSlackApi } from '../helpers/fake-slack-api';
import { FakeSocketModeServer } from './fake-socket-mode-server';
import { recordingLogger } from '../helpers/logger';

/** A recording logger that also resolves `lost` when the app logs that the socket dropped. */
function watchingLogger(): { logger: Logger; lost: Promise<void> } {
  let resolve!: () => void;
  const lost = new Promise<void>((r) => (resolve = r));
  const base = recordingLogger();
  const wrap = (inner: Logger): Logger => ({
    ...inner,
    warn: (fields, message) => {
      inner.warn(fields, message);
      if (message === 'Socket Mode connection lost') {
        resolve();
      }
    },
    child: (bindings) => wrap(inner.child(bindings)),
  });
  return { logger: wrap(base), lost };
}

describe('slack/create-slack-app (Socket Mode)', () => {
  let fake: FakeSlackApi;
  let socket: FakeSocketModeServer;
  let app: SlackApp | undefined;

  beforeEach(async () => {
    fake = await FakeSlackApi.start();
    socket = await FakeSocketModeServer.start();
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await socket.stop();
    await fake.stop();
  });

  function build(logger: Logger = recordingLogger()): SlackApp {
    app = createSlackApp({
      botToken: 'xoxb-test',
      appToken: 'xapp-test',
      port: 0,
      apiUrl: fake.apiUrl,
      commands: { run: () => Promise.reject(new Error('unused')) },
      logger,
      readiness: () => Promise.resolve({ ready: true, detail: 'ready' }),
      retry: { retries: 0 },
    });
    return app;
  }

  it('refuses to build with neither or both of a signing secret and an app token', () => {
    const common = {
      botToken: 'xoxb-test',
      port: 0,
      commands: { run: () => Promise.reject(new Error('unused')) },
      logger: recordingLogger(),
      readiness: () => Promise.resolve({ ready: true, detail: 'ready' }),
    };

    expect(() => createSlackApp(common)).toThrow(/exactly one of signingSecret/);
    expect(() => createSlackApp({ ...common, signingSecret: 's', appToken: 'xapp-1' })).toThrow(
      /exactly one/,
    );
  });

  it('fails to start, naming the Slack error and the fix, when the app token is rejected', async () => {
    fake.socketModeUrl = undefined; // the fake then answers apps.connections.open with invalid_auth

    await expect(build().start()).rejects.toThrow(
      /Slack rejected the app token \(apps.connections.open: invalid_auth\): check that SLACK_APP_TOKEN is an app-level token/,
    );
    app = undefined;
  });

  it('is ready once connected, and says it is not ready as soon as the socket drops', async () => {
    fake.socketModeUrl = socket.url;
    const { logger, lost } = watchingLogger();
    const started = build(logger);
    await started.start();
    const readyz = () => fetch(`http://127.0.0.1:${started.port}/readyz`);

    const connected = await readyz();
    await socket.stop();
    await lost;
    const dropped = await readyz();

    expect(started.mode).toBe('socket');
    expect(connected.status).toBe(200);
    expect(dropped.status).toBe(503);
    expect((await dropped.text()).trim()).toBe('Socket Mode: not connected to Slack');
  });
});
