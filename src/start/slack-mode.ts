/**
 * `labbot start` on Slack (HTTP or Socket Mode): the Bolt app with its listeners, Home tab and deploy form, the lab
 * messages and host-script DMs, /metrics, and the reaper posting to Slack.
 */
import { deployFormChoices, deployFormCommand, deployFormRefusal } from '../commands/deploy-form';
import { homeReply } from '../commands/home-reply';
import { labReply, scriptReplyIfAny } from '../commands/lab-reply';
import { type Config } from '../config/config';
import { type LabPolicy } from '../labs/policy';
import { type LabStore, type Logger } from '../labs/ports';
import { createMetrics, metricsHandler, type LabbotMetrics } from '../observability/metrics';
import { createSlackApp, type SlackApp } from '../slack/create-slack-app';
import { extraRoutes, type HttpRoute } from '../slack/health-routes';
import { createHostScriptDm } from '../slack/host-script-dm';
import { keepaliveRoute } from '../slack/keepalive-route';
import { startSideHttpServer } from '../slack/side-http-server';
import { ticketHookRoute } from '../slack/ticket-hook-route';
import { SlackMessenger } from '../slack/slack-messenger';
import { SlackNotifier } from '../slack/slack-notifier';
import { SlackUserDirectory } from '../slack/slack-user-directory';
import { SlackClassRoster } from '../slack/class-roster';
import { rosterReply } from '../commands/class-reply';
import { type ModeContext, type Running } from './running';
import { startReaperJobs } from './scheduled-jobs';

type SlackConfig = Exclude<Config['slack'], { kind: 'shell' }>;

/**
 * Starts the Slack app and everything that posts through it, runs one controller pass, and returns once Slack
 * listens. On failure, whatever was started (the core included) is stopped before the error is thrown.
 * @throws Error when Slack refuses the token or a port cannot be bound.
 */
export async function startSlackMode(context: ModeContext, slackConfig: SlackConfig): Promise<Running> {
  const { config, core, logger, shutdown } = context;
  const slackLog = logger.child({ component: 'slack' });
  const metrics = createMetrics({ labsByPhase: () => labsByPhase(core.store.labs) });
  const metricsRoute: HttpRoute = {
    path: '/metrics',
    handle: metricsHandler(
      metrics,
      (error) => slackLog.error({ err: error }, 'Metrics scrape failed'),
      config.metrics.token?.reveal(),
    ),
  };
  const labMessages: { current?: SlackNotifier } = {};
  const app = createSlackApp(
    slackAppOptions(context, slackConfig, slackLog, metrics, metricsRoute, (labId) =>
      labMessages.current === undefined ? Promise.resolve() : labMessages.current.refresh(labId),
    ),
  );
  core.setDirectory(new SlackUserDirectory(app.client));
  labMessages.current = notifyThroughSlack(context, app, metrics);
  try {
    await app.start();
  } catch (error) {
    // Nothing of Slack is running to stop; release the store, the simulator and the timers, then report.
    await shutdown.run();
    throw error;
  }
  shutdown.last(() => app.stop());
  if (config.metrics.port !== undefined) {
    try {
      const side = await startSideHttpServer(
        extraRoutes([metricsRoute]),
        config.metrics.port,
        config.metrics.host ?? '127.0.0.1',
        slackLog,
      );
      shutdown.add(() => side.close());
      logger.info({ port: side.port, host: config.metrics.host }, 'metrics listening on their own port');
    } catch (error) {
      await shutdown.run();
      throw error;
    }
  }
  shutdown.add(
    ...startReaperJobs(
      core,
      config,
      logger,
      new SlackMessenger(app.client, logger.child({ component: 'reaper-messages' })),
    ),
  );
  await core.pass();
  logger.info({ port: app.port, mode: app.mode }, 'labbot is listening for Slack');
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  return {
    done,
    port: app.port,
    ...(core.simulator ? { simulator: core.simulator } : {}),
    stop: async () => {
      await shutdown.run();
      resolveDone();
    },
  };
}

