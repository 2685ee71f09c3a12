import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Config } from './config/config';
import { ConfigError } from './config/config-error';
import { warnLateScheduledLabs } from './controller/late-scheduled-labs';
import { LabController } from './controller/lab-controller';
import { causeChain } from './labs/errors';
import { describeVcd, managedVcd, vcdDifferences } from './labs/installation';
import { ClassService } from './labs/class-service';
import { LabService } from './labs/lab-service';
import {
  type Clock,
  type Installation,
  type LabNotifier,
  type Logger,
  type ManagedVcd,
  type Sleep,
  type UserDirectory,
} from './labs/ports';
import { type ReaperMessenger } from './reaper/reaper-ports';
import { runReapCycle, type ReapCycleReport } from './reaper/run-reap-cycle';
import { openDatabase } from './store/database';
import { createStore, type Store } from './store/create-store';
import { migrateToLatest } from './store/migrate';
import { VcdApiError } from './vcd/errors';
import { type VcdCloud } from './vcd/vcd-cloud';
import { createVcdCloud, type VcdConnection } from './vcd-connection';
import { type VcdSim } from './vcdsim/vcd-sim';

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
  /** This installation as its store records it (its VCD is the one this process talks to). */
  installation: Installation;
  controller: LabController;
  service: LabService;
  /** Classrooms (`/lab class`). */
  classes: ClassService;
  /** Set by the transport: keeps a class's roster message current (Slack); until then rosters are not posted. */
  setRoster(roster: (className: string) => Promise<void>): void;
  /** Replaced by the transport once it exists; until then notices are logged. */
  setNotifier(notifier: LabNotifier): void;
  /** Who may receive a hand-off, set by the transport (Slack's users.info, or the local shell's); until then nobody. */
  setDirectory(directory: UserDirectory): void;
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
  /** The clock of the controller, use cases and passes; tests of scheduled labs move it by hand. Default: the system's. */
  clock?: Clock;
}

/**
 * Builds the transport-independent part of labbot from the config (DESIGN.md section 2: the composition root
 * is main.ts and this file; nothing else constructs adapters). Shared by `labbot start`, `reap` and `doctor`.
 * @throws ConfigError when the store manages another VCD than the configured one (nothing is started then);
 *   Error when the database cannot be opened or migrated, or the simulator cannot listen.
 */
