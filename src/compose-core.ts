import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Config } from './config/config';
import { ConfigError } from './config/config-error';
import { LabController } from './controller/lab-controller';
import { causeChain } from './labs/errors';
import { LabService } from './labs/lab-service';
import { type Clock, type LabNotifier, type Logger, type Sleep } from './labs/ports';
import { type ReaperMessenger } from './reaper/reaper-ports';
import { runReapCycle, type ReapCycleReport } from './reaper/run-reap-cycle';
import { openDatabase } from './store/database';
import { createStore, type Store } from './store/create-store';
import { migrateToLatest } from './store/migrate';
import { VcdApiError } from './vcd/errors';
import { VcdCloud } from './vcd/vcd-cloud';
import { startVcdSim, type VcdSim } from './vcdsim/vcd-sim';

/** The embedded simulator runs this much faster than a real VCD so that a demo lab is ready in seconds. */
export const EMBEDDED_SIM_SPEED = 3;

const systemClock: Clock = { now: () => new Date() };
const systemSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything but the chat transport: cloud, store, controller, use cases and the reaper's cycle. */
export interface Core {
  clock: Clock;
  random: () => number;
  cloud: VcdCloud;
  simulator?: VcdSim;
  store: Store;
  controller: LabController;
  service: LabService;
  /** Replaced by the transport once it exists; until then notices are logged. */
  setNotifier(notifier: LabNotifier): void;
  /** One controller pass: reconcile with VCD (one replica per minute) and resume labs nobody drives. */
  pass(): Promise<void>;
  /** One reaper cycle in the given mode. */
  reap(mode: 'plan' | 'enforce', messenger: ReaperMessenger): Promise<ReapCycleReport>;
  /** Stops the controller and releases the store, the cloud client and the simulator. */
  close(): Promise<void>;
}

export interface CoreOptions {
  /** Speed of the embedded simulator; tests run it much faster than the default. */
  simSpeedFactor?: number;
}

/**
 * Builds the transport-independent part of labbot from the config (DESIGN.md section 2: the composition root
 * is main.ts and this file; nothing else constructs adapters). Shared by `labbot start`, `reap` and `doctor`.
 * @throws Error when the database cannot be opened or migrated, or the simulator cannot listen.
 */
export async function composeCore(config: Config, logger: Logger, options: CoreOptions = {}): Promise<Core> {
  const clock = systemClock;
  const random = Math.random;
  const closers: (() => Promise<void>)[] = [];
  const { cloud, sim } = await connectCloud(config, logger, options.simSpeedFactor ?? EMBEDDED_SIM_SPEED);
  closers.push(() => Promise.resolve(cloud.close()));
  if (sim) {
    closers.push(() => sim.close());
  }

  let db;
  try {
    db = await openDatabase(
      config.database.kind === 'sqlite'
        ? config.database
        : { kind: 'postgres', url: config.database.url.reveal() },
      logger.child({ component: 'store' }),
    );
    await migrateToLatest(db);
  } catch (error) {
    for (const close of closers) {
      await close();
    }
    throw error;
  }
  // Claims keep replicas sharing a database from driving the same lab. The holder id is stable across restarts
  // (the replica id, else the host name), and its old claims are dropped at start: they can only be a dead
  // predecessor's, so a restarted process takes its labs back at once. Replicas on one host need distinct ids.
  const holder = config.replicaId ?? hostname();
  const store = createStore(db, { holder, now: () => clock.now() });
  await store.claims.releaseAll(holder);
  closers.unshift(() => store.labs.close());

  let notifier: LabNotifier = {
    labChanged: () => Promise.resolve(),
    tellAdmins: (message) => {
      logger.warn({ notice: message }, 'admin notice before the transport started');
      return Promise.resolve();
    },
  };
  const controller = new LabController({
    store: store.labs,
    cloud,
    notifier: {
      labChanged: (lab, event) => notifier.labChanged(lab, event),
      tellAdmins: (message) => notifier.tellAdmins(message),
    },
    clock,
    sleep: systemSleep,
    logger: logger.child({ component: 'controller' }),
    policy: config.policy,
    audit: store.audit,
    claims: { store: store.claims, holder },
    captured: store.captured,
    ...(config.vcd.captureCatalog !== undefined ? { captureCatalog: config.vcd.captureCatalog } : {}),
    publicIps: store.publicIps,
  });
  const service = new LabService({
    store: store.labs,
    waker: controller,
    clock,
    random,
    policy: config.policy,
    audit: store.audit,
    signals: store.signals,
    captured: store.captured,
    newToken: () => randomBytes(18).toString('base64url'),
  });

  const passLog = logger.child({ component: 'controller-pass' });
  const pass = async (): Promise<void> => {
    try {
      const minute = Math.floor(clock.now().getTime() / 60_000);
      if (await store.runs.shouldRun(`reconcile:${minute}`, 55_000)) {
        const report = await controller.reconcile();
        passLog.info({ ...report }, 'reconciled with VCD');
      }
    } catch (error) {
      passLog.error({ causes: causeChain(error) }, 'reconciliation failed; retrying on the next pass');
    }
    try {
      await controller.resumeAll();
    } catch (error) {
      passLog.error({ causes: causeChain(error) }, 'resuming labs failed; retrying on the next pass');
    }
  };

  return {
    clock,
    random,
    cloud,
    ...(sim ? { simulator: sim } : {}),
    store,
    controller,
    service,
    setNotifier: (next) => {
      notifier = next;
    },
    pass,
    reap: (mode, messenger) =>
      runReapCycle(
        {
          store: store.labs,
          signals: store.signals,
          cloud,
          waker: controller,
          messenger,
          clock,
          policy: config.policy,
          logger: logger.child({ component: 'reaper' }),
          audit: store.audit,
          captured: store.captured,
        },
        mode,
      ),
    close: async () => {
      await controller.stop();
      for (const close of closers) {
        await close();
      }
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

/**
 * Refuses to start on an edge labs can never use: a VCD 10.6 `DISTRIBUTED_ONLY` NSX-T edge has no NAT and no
 * firewall, so every lab with a network block would fail at its edge rules. Any other trouble reading the edge (VCD
 * down at start, rights) is only logged: the controller retries, and `labbot doctor` explains it.
 *
 * @throws ConfigError naming edge.gateway and the fix.
 */
export async function checkEdgeAtStart(cloud: VcdCloud, config: Config, logger: Logger): Promise<void> {
  const edge = config.policy.edge;
  if (edge === undefined) {
    return;
  }
  try {
    const target = await cloud.describeEdge(edge.gateway);
    logger.info({ edge: edge.gateway, backing: target.kind }, 'edge gateway found');
  } catch (error) {
    if (error instanceof VcdApiError && error.minorErrorCode === 'EDGE_DISTRIBUTED_ONLY') {
      throw new ConfigError([
        {
          key: 'labbot.yml: edge.gateway',
          message: `${edge.gateway} is a DISTRIBUTED_ONLY NSX-T edge gateway: it has no NAT and no firewall`,
          fix: 'ask the provider to give the edge an edge cluster (deployment mode ACTIVE_STANDBY), or set edge.gateway to an edge gateway with NAT and firewall',
        },
      ]);
    }
    logger.warn({ edge: edge.gateway, causes: causeChain(error) }, 'edge gateway not checked at start');
  }
}
