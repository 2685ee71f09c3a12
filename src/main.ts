import { type Readable, type Writable } from 'node:stream';
import { deployFormChoices, deployFormCommand, deployFormRefusal } from './commands/deploy-form';
import { homeReply } from './commands/home-reply';
import { labReply, scriptReplyIfAny, type LabViewContext } from './commands/lab-reply';
import { createCommandRunner } from './commands/run-command';
import { checkEdgeAtStart, composeCore } from './compose-core';
import { type Config } from './config/config';
import { describeConfig } from './config/redact';
import { type Logger } from './labs/ports';
import { type LabPolicy } from './labs/policy';
import { createRootLogger } from './observability/logger';
import { createMetrics, metricsHandler } from './observability/metrics';
import { monthOf } from './labs/billing';
import { digestReply } from './reaper/digest';
import { type ReaperMessenger } from './reaper/reaper-ports';
import { scheduleReaper } from './reaper/schedule';
import { LocalUserDirectory } from './shell/local-user-directory';
import { ShellMessenger } from './shell/shell-messenger';
import { runShell } from './shell/run-shell';
import { ShellNotifier } from './shell/shell-notifier';
import { createSlackApp } from './slack/create-slack-app';
import { extraRoutes, type HttpRoute } from './slack/health-routes';
import { createHostScriptDm } from './slack/host-script-dm';
import { keepaliveRoute } from './slack/keepalive-route';
import { startSideHttpServer } from './slack/side-http-server';
import { ticketHookRoute } from './slack/ticket-hook-route';
import { SlackMessenger } from './slack/slack-messenger';
import { SlackNotifier } from './slack/slack-notifier';
import { SlackUserDirectory } from './slack/slack-user-directory';
import { type VcdSim } from './vcdsim/vcd-sim';

/** How often the controller reconciles with VCD and picks up labs a dead replica left behind. */
const CONTROLLER_PASS_MS = 60_000;

export interface RunIo {
  stdin: Readable;
  stdout: Writable;
}

export interface Running {
  /** Resolves when the bot has stopped (end of input in the shell; a signal otherwise). */
  done: Promise<void>;
  stop(): Promise<void>;
  /** HTTP port in Slack modes. */
  port?: number;
  /** The embedded simulator, when VCD is simulated (tests look inside it). */
  simulator?: VcdSim;
}

export interface StartOptions {
  logger?: Logger;
  /** Speed of the embedded simulator; tests run it much faster than the default. */
  simSpeedFactor?: number;
}

/**
 * The composition root: the only place that constructs concrete adapters and wires them together
 * (DESIGN.md section 2). Starts the bot in the mode the config selects.
 * @throws Error when the database cannot be opened or migrated, or the Slack app cannot listen.
 */