/** The Bolt app's options: tokens, listeners' runner, Home tab, deploy form, readiness and extra routes. */
function slackAppOptions(
  context: ModeContext,
  slackConfig: SlackConfig,
  slackLog: Logger,
  metrics: LabbotMetrics,
  metricsRoute: HttpRoute,
  refreshLab: (labId: string) => Promise<void>,
): Parameters<typeof createSlackApp>[0] {
  const { config, core, commands, view } = context;
  const service = core.service;
  const formPolicy = (user: string): Promise<LabPolicy> => deployFormPolicy(context, user, slackLog);
  return {
    botToken: slackConfig.botToken.reveal(),
    ...(slackConfig.kind === 'socket'
      ? { appToken: slackConfig.appToken.reveal() }
      : { signingSecret: slackConfig.signingSecret.reveal() }),
    port: slackConfig.port,
    ...(slackConfig.apiUrl !== undefined ? { apiUrl: slackConfig.apiUrl } : {}),
    commands,
    logger: slackLog,
    // Ready when the store answers (the cloud is polled by the controller and may be down without the bot being so).
    readiness: async () => {
      await core.store.labs.get('readiness-probe');
      return { ready: true, detail: 'ok' };
    },
    // /metrics on PORT unless it has a port of its own (LABBOT_METRICS_PORT, started by startSlackMode).
    routes: [
      ...(config.metrics.port === undefined ? [metricsRoute] : []),
      keepaliveRoute((labId, token) => service.keepalive(labId, token), slackLog),
      ticketHookRoute({
        secrets: {
          ...(config.ticketHooks.jira !== undefined ? { jira: config.ticketHooks.jira.reveal() } : {}),
          ...(config.ticketHooks.zendesk !== undefined
            ? { zendesk: config.ticketHooks.zendesk.reveal() }
            : {}),
        },
        now: () => core.clock.now(),
        firstSighting: (key, expiresAt) => core.store.slackRequests.firstSighting(key, expiresAt),
        ticketChanged: (source, ticket, closed) => service.ticketChanged(source, ticket, closed),
        logger: slackLog.child({ component: 'ticket-hooks' }),
      }),
    ],
    trust: config.slackTrust,
    // Shared by every replica on the database, so a replay sent to another replica is refused as well.
    seenRequests: core.store.slackRequests,
    metrics,
    deployUserGroups: config.policy.access.deployUserGroups,
    home: async (user, { userGroups, notice }) =>
      homeReply(await service.list(user, false), view(), {
        // A lab deployed from the Home tab lives in the person's DM, so that is the conversation to check.
        mayDeploy: service.mayDeploy(user, user, userGroups),
        ...(notice ? { notice } : {}),
        classes: await core.classes.list(user),
      }),
    form: {
      choices: async (user) => deployFormChoices(await formPolicy(user)),
      command: async (values, user) => deployFormCommand(values, await formPolicy(user)),
      refusal: (request) =>
        deployFormRefusal(
          config.policy,
          request.channel,
          service.mayDeploy(request.user, request.channel, request.userGroups ?? []),
        ),
    },
    refreshLab,
  };
}

/**
 * The policy the deploy form offers `user`: its templates are the ones `/lab templates` lists and a deploy accepts
 * (LabService.deployableTemplates); the configured ones if the store fails.
 */
async function deployFormPolicy(context: ModeContext, user: string, log: Logger): Promise<LabPolicy> {
  const policy = context.config.policy;
  try {
    return { ...policy, templates: await context.core.service.deployableTemplates(user) };
  } catch (error) {
    log.warn({ err: error }, 'Captured templates unavailable; the deploy form offers configured ones');
    return policy;
  }
}

/** Lab messages in their channels, host scripts by DM when a lab is ready, failures counted; stopped first. */
function notifyThroughSlack(context: ModeContext, app: SlackApp, metrics: LabbotMetrics): SlackNotifier {
  const { config, core, logger, view, shutdown } = context;
  const store = core.store.labs;
  const labMessages = new SlackNotifier({
    client: app.client,
    logger: logger.child({ component: 'slack-notifier' }),
    describe: (lab, event) => labReply(lab, view(), event),
    saveMessageRef: (labId, channel, ts) => store.setMessageRef(labId, channel, ts),
    admins: config.policy.admins,
    loadLab: (labId) => store.get(labId),
    metrics,
  });
  const hostScripts = createHostScriptDm({
    client: app.client,
    logger: logger.child({ component: 'slack-notifier' }),
    scripts: scriptReplyIfAny,
    metrics,
  });
  core.setNotifier({
    labChanged: async (lab, event) => {
      if (event.type === 'failed') {
        metrics.labFailed();
      }
      await labMessages.labChanged(lab, event);
      if (event.type === 'ready') {
        await hostScripts(lab);
      }
    },
    tellAdmins: (message) => labMessages.tellAdmins(message),
  });
  shutdown.first(() => {
    labMessages.close();
    return Promise.resolve();
  });
  postClassRosters(context, app);
  return labMessages;
}

/** Each class's roster message in its channel, posted once and kept up to date; stopped first. */
function postClassRosters(context: ModeContext, app: SlackApp): void {
  const { core, logger, view, shutdown } = context;
  const rosters = new SlackClassRoster({
    client: app.client,
    logger: logger.child({ component: 'class-roster' }),
    load: (name) => core.classes.show(name).catch(() => undefined),
    describe: (classroom, seats, labs) => rosterReply(classroom, seats, labs, view()),
    saveRef: (name, channel, ts) => core.store.classes.setRosterRef(name, channel, ts),
  });
  core.setRoster((name) => rosters.rosterChanged(name));
  shutdown.first(() => {
    rosters.close();
    return Promise.resolve();
  });
}

/** Labs per phase, for the labbot_labs gauge. */
async function labsByPhase(store: LabStore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const lab of await store.list({})) {
    counts[lab.phase] = (counts[lab.phase] ?? 0) + 1;
  }
  return counts;
}
