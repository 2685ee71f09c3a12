import { type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { App } from '@slack/bolt';
import { type CommandRunner } from '../commands/command-context';
import { type Logger, type Sleep } from '../labs/ports';
import { BoltLoggerAdapter } from './bolt-logger';
import { extraRoutes, healthRoutes, type HttpRoute, type ReadinessCheck } from './health-routes';
import { registerListeners } from './listeners';
import {
  slackClientOptions,
  slackErrorCode,
  type SlackRetryPolicy,
  type SlackWebClient,
} from './slack-web-client';

export interface SlackAppOptions {
  /** `xoxb-…`; verified with `auth.test` by `start()`. */
  botToken: string;
  signingSecret: string;
  /** HTTP port for `/slack/events`, `/healthz`, `/readyz`; 0 picks a free one (see `SlackApp.port`). */
  port: number;
  /**
   * Interface to listen on. Defaults to 127.0.0.1: Slack only posts to HTTPS URLs and Bolt serves plain HTTP, so
   * a TLS-terminating proxy sits in front; set `0.0.0.0` when that proxy is on another host or in a container.
   */
  host?: string;
  /** SLACK_API_URL: the Web API base URL (tests point it at a local fake). Defaults to https://slack.com/api/. */
  apiUrl?: string;
  commands: CommandRunner;
  logger: Logger;
  readiness: ReadinessCheck;
  /** Further GET routes on the same port (`/metrics`). */
  routes?: HttpRoute[];
  /** Web API retries; defaults to DEFAULT_SLACK_RETRY_POLICY (5 retries in about five minutes). */
  retry?: SlackRetryPolicy;
  /** Per-request Web API timeout; a hung connection is retried instead of hanging a listener. Default 10 s. */
  requestTimeoutMs?: number;
  /** Injected wait for the slash-command ack budget (tests control it); defaults to a real timer. */
  sleep?: Sleep;
  /** Ack budget of the `/lab` listener; defaults to 2500 ms. */
  ackBudgetMs?: number;
}

export interface SlackApp {
  /** The port actually listened on (the ephemeral one when 0 was asked for); the configured one before start. */
  readonly port: number;
  /** Web API client bound to the bot token, with retries and the configured API URL. */
  readonly client: SlackWebClient;
  /**
   * Verifies the bot token (`auth.test`) and starts serving HTTP.
   * @throws Error naming the Slack error and the fix when the token is rejected (e.g. `invalid_auth`) or Slack is
   * unreachable; the listen error when the port cannot be bound.
   */
  start(): Promise<void>;
  /**
   * Stops serving HTTP. In-flight listeners finish on their own.
   * @throws Error when the app was not started.
   */
  stop(): Promise<void>;
}

/** A timer that does not hold the process open (a pending ack race must not delay shutdown). */
const realSleep: Sleep = (ms) => delay(ms, undefined, { ref: false });

/**
 * Builds the Bolt app in HTTP mode: Slack posts commands, actions and events to `/slack/events` (signature and
 * 5-minute staleness checked by Bolt's HTTPReceiver, 401 otherwise), and `/healthz`, `/readyz` are served on the
 * same port. `processBeforeResponse: false`, so each ack goes out the moment a listener calls it. The only place
 * that constructs Bolt; no network I/O happens until `start()`.
 * @throws AppInitializationError (from Bolt) when the signing secret is empty.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  // The caller binds `component` (main.ts does, per observability/logger.ts); binding it again would duplicate it.
  const logger = options.logger;
  const app = new App({
    token: options.botToken,
    signingSecret: options.signingSecret,
    logger: new BoltLoggerAdapter(logger),
    processBeforeResponse: false,
    // Keep the constructor free of network calls; start() runs auth.test and fails loudly on a bad token.
    deferInitialization: true,
    customRoutes: [...healthRoutes(options.readiness, logger), ...extraRoutes(options.routes ?? [])],
    // Bolt adds its logger (the adapter above) to these.
    clientOptions: slackClientOptions(options),
  });

  registerListeners(app, {
    commands: options.commands,
    logger,
    sleep: options.sleep ?? realSleep,
    ...(options.ackBudgetMs !== undefined ? { ackBudgetMs: options.ackBudgetMs } : {}),
  });

  let port = options.port;
  return {
    get port() {
      return port;
    },
    client: app.client,
    async start() {
      try {
        await app.init();
      } catch (error) {
        const code = slackErrorCode(error);
        throw new Error(
          code !== undefined
            ? `Slack rejected the bot token (auth.test: ${code}): check that SLACK_BOT_TOKEN is the app's ` +
                'Bot User OAuth Token (xoxb-…) of an installed app'
            : 'Could not reach Slack to verify the bot token (auth.test): check network access to Slack and ' +
                'SLACK_API_URL, if set',
          { cause: error },
        );
      }
      const server = await app.start({ port: options.port, host: options.host ?? '127.0.0.1' });
      port = (server.address() as AddressInfo).port;
      logger.info({ port, host: options.host ?? '127.0.0.1' }, 'Slack HTTP receiver listening');
    },
    async stop() {
      await app.stop();
      logger.info({ port }, 'Slack HTTP receiver stopped');
    },
  };
}
