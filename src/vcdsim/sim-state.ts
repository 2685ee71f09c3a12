/**
 * The simulated org: one VDC, its networks, a catalog of templates, the vApps instantiated from them and the tasks
 * that change them. Reads settle due tasks first, so whoever looks sees the world as of the injected clock.
 */
import { randomUUID } from 'node:crypto';
import { EDGE_GATEWAY_NAME, NETWORK_SEEDS, TEMPLATE_SEEDS } from './catalog-seed';
import {
  type SimCatalog,
  type SimNetwork,
  type SimOrg,
  type SimTask,
  type SimTemplate,
  type SimUser,
  type SimVApp,
  type SimVdc,
  type TaskError,
} from './model';
import { IpPool, MacAllocator } from './network-pools';
import { SessionStore } from './session-store';
import { isInFlight, settleDueTasks } from './task-engine';

/** Task durations at speed factor 1, in ms (the brief's defaults; power-off style actions take 3 s). */
export const TASK_DURATIONS_MS = {
  instantiate: 8000,
  powerOn: 4000,
  deploy: 4000,
  powerOff: 3000,
  shutdown: 3000,
  suspend: 3000,
  reboot: 4000,
  reset: 2000,
  undeploy: 3000,
  delete: 2000,
  metadata: 500,
} as const;

/** Resolved configuration of one simulator instance. */
export interface SimConfig {
  readonly orgName: string;
  readonly vdcName: string;
  readonly catalogName: string;
  readonly userName: string;
  readonly password: string;
  readonly apiToken: string;
  readonly speedFactor: number;
  readonly now: () => number;
}

interface InjectedFailure {
  readonly operationName: string;
  readonly error: TaskError;
}

export class SimState {
  readonly org: SimOrg;
  readonly user: SimUser;
  readonly vdc: SimVdc;
  readonly catalog: SimCatalog;
  readonly networks: readonly SimNetwork[];
  readonly templates: readonly SimTemplate[];
  readonly sessions: SessionStore;
  readonly macs = new MacAllocator();
  private readonly pools = new Map<string, IpPool>();
  private readonly vAppsById = new Map<string, SimVApp>();
  private readonly tasksById = new Map<string, SimTask>();
  private readonly failures: InjectedFailure[] = [];

  /** @throws Error when the seed data is inconsistent (a programming error, not a runtime condition). */
  constructor(readonly config: SimConfig) {
    const now = config.now();
    this.sessions = new SessionStore(config.now);
    this.org = { id: randomUUID(), name: config.orgName };
    this.user = { id: randomUUID(), name: config.userName };
    this.vdc = { id: randomUUID(), name: config.vdcName, createdAt: now };
    this.catalog = { id: randomUUID(), name: config.catalogName, createdAt: now };
    this.networks = NETWORK_SEEDS.map((seed) => ({ ...seed, id: randomUUID(), edgeName: EDGE_GATEWAY_NAME }));
    for (const network of this.networks) {
      this.pools.set(network.id, new IpPool(network.poolStart, network.poolEnd));
    }
    this.templates = TEMPLATE_SEEDS.map((seed) => ({
      id: randomUUID(),
      name: seed.name,
      description: seed.description,
      createdAt: now,
      vms: seed.vms.map((spec) => ({
        id: randomUUID(),
        spec,
        macs: spec.nics.map(() => this.macs.allocate()),
      })),
      networkNames: [...new Set(seed.vms.flatMap((vm) => vm.nics.map((nic) => nic.network)))],
    }));
  }

  /** The injected clock. */
  now(): number {
    return this.config.now();
  }

  /** Ends every task whose time has come and applies its effect. Idempotent; every read calls it. */
  settle(): void {
    settleDueTasks(this.tasksById.values(), this.now());
  }

  /** Live vApps in creation order (the query service's default order, like VCD's database id order). */
  vApps(): SimVApp[] {
    this.settle();
    return [...this.vAppsById.values()];
  }

  vApp(id: string): SimVApp | undefined {
    this.settle();
    return this.vAppsById.get(id);
  }

  /** The live vApp with this exact name, if any (names are unique per VDC). */
  findVAppByName(name: string): SimVApp | undefined {
    return this.vApps().find((v) => v.name === name);
  }