export async function startLabbot(config: Config, io: RunIo, options: StartOptions = {}): Promise<Running> {
  const logger = options.logger ?? createRootLogger(config.logLevel);
  logger.info({ config: describeConfig(config) }, 'starting labbot');
  const core = await composeCore(
    config,
    logger,
    options.simSpeedFactor !== undefined ? { simSpeedFactor: options.simSpeedFactor } : {},
  );
  try {
    await checkEdgeAtStart(core.cloud, config, logger);
  } catch (error) {
    await core.close();
    throw error;
  }
  const { clock, random, cloud, service, controller } = core;
  const store = core.store.labs;
  const sim = core.simulator;
  const cleanups: (() => Promise<void>)[] = [];

  const view = (): LabViewContext => ({
    now: clock.now(),
    rates: config.policy.rates,
    simulated: cloud.simulated,
  });
  const slack: { app?: ReturnType<typeof createSlackApp> } = {};

  const passTimer = setInterval(() => void core.pass(), CONTROLLER_PASS_MS);
  passTimer.unref();
  cleanups.push(() => {
    clearInterval(passTimer);
    return Promise.resolve();
  });
  const commands = createCommandRunner({
    service,
    policy: config.policy,
    clock,
    random,
    logger: logger.child({ component: 'commands' }),
    simulated: cloud.simulated,
    ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}),
  });

  /** The reaper on its cron (one replica per tick), and the daily digest when an ops channel is configured. */
  const startReaper = (messenger: ReaperMessenger): void => {
    const reaperLog = logger.child({ component: 'reaper' });
    const reaper = config.policy.reaper;
    const cycle = scheduleReaper(
      reaper.cron,
      async () => {
        const report = await core.reap(reaper.mode, messenger);
        reaperLog.info(
          { mode: report.mode, decisions: report.decisions.length, notified: report.notified.length },
          'reaper cycle done',
        );
      },
      { coordinator: core.store.runs, logger: reaperLog, name: 'labbot-reaper' },
    );
    cleanups.push(() => cycle.stop());
    const channel = reaper.digestChannel;
    if (channel !== undefined) {
      const digest = scheduleReaper(
        reaper.digestCron,
        async () => {
          const labs = await service.history();
          const audit = await core.store.audit.list({ actor: 'reaper', limit: 1000 });
          const now = clock.now();
          const month = await core.store.ledger.intervals(monthOf(now).from, now);
          await messenger.post(channel, digestReply(labs, audit, now, config.policy.rates, month));
        },
        { coordinator: core.store.runs, logger: reaperLog, name: 'labbot-digest' },
      );
      cleanups.push(() => digest.stop());
    }
  };

  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups) {
      await cleanup();
    }
    if (slack.app) {
      await slack.app.stop();
    }
    await core.close();
  };

  if (config.slack.kind === 'shell') {
    const write = (text: string): void => {
      io.stdout.write(`${text}\n`);
    };
    core.setNotifier(new ShellNotifier(write, view));
    core.setDirectory(new LocalUserDirectory());
    startReaper(new ShellMessenger(write));
    await core.pass();
    const user = config.slack.user;
    const done = runShell({
      input: io.stdin,
      output: io.stdout,
      commands,
      user,
      idle: () => controller.idle(),
      banner: `labbot local shell as ${user}${cloud.simulated ? ', simulated VCD (nothing real is deployed)' : ''}. Type /lab help; end input (Ctrl-D) to quit.`,
    }).finally(stopAll);
    return { done, stop: stopAll, ...(sim ? { simulator: sim } : {}) };
  }

  // Slack (HTTP or Socket Mode): listeners, Home tab, deploy form, lab messages and metrics.
  const slackConfig = config.slack;
  const slackLog = logger.child({ component: 'slack' });
  const metrics = createMetrics({
    labsByPhase: async () => {
      const counts: Record<string, number> = {};
      for (const lab of await store.list({})) {
        counts[lab.phase] = (counts[lab.phase] ?? 0) + 1;
      }
      return counts;
    },
  });
  const metricsRoute: HttpRoute = {
    path: '/metrics',
    handle: metricsHandler(
      metrics,
      (error) => slackLog.error({ err: error }, 'Metrics scrape failed'),
      config.metrics.token?.reveal(),
    ),
  };
  const slackNotifier: { current?: SlackNotifier } = {};
  /**
   * The policy the deploy form offers `user`: configured templates and the captured ones they may use; the configured
   * ones if the store fails.
   */
  const formPolicy = async (user: string): Promise<LabPolicy> => {
    try {
      return { ...config.policy, templates: (await service.templates(user)).map((t) => t.template) };
    } catch (error) {
      slackLog.warn({ err: error }, 'Captured templates unavailable; the deploy form offers configured ones');
      return config.policy;
    }
  };
  const app = createSlackApp({
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
      await store.get('readiness-probe');
      return { ready: true, detail: 'ok' };
    },
    // /metrics on PORT unless it has a port of its own (LABBOT_METRICS_PORT, started below).
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
        now: () => clock.now(),
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
      }),
    form: {
      choices: async (user) => deployFormChoices(await formPolicy(user)),
      command: async (values, user) => deployFormCommand(values, await formPolicy(user)),
      refusal: (context) =>
        deployFormRefusal(
          config.policy,
          context.channel,
          service.mayDeploy(context.user, context.channel, context.userGroups ?? []),
        ),
    },
    refreshLab: (labId) => slackNotifier.current?.refresh(labId) ?? Promise.resolve(),
  });
  slack.app = app;
  core.setDirectory(new SlackUserDirectory(app.client));
  const labMessages = new SlackNotifier({
    client: app.client,
    logger: logger.child({ component: 'slack-notifier' }),
    describe: (lab, event) => labReply(lab, view(), event),
    saveMessageRef: (labId, channel, ts) => store.setMessageRef(labId, channel, ts),
    admins: config.policy.admins,
    loadLab: (labId) => store.get(labId),
    metrics,
  });
  slackNotifier.current = labMessages;
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
  cleanups.unshift(() => {
    labMessages.close();
    return Promise.resolve();
  });
  try {
    await app.start();
  } catch (error) {
    // Nothing of Slack is running to stop; release the store, the simulator and the timers, then report.
    slack.app = undefined;
    await stopAll();
    throw error;
  }
  if (config.metrics.port !== undefined) {
    try {
      const side = await startSideHttpServer(
        extraRoutes([metricsRoute]),
        config.metrics.port,
        config.metrics.host ?? '127.0.0.1',
        slackLog,
      );
      cleanups.push(() => side.close());
      logger.info({ port: side.port, host: config.metrics.host }, 'metrics listening on their own port');
    } catch (error) {
      await stopAll();
      throw error;
    }
  }
  startReaper(new SlackMessenger(app.client, logger.child({ component: 'reaper-messages' })));
  await core.pass();
  logger.info({ port: app.port, mode: app.mode }, 'labbot is listening for Slack');
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  return {
    done,
    port: app.port,
    ...(sim ? { simulator: sim } : {}),
    stop: async () => {
      await stopAll();
      resolveDone();
    },
  };
}
