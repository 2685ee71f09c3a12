import { hostname } from 'node:os';
import { type Readable, type Writable } from 'node:stream';
import { createCommandRunner } from './commands/run-command';
import { labReply, type LabViewContext } from './commands/lab-reply';
import { type Config } from './config/config';
import { describeConfig } from './config/redact';
import { LabController } from './controller/lab-controller';
import { causeChain } from './labs/errors';
import { LabService } from './labs/lab-service';
import { type Clock, type LabNotifier, type Logger, type Sleep } from './labs/ports';
import { createRootLogger } from './observability/logger';
import { runShell } from './shell/run-shell';
import { ShellNotifier } from './shell/shell-notifier';
import { createSlackApp } from './slack/create-slack-app';
import { SlackNotifier } from './slack/slack-notifier';
import { openDatabase } from './store/database';
import { createStore } from './store/create-store';
import { migrateToLatest } from './store/migrate';
import { VcdCloud } from './vcd/vcd-cloud';
import { startVcdSim, type VcdSim } from './vcdsim/vcd-sim';

/** The embedded simulator runs this much faster than a real VCD so that a demo lab is ready in seconds. */
const EMBEDDED_SIM_SPEED = 3;

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

const systemClock: Clock = { now: () => new Date() };
const systemSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The composition root: the only place that constructs concrete adapters and wires them together
 * (DESIGN.md section 2). Starts the bot in the mode the config selects.
 * @throws Error when the database cannot be opened or migrated, or the Slack app cannot listen.
 */
export async function startLabbot(config: Config, io: RunIo, options: StartOptions = {}): Promise<Running> {
  const logger = options.logger ?? createRootLogger(config.logLevel);
  logger.info({ config: describeConfig(config) }, 'starting labbot');
  const clock = systemClock;
  const random = Math.random;

  const cleanups: (() => Promise<void>)[] = [];
  const { cloud, sim } = await connectCloud(config, logger, options.simSpeedFactor ?? EMBEDDED_SIM_SPEED);
  cleanups.push(() => {
    cloud.close();
    return Promise.resolve();
  });
  if (sim) {
    cleanups.push(() => sim.close());
  }

  const db = await openDatabase(
    config.database.kind === 'sqlite'
      ? config.database
      : { kind: 'postgres', url: config.database.url.reveal() },
    logger.child({ component: 'store' }),
  );
  await migrateToLatest(db);
  // One holder id per process: claims keep replicas sharing a database from driving the same lab.
  const holder = `${hostname()}-${process.pid}-${Math.floor(random() * 1e9).toString(36)}`;
  const { labs: store, audit, claims, runs } = createStore(db, { holder, now: () => clock.now() });
  cleanups.unshift(() => store.close());

  const view = (): LabViewContext => ({
    now: clock.now(),
    rates: config.policy.rates,
    simulated: cloud.simulated,
  });
  let notifier: LabNotifier;
  const slack: { app?: ReturnType<typeof createSlackApp> } = {};
  const notifierProxy: LabNotifier = {
    labChanged: (lab, event) => notifier.labChanged(lab, event),
    tellAdmins: (message) => notifier.tellAdmins(message),
  };

  const controller = new LabController({
    store,
    cloud,
    notifier: notifierProxy,
    clock,
    sleep: systemSleep,
    logger: logger.child({ component: 'controller' }),
    policy: config.policy,
    audit,
    claims: { store: claims, holder },
  });
  const service = new LabService({ store, waker: controller, clock, random, policy: config.policy, audit });

  /** One controller pass: reconcile with VCD (one replica per minute) and resume any lab nobody drives. */
  const controllerLog = logger.child({ component: 'controller-pass' });
  const pass = async (): Promise<void> => {
    try {
      const minute = Math.floor(clock.now().getTime() / 60_000);
      if (await runs.shouldRun(`reconcile:${minute}`, 55_000)) {
        const report = await controller.reconcile();
        controllerLog.info({ ...report }, 'reconciled with VCD');
      }
    } catch (error) {
      controllerLog.error({ causes: causeChain(error) }, 'reconciliation failed; retrying on the next pass');
    }
    try {
      await controller.resumeAll();
    } catch (error) {
      controllerLog.error({ causes: causeChain(error) }, 'resuming labs failed; retrying on the next pass');
    }
  };
  const passTimer = setInterval(() => void pass(), CONTROLLER_PASS_MS);
  passTimer.unref();
  cleanups.unshift(() => {
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
  });

  const stopAll = async (): Promise<void> => {
    await controller.stop();
    if (slack.app) {
      await slack.app.stop();
    }
    for (const cleanup of cleanups) {
      await cleanup();
    }
  };

  if (config.slack.kind === 'shell') {
    notifier = new ShellNotifier((text) => io.stdout.write(`${text}\n`), view);
    await pass();
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

  if (config.slack.kind === 'socket') {
    await stopAll();
    throw new Error(
      'Socket Mode is not available in this version; set SLACK_SIGNING_SECRET instead of SLACK_APP_TOKEN to use HTTP mode.',
    );
  }

  const app = createSlackApp({
    botToken: config.slack.botToken.reveal(),
    signingSecret: config.slack.signingSecret.reveal(),
    port: config.slack.port,
    ...(config.slack.apiUrl !== undefined ? { apiUrl: config.slack.apiUrl } : {}),
    commands,
    logger: logger.child({ component: 'slack' }),
    readiness: () => Promise.resolve({ ready: true, detail: 'ok' }),
  });
  slack.app = app;
  notifier = new SlackNotifier({
    client: app.client,
    logger: logger.child({ component: 'slack-notifier' }),
    describe: (lab, event) => labReply(lab, view(), event),
    saveMessageRef: (labId, channel, ts) => store.setMessageRef(labId, channel, ts),
    admins: config.policy.admins,
  });
  await app.start();
  await pass();
  logger.info({ port: app.port, mode: 'http' }, 'labbot is listening for Slack');
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

async function connectCloud(
  config: Config,
  logger: Logger,
  simSpeedFactor: number,
): Promise<{ cloud: VcdCloud; sim?: VcdSim }> {
  const vcd = config.vcd;
  if (vcd.kind === 'simulated') {
    const sim = await startVcdSim({
      port: 0,
      speedFactor: simSpeedFactor,
      org: vcd.org,
      vdc: vcd.vdc,
      catalog: vcd.catalog,
    });
    const cloud = new VcdCloud({
      url: sim.url,
      org: vcd.org,
      vdc: vcd.vdc,
      catalog: vcd.catalog,
      networks: config.policy.networks,
      auth: { kind: 'token', apiToken: 'simulated-api-token' },
      simulated: true,
      logger: logger.child({ component: 'vcd' }),
    });
    return { cloud, sim };
  }
  const cloud = new VcdCloud({
    url: vcd.url,
    org: vcd.org,
    vdc: vcd.vdc,
    catalog: vcd.catalog,
    networks: config.policy.networks,
    auth:
      vcd.auth.kind === 'token'
        ? { kind: 'token', apiToken: vcd.auth.apiToken.reveal() }
        : { kind: 'password', user: vcd.auth.user, password: vcd.auth.password.reveal() },
    simulated: false,
    logger: logger.child({ component: 'vcd' }),
  });
  return { cloud };
}