  task(id: string): SimTask | undefined {
    this.settle();
    return this.tasksById.get(id);
  }

  tasks(): SimTask[] {
    this.settle();
    return [...this.tasksById.values()];
  }

  /** The queued or running task of a vApp, if any (VCD runs one at a time per entity). */
  activeTaskOf(vAppId: string): SimTask | undefined {
    this.settle();
    for (const task of this.tasksById.values()) {
      if (task.ownerId === vAppId && isInFlight(task)) {
        return task;
      }
    }
    return undefined;
  }

  network(id: string): SimNetwork | undefined {
    return this.networks.find((n) => n.id === id);
  }

  networkByName(name: string): SimNetwork | undefined {
    return this.networks.find((n) => n.name === name);
  }

  template(id: string): SimTemplate | undefined {
    return this.templates.find((t) => t.id === id);
  }

  pool(networkId: string): IpPool | undefined {
    return this.pools.get(networkId);
  }

  /**
   * Makes the next task with this operation name (e.g. `vappDeploy`, or `*` for any) end in `error` with the given
   * Error instead of succeeding. For fault-injection tests.
   */
  failNextTask(operationName: string, error?: Partial<TaskError>): void {
    this.failures.push({
      operationName,
      error: {
        majorErrorCode: error?.majorErrorCode ?? 500,
        minorErrorCode: error?.minorErrorCode ?? 'INTERNAL_SERVER_ERROR',
        message: error?.message ?? 'Simulated failure injected by the test.',
      },
    });
  }

  /** Ends every login session, so the next call gets 401 (tests of re-login). */
  expireSessions(): void {
    this.sessions.closeAll();
  }

  /** @internal Registers a new vApp (used by the operations). */
  addVApp(vApp: SimVApp): void {
    this.vAppsById.set(vApp.id, vApp);
  }

  /** @internal Removes a vApp and returns its pool addresses. */
  removeVApp(id: string): void {
    const vApp = this.vAppsById.get(id);
    if (vApp === undefined) {
      return;
    }
    for (const nic of vApp.vms.flatMap((vm) => vm.nics)) {
      if (nic.ip !== undefined && nic.ipPoolNetworkId !== undefined) {
        this.pools.get(nic.ipPoolNetworkId)?.release(nic.ip);
      }
    }
    this.vAppsById.delete(id);
  }

  /**
   * @internal Starts a task on a vApp. Its duration is divided by the speed factor; power-style tasks spend their
   * first tenth (at most 250 ms) queued, as VCD's 202 answers often show, while instantiation starts running at
   * once (fixture: instantiate response with status="running").
   */
  startTask(spec: {
    operationName: string;
    operation: string;
    vApp: SimVApp;
    durationMs: number;
    queued: boolean;
    onSuccess: (endedAt: number) => void;
    onFailure?: () => void;
  }): SimTask {
    const durationMs = spec.durationMs / this.config.speedFactor;
    const failureIndex = this.failures.findIndex(
      (f) => f.operationName === spec.operationName || f.operationName === '*',
    );
    const failure = failureIndex >= 0 ? this.failures.splice(failureIndex, 1)[0] : undefined;
    const task: SimTask = {
      id: randomUUID(),
      operationName: spec.operationName,
      operation: spec.operation,
      ownerKind: 'vapp',
      ownerId: spec.vApp.id,
      ownerName: spec.vApp.name,
      createdAt: this.now(),
      queueMs: spec.queued ? Math.min(250 / this.config.speedFactor, durationMs / 10) : 0,
      durationMs,
      user: this.user,
      cancelRequested: false,
      onSuccess: spec.onSuccess,
      onFailure: spec.onFailure ?? (() => undefined),
      injectedError: failure?.error,
    };
    this.tasksById.set(task.id, task);
    return task;
  }

  /** @internal Cancels an in-flight task: it ends `canceled` now and its effect is not applied. */
  cancelTask(task: SimTask): void {
    if (!isInFlight(task)) {
      return;
    }
    task.cancelRequested = true;
    task.finalStatus = 'canceled';
    task.endedAt = this.now();
    task.onFailure();
  }
}