export async function composeCore(config: Config, logger: Logger, options: CoreOptions = {}): Promise<Core> {
  const clock = options.clock ?? systemClock;
  const random = Math.random;
  const closers: (() => Promise<void>)[] = [];
  // The store opens first: a service account's rotating VCD token lives there.
  const db = await openDatabase(
    config.database.kind === 'sqlite'
      ? config.database
      : { kind: 'postgres', url: config.database.url.reveal() },
    logger.child({ component: 'store' }),
  );
  let vcd: VcdConnection;
  try {
    await migrateToLatest(db);
    vcd = await createVcdCloud(config, {
      logger,
      database: db,
      simSpeedFactor: options.simSpeedFactor ?? EMBEDDED_SIM_SPEED,
    });
  } catch (error) {
    await db.close();
    throw error;
  }
  const { cloud, simulator: sim } = vcd;
  closers.push(() => vcd.close());
  // Claims keep replicas sharing a database from driving the same lab. The holder id is stable across restarts
  // (the replica id, else the host name), and its old claims are dropped at start: they can only be a dead
  // predecessor's, so a restarted process takes its labs back at once. Replicas on one host need distinct ids.
  const holder = config.replicaId ?? hostname();
  const store = createStore(db, { holder, now: () => clock.now() });
  closers.unshift(() => store.labs.close());
  let installation: Installation;
  try {
    installation = await checkInstallation(store, configuredVcd(config), clock.now());
  } catch (error) {
    for (const close of closers) {
      await close();
    }
    throw error;
  }
  logger.info({ installation: installation.id, vcd: installation.vcd }, 'installation');
  await store.claims.releaseAll(holder);

  let notifier: LabNotifier = {
    labChanged: () => Promise.resolve(),
    tellAdmins: (message) => {
      logger.warn({ notice: message }, 'admin notice before the transport started');
      return Promise.resolve();
    },
  };
  let roster: (className: string) => Promise<void> = () => Promise.resolve();
  const classLog = logger.child({ component: 'classes' });
  // Declared before the controller, assigned below: a class lab's events replace failed labs and update rosters.
  const classHook: { current?: ClassService } = {};
  // Forwards to whichever notifier the transport set last (it starts after the controller), then lets the class a
  // lab belongs to follow its events.
  const currentNotifier: LabNotifier = {
    labChanged: async (lab, event) => {
      await notifier.labChanged(lab, event);
      try {
        const className = await classHook.current?.labChanged(lab, event);
        if (className !== undefined) {
          await roster(className);
        }
      } catch (error) {
        classLog.error({ labId: lab.id, causes: causeChain(error) }, 'class follow-up of a lab event failed');
      }
    },
    tellAdmins: (message) => notifier.tellAdmins(message),
    tellOwner: (lab, message) =>
      notifier.tellOwner?.(lab, message) ?? notifier.labChanged(lab, { type: 'progress', message }),
  };
  const controller = new LabController({
    store: store.labs,
    cloud,
    notifier: currentNotifier,
    clock,
    sleep: systemSleep,
    logger: logger.child({ component: 'controller' }),
    policy: config.policy,
    audit: store.audit,
    claims: { store: store.claims, holder },
    captured: store.captured,
    ...(config.vcd.captureCatalog !== undefined ? { captureCatalog: config.vcd.captureCatalog } : {}),
    publicIps: store.publicIps,
    installationId: installation.id,
    sightings: store.sightings,
  });
  // Fails closed until the transport sets its own: a hand-off before then is refused, never let through unchecked.
  let directory: UserDirectory = {
    lookup: () => Promise.reject(new Error('no user directory yet: the chat transport has not started')),
  };
  const service = new LabService({
    store: store.labs,
    waker: controller,
    clock,
    random,
    policy: config.policy,
    audit: store.audit,
    signals: store.signals,
    captured: store.captured,
    deployHistory: store.labs,
    newToken: () => randomBytes(18).toString('base64url'),
    directory: { lookup: (userId) => directory.lookup(userId) },
    isTrainerOf: (user: string, labId: string): Promise<boolean> =>
      classHook.current?.isTrainerOf(user, labId) ?? Promise.resolve(false),
    ledger: store.ledger,
  });
  const classes = new ClassService({
    labs: service,
    store: store.labs,
    classes: store.classes,
    waker: controller,
    clock,
    random,
    policy: config.policy,
    audit: store.audit,
    newToken: () => randomBytes(18).toString('base64url'),
    directory: {
      lookup: (userId) => directory.lookup(userId),
      channelMembers: (channel) =>
        directory.channelMembers?.(channel) ?? Promise.reject(new Error('no channel members here')),
      userGroupMembers: (group) =>
        directory.userGroupMembers?.(group) ?? Promise.reject(new Error('no user group members here')),
    },
    rosterChanged: (name) => void roster(name),
  });
  classHook.current = classes;

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
    try {
      // Scheduled labs running late (issue 18): one replica per minute looks, so an owner gets one message.
      const minute = Math.floor(clock.now().getTime() / 60_000);
      if (await store.runs.shouldRun(`late-scheduled:${minute}`, 55_000)) {
        await warnLateScheduledLabs({
          store: store.labs,
          notifier: currentNotifier,
          clock,
          policy: config.policy,
          logger: passLog,
          audit: store.audit,
        });
      }
    } catch (error) {
      passLog.error({ causes: causeChain(error) }, 'late warnings failed; retrying on the next pass');
    }
  };

  return {
    clock,
    random,
    cloud,
    ...(sim ? { simulator: sim } : {}),
    store,
    installation,
    controller,
    service,
    classes,
    setRoster: (next) => {
      roster = next;
    },
    setNotifier: (next) => {
      notifier = next;
    },
    setDirectory: (next) => {
      directory = next;
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
          rhythms: store.rhythms,
          installationId: installation.id,
          classHours: async (ids) => {
            const wanted = new Set(ids);
            const seats = (await store.classes.liveSeats()).filter(({ seat }) => wanted.has(seat.labId));
            return new Map(
              seats.map(({ seat, classroom }) => [
                seat.labId,
                {
                  className: classroom.name,
                  trainer: classroom.trainer,
                  startsAt: classroom.startsAt,
                  endsAt: classroom.endsAt,
                },
              ]),
            );
          },
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

/** The VCD this process is configured for, as a store records it (the embedded simulator by name, not by URL). */
export function configuredVcd(config: Config): ManagedVcd {
  return managedVcd(config.vcd);
}

/**
 * The store's installation, recorded with `current` on the first start; the same VCD on every later one, or labbot
 * refuses to start: a process that sees another VCD (a secret not mounted, so the embedded simulator; a changed
 * VCD_URL or org) would find none of the labs' vApps.
 * @throws ConfigError naming what differs and the fixes, the explicit move included.
 */
export async function checkInstallation(
  store: Pick<Store, 'installation'>,
  current: ManagedVcd,
  now: Date,
): Promise<Installation> {
  const installation = await store.installation.ensure({ id: randomUUID(), vcd: current, createdAt: now });
  const differences = vcdDifferences(installation.vcd, current);
  if (differences.length === 0) {
    return installation;
  }
  const keys = { endpoint: 'VCD_URL', org: 'VCD_ORG', vdc: 'VCD_VDC' } as const;
  throw new ConfigError([
    {
      key: differences.map((d) => keys[d]).join(', '),
      message: `this store (installation ${installation.id}) manages ${describeVcd(installation.vcd)}, but this process is configured for ${describeVcd(current)}; it would see none of the labs' vApps, so it does not start`,
      fix: `set ${differences.map((d) => keys[d]).join(', ')} to the VCD the store manages (is a secret not mounted?), or point LABBOT_DATA_DIR / DATABASE_URL at the store of this VCD; to move this installation to the configured VCD on purpose, run \`npx labbot migrate-vcd --to-current\` with this configuration once (README: "Moving an installation to another VCD")`,
    },
  ]);
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
    const target = await cloud.inspector.describeEdge(edge.gateway);
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
