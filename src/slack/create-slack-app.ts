import { type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { App, HTTPReceiver, SocketModeReceiver, type CustomRoute } from '@slack/bolt';
import { type CommandRunner } from '../commands/command-context';
import { type Logger, type Sleep } from '../labs/ports';
import { BoltLoggerAdapter } from './bolt-logger';
import { extraRoutes, healthRoutes, type HttpRoute, type ReadinessCheck } from './health-routes';
import { registerListeners } from './listeners';
import { asBoltMiddleware, createTrustGate } from './listeners/trust-gate';
import { guardNullBodies } from './null-body-guard';
import { guardReplays, inMemorySeenRequests, type SeenRequests } from './replay-guard';
import { createTrustCheck, type TrustPolicy } from './request-trust';
import { httpDispatchErrorHandler } from './dispatch-errors';
import { startSideHttpServer, type SideHttpServer } from './side-http-server';
import { NO_METRICS, type SlackMetrics } from './slack-metrics';
import {
  slackClientOptions,
  slackErrorCode,
  type SlackRetryPolicy,
  type SlackWebClient,
} from './slack-web-client';
import { createUserGroupResolver } from './user-groups';
import { type DeployFormPort } from './views/deploy-form-port';
import { createHomePublisher, type HomeSource } from './views/home-publisher';

export interface SlackAppOptions {
  /** `xoxb-…`; verified with `auth.test` by `start()`. */
  botToken: string;
  /** HTTP mode: Slack posts to `/slack/events`, signed with this secret. Exactly one of this and `appToken`. */
  signingSecret?: string;
  /** Socket Mode: `xapp-…` with `connections:write`; events arrive over a WebSocket the app opens. */
  appToken?: string;
  /**
   * HTTP port: `/slack/events` (HTTP mode), `/healthz`, `/readyz` and the extra routes (both modes; in Socket Mode
   * a side server of its own). 0 picks a free one (see `SlackApp.port`).
   */
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
  metrics?: SlackMetrics;
  /** User group ids of the deploy allow list; their members are looked up (and cached) only when set. */
  deployUserGroups?: readonly string[];
  /** How long a user group's member list is trusted. Default 5 minutes. */
  userGroupTtlMs?: number;
  /** A person's Home tab. Defaults to a pointer at `/lab help`. */
  home?: HomeSource;
  /** The deploy form; without it `/lab` alone shows help. */
  form?: DeployFormPort;
  /** Re-renders a lab's message after a button press changed it. Never rejects. Default: nothing. */
  refreshLab?: (labId: string) => Promise<void>;
  /**
   * Who may use the bot. `teams` defaults to the bot token's workspace (and its Grid organisation, if any) from
   * `auth.test`; guests and Slack Connect users are refused unless allowed.
   */
  trust?: { teams?: readonly string[]; allowGuests?: boolean; allowExternal?: boolean };
  /** Where HTTP mode records served signed requests (replay protection). Default: in this process only. */
  seenRequests?: SeenRequests;
  /** Milliseconds since the epoch, for replay and cache ages. Default Date.now. */
  now?: () => number;
}

export interface SlackApp {
  readonly mode: 'http' | 'socket';
  /** The port actually listened on (the ephemeral one when 0 was asked for); the configured one before start. */
  readonly port: number;
  /** Web API client bound to the bot token, with retries and the configured API URL. */
  readonly client: SlackWebClient;
  /**
   * Verifies the bot token (`auth.test`), starts serving HTTP and, in Socket Mode, connects to Slack (resolves
   * once Slack said hello).
   * @throws Error naming the Slack error and the fix when a token is rejected (e.g. `invalid_auth`) or Slack is
   * unreachable; the listen error when the port cannot be bound.
   */
  start(): Promise<void>;
  /**
   * Stops serving HTTP and closes the Socket Mode connection. In-flight listeners finish on their own.
   * @throws Error when the app was not started.
   */
  stop(): Promise<void>;
}

/** Where Slack posts commands, actions and events in HTTP mode (Bolt's default; DESIGN.md section 3). */
const EVENTS_PATH = '/slack/events';

/** A timer that does not hold the process open (a pending ack race must not delay shutdown). */
const realSleep: Sleep = (ms) => delay(ms, undefined, { ref: false });

const defaultHome: HomeSource = () =>
  Promise.resolve({
    visibility: 'ephemeral',
    tone: 'info',
    title: 'labbot',
    sections: [{ type: 'text', text: ['Type ', { code: '/lab help' }, ' in any conversation to start.'] }],
  });

function tokenError(which: string, call: string, error: unknown, fix: string): Error {
  const code = slackErrorCode(error);
  return new Error(
    code !== undefined
      ? `Slack rejected the ${which} (${call}: ${code}): ${fix}`
      : `Could not reach Slack to verify the ${which} (${call}): check network access to Slack and SLACK_API_URL, if set`,
    { cause: error },
  );
}

/**
 * The trust policy: the configured teams, else the bot token's own workspace and Grid organisation.
 * @throws Error naming auth.test when Slack does not answer it.
 */
async function resolveTrustPolicy(
  // Bolt's WebClient: who the token is, its workspace (`team_id`) and Grid organisation (`enterprise_id`).
  client: { auth: { test(): Promise<{ team_id?: string; enterprise_id?: string }> } },
  trust: SlackAppOptions['trust'],
): Promise<TrustPolicy> {
  let teams = trust?.teams !== undefined && trust.teams.length > 0 ? [...trust.teams] : undefined;
  if (teams === undefined) {
    let auth;
    try {
      auth = await client.auth.test();
    } catch (error) {
      throw tokenError(
        'bot token',
        'auth.test',
        error,
        'check that SLACK_BOT_TOKEN is valid and Slack is reachable',
      );
    }
    teams = [auth.team_id, auth.enterprise_id].filter((t): t is string => typeof t === 'string' && t !== '');
  }
  return { teams, allowGuests: trust?.allowGuests ?? false, allowExternal: trust?.allowExternal ?? false };
}

/**
 * Builds the Bolt app, the only place that constructs Bolt. No network I/O happens until `start()`.
 *
 * HTTP mode (`signingSecret`): Slack posts commands, actions and events to `/slack/events` (signature and
 * 5-minute staleness checked by Bolt's HTTPReceiver, 401 otherwise), and the health routes are served on the
 * same port. `processBeforeResponse: false`, so each ack goes out the moment a listener calls it.
 *
 * Socket Mode (`appToken`): Bolt's SocketModeReceiver opens `apps.connections.open`'s WebSocket (on the same
 * SLACK_API_URL as every other call) and acks over it; the health routes get a side HTTP server on `port`.
 * While the socket is down `/readyz` says so.
 *
 * Every Web API call goes through the app's client: bounded retries, 429s waited out per Retry-After, and a
 * request timeout (slack-web-client.ts); no listener waits for one before its ack.
 * @throws Error when neither or both of `signingSecret` and `appToken` are given; AppInitializationError (from
 * Bolt) when the one given is empty.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  // The caller binds `component` (main.ts does, per observability/logger.ts); binding it again would duplicate it.
  const logger = options.logger;
  if ((options.signingSecret === undefined) === (options.appToken === undefined)) {
    throw new Error(
      'createSlackApp needs exactly one of signingSecret (HTTP mode) and appToken (Socket Mode)',
    );
  }
  const mode = options.appToken !== undefined ? 'socket' : 'http';
  const boltLogger = new BoltLoggerAdapter(logger);
  const metrics = options.metrics ?? NO_METRICS;

  let socketConnected = false;
  const readiness: ReadinessCheck =
    mode === 'socket'
      ? () =>
          socketConnected
            ? options.readiness()
            : Promise.resolve({ ready: false, detail: 'Socket Mode: not connected to Slack' })
      : options.readiness;
  const routes: CustomRoute[] = [...healthRoutes(readiness, logger), ...extraRoutes(options.routes ?? [])];

  let receiver: SocketModeReceiver | undefined;
  if (options.appToken !== undefined) {
    receiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger: boltLogger,
      // apps.connections.open goes to the same Web API as everything else; the socket client keeps its own
      // (long) retry policy for reconnecting.
      installerOptions: {
        clientOptions: {
          ...(options.apiUrl !== undefined ? { slackApiUrl: options.apiUrl } : {}),
          timeout: options.requestTimeoutMs ?? 10_000,
        },
      },
    });
    const client = receiver.client;
    client.on('connected', () => {
      socketConnected = true;
      logger.info({}, 'Socket Mode connected');
    });
    // `close` is the socket dropping; the client emits `reconnecting` only after its back-off delay.
    for (const state of ['close', 'reconnecting', 'disconnecting', 'disconnected']) {
      client.on(state, () => {
        if (socketConnected) {
          logger.warn({ state }, 'Socket Mode connection lost');
        }
        socketConnected = false;
      });
    }
  }

  // HTTP mode: the receiver Bolt would build from the same options, with a guard for a Bolt bug in front of it
  // (null-body-guard.ts).
  const httpReceiver = receiver
    ? undefined
    : new HTTPReceiver({
        signingSecret: options.signingSecret ?? '',
        endpoints: EVENTS_PATH,
        processBeforeResponse: false,
        customRoutes: routes,
        logger: boltLogger,
        // Bolt's default logs the whole URL, query (a keep-alive token) included, and answers a malformed path 500.
        dispatchErrorHandler: httpDispatchErrorHandler(logger),
      });
  if (httpReceiver) {
    const replayGuarded = guardReplays(httpReceiver.requestListener, {
      endpoint: EVENTS_PATH,
      signingSecret: options.signingSecret ?? '',
      seen: options.seenRequests ?? inMemorySeenRequests(options.now),
      logger,
      ...(options.now ? { now: options.now } : {}),
    });
    httpReceiver.requestListener = guardNullBodies(replayGuarded, EVENTS_PATH);
  }

  const app = new App({
    token: options.botToken,
    logger: boltLogger,
    // Keep the constructor free of network calls; start() runs auth.test and fails loudly on a bad token.
    deferInitialization: true,
    // Bolt adds its logger (the adapter above) to these.
    clientOptions: slackClientOptions(options),
    receiver: receiver ?? httpReceiver,
    // No listener reads `context.conversation`. Bolt's default store answers every request without a stored
    // conversation with a rejected promise carrying a new Error (a stack trace captured per ack): CPU on every ack
    // for nothing (issue 17 target 4).
    convoStore: false,
  });

  // Until start() has asked auth.test which workspace the token belongs to, nothing is trusted (fail closed).
  let trustPolicy: TrustPolicy | undefined;
  const trust = createTrustCheck({
    client: app.client,
    policy: () => trustPolicy,
    logger,
    // Its own timer: the injected sleep is the ack budget's, which tests play by hand.
    sleep: realSleep,
    metrics,
    ...(options.now ? { clock: options.now } : {}),
  });
  app.use(asBoltMiddleware(createTrustGate(trust, logger, metrics)));

  const userGroups = createUserGroupResolver({
    client: app.client,
    groups: options.deployUserGroups ?? [],
    logger,
    metrics,
    ...(options.userGroupTtlMs !== undefined ? { ttlMs: options.userGroupTtlMs } : {}),
  });
  const home = createHomePublisher({
    client: app.client,
    source: options.home ?? defaultHome,
    logger,
    metrics,
    userGroups,
  });

  registerListeners(app, {
    commands: options.commands,
    logger,
    sleep: options.sleep ?? realSleep,
    ...(options.ackBudgetMs !== undefined ? { ackBudgetMs: options.ackBudgetMs } : {}),
    client: app.client,
    metrics,
    ...((options.deployUserGroups ?? []).length > 0 ? { userGroups } : {}),
    home,
    ...(options.form ? { form: options.form } : {}),
    refreshLab: options.refreshLab ?? (() => Promise.resolve()),
    timeZoneOf: (user) => trust.timeZoneOf(user),
  });

  let port = options.port;
  let side: SideHttpServer | undefined;
  const host = options.host ?? '127.0.0.1';
  return {
    mode,
    get port() {
      return port;
    },
    client: app.client,
    async start() {
      try {
        await app.init();
      } catch (error) {
        throw tokenError(
          'bot token',
          'auth.test',
          error,
          "check that SLACK_BOT_TOKEN is the app's Bot User OAuth Token (xoxb-…) of an installed app",
        );
      }
      trustPolicy = await resolveTrustPolicy(app.client, options.trust);
      logger.info(
        {
          teams: trustPolicy.teams,
          allowGuests: trustPolicy.allowGuests,
          allowExternal: trustPolicy.allowExternal,
        },
        'Slack trust policy',
      );
      userGroups.warm();
      if (!receiver) {
        const server = await app.start({ port: options.port, host });
        port = (server.address() as AddressInfo).port;
        logger.info({ port, host }, 'Slack HTTP receiver listening');
        return;
      }
      side = await startSideHttpServer(routes, options.port, host, logger);
      port = side.port;
      try {
        await app.start();
      } catch (error) {
        await side.close();
        side = undefined;
        throw tokenError(
          'app token',
          'apps.connections.open',
          error,
          'check that SLACK_APP_TOKEN is an app-level token (xapp-…) with the connections:write scope and that Socket Mode is enabled for the app',
        );
      }
      logger.info({ port, host }, 'Slack Socket Mode receiver connected; health routes listening');
    },
    async stop() {
      if (receiver) {
        // Bolt's receiver.stop() does not wait for the close handshake; the client's disconnect() does.
        await receiver.client.disconnect();
        await side?.close();
        side = undefined;
        logger.info({ port }, 'Slack Socket Mode receiver stopped');
        return;
      }
      await app.stop();
      logger.info({ port }, 'Slack HTTP receiver stopped');
    },
  };
}
