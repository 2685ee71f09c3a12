/**
 * The simulated org: its VDCs (with quotas), networks, the edge gateway, a catalog of templates, the vApps instantiated
 * from them and the tasks that change them. Reads settle the world first (due tasks end, expired runtime leases stop
 * their vApps, in time order), so whoever looks sees it as of the injected clock.
 */
import { ServiceAccountTokens } from './service-account';
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_PUBLIC_IPS,
  DEFAULT_VDC_LIMITS,
  EDGE_GATEWAY_NAME,
  NETWORK_SEEDS,
  TEMPLATE_SEEDS,
  UPLINK_SEED,
} from './catalog-seed';
import { type EdgeOptions } from './cloudapi/nsxt-model';
import { NsxtWorld, type NsxtSnapshot } from './cloudapi/nsxt-world';
import { STATUS } from './media-types';
import {
  type SimCatalog,
  type SimEdgeGateway,
  type SimNetwork,
  type SimOrg,
  type SimTask,
  type SimTemplate,
  type SimUser,
  type SimVApp,
  type SimVdc,
  type SimVm,
  type TaskError,
  type TaskOwnerKind,
  type UsageProfile,
} from './model';
import { LeaseWatch, runtimeLeaseExpiry } from './lease-watch';
import { IpPool, MacAllocator } from './network-pools';
import { setStatus } from './power-state';
import { SessionStore, SESSION_IDLE_TIMEOUT_MS } from './session-store';
import { SimError } from './sim-error';
import { dueAt, finishTask, isInFlight } from './task-engine';
import { DEFAULT_USAGE } from './usage-model';

export { runtimeLeaseExpiry };

/** Task durations at speed factor 1, in ms. */
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
  updateVm: 2000,
  updateLease: 500,
  capture: 10000,
  configureEdge: 5000,
} as const;

/** Real VCD's default for `OperationsPerOrg` is unlimited; the simulator limits by default so clients meet the error. */
export const DEFAULT_MAX_CONCURRENT_TASKS = 10;

/** One VDC of the org; limits default to DEFAULT_VDC_LIMITS, 0 means unlimited. */
export interface SimVdcConfig {
  readonly name: string;
  readonly cpuLimitMhz?: number;
  readonly memoryLimitMb?: number;
  readonly storageLimitMb?: number;
  readonly vCpuMhz?: number;
}

/** Resolved configuration of one simulator instance. */
export interface SimConfig {
  readonly orgName: string;
  /** The org's VDCs; the first holds the networks, the edge gateway and the seeded templates. */
  readonly vdcs: readonly SimVdcConfig[];
  readonly catalogName: string;
  readonly userName: string;
  readonly password: string;
  readonly apiToken: string;
  /** A service account of the org: its name and first (single-use) refresh token. */
  readonly serviceAccount?: { readonly name: string; readonly token: string };
  readonly speedFactor: number;
  readonly now: () => number;
  /** Simultaneous user tasks the org may run before OPERATION_LIMITS_EXCEEDED; 0 for unlimited. */
  readonly maxConcurrentTasks?: number;
  readonly sessionIdleTimeoutMs?: number;
  /** Usage profile of new VMs (default: abandoned 60 minutes after power-on). */
  readonly defaultUsage?: UsageProfile;
  /** Adds `net.usage.average`, which VCD itself does not report. */
  readonly reportNetworkMetrics?: boolean;
  /** The public addresses sub-allocated to the edge gateway. */
  readonly publicIps?: { readonly start: string; readonly end: string };
  /** What a runtime lease expiry does (org setting PowerOffOnRuntimeLeaseExpiration): power off (default) or suspend. */
  readonly runtimeLeaseExpiryAction?: 'powerOff' | 'suspend';
  /** How the edge is backed (default the legacy NSX-V edge) and owned; see cloudapi/nsxt-model.ts. */
  readonly edge?: EdgeOptions;
}

interface PendingFailure {
  readonly operationName: string;
  remaining: number;
  readonly error: TaskError;
}

/** What starts a task (see SimState.startTask). */
export interface TaskSpec {
  readonly operationName: string;
  readonly operation: string;
  readonly owner: { readonly kind: TaskOwnerKind; readonly id: string; readonly name: string };
  /** Entities busy while it runs; default the owner alone. */
  readonly locks?: readonly string[];
  /** At speed factor 1. */
  readonly durationMs: number;
  /** Spend the first tenth (at most 250 ms) queued, as VCD's 202 answers often show. */
  readonly queued: boolean;
  readonly onSuccess: (endedAt: number) => void;
  readonly onFailure?: (error?: TaskError) => void;
  /** The task is doomed from the start (e.g. the VDC cannot power the VMs on): it ends in error with this. */
  readonly error?: TaskError;
  /** A vApp this task powers on: its compute counts against the VDC while the task runs. */
  readonly reservesComputeFor?: string;
  /** Started by the system at `at` (lease expiry): no operation limit, no injected failure. */
  readonly system?: { readonly at: number };
}

export class SimState {
  readonly org: SimOrg;
  readonly user: SimUser;
  /** The user VCD names on tasks it starts itself. */
  readonly systemUser: SimUser;
  /** The first VDC: home of the networks, the edge and the seeded templates. */
  readonly vdc: SimVdc;
  readonly vdcs: readonly SimVdc[];
  readonly catalog: SimCatalog;
  readonly networks: readonly SimNetwork[];
  readonly edge: SimEdgeGateway;
  /** The CloudAPI side: the edge's NSX-T services (when it is NSX-T), port profiles, IP sets, IP Space. */
  readonly nsxt: NsxtWorld;
  readonly sessions: SessionStore;
  /** The org's service account, when configured: its refresh tokens rotate at each exchange. */
  readonly serviceAccount?: ServiceAccountTokens;
  readonly macs = new MacAllocator();
  readonly maxConcurrentTasks: number;
  readonly defaultUsage: UsageProfile;
  readonly reportNetworkMetrics: boolean;
  readonly runtimeLeaseExpiryAction: 'powerOff' | 'suspend';
  private readonly pools = new Map<string, IpPool>();
  private readonly publicPool: IpPool;
  private readonly templateList: SimTemplate[] = [];
  private readonly vAppsById = new Map<string, SimVApp>();
  /** Each live vApp's VMs by id: a VM's requests find their vApp without a scan of the world. */
  private readonly vAppByVmId = new Map<string, SimVApp>();
  /** Every task ever started (task hrefs stay readable), in creation order. */
  private readonly tasksById = new Map<string, SimTask>();
  /**
   * The tasks still queued or running, in creation order: settling, busy checks and the operation limit look only
   * at these, so a request costs the work in flight, not the history.
   */
  private readonly inFlightById = new Map<string, SimTask>();
  /** The latest task of each owner (a vApp, a template, the edge), for the query service's task columns. */
  private readonly lastTaskOfOwner = new Map<string, SimTask>();
  private readonly leases = new LeaseWatch((vApp) => this.vAppsById.get(vApp.id) === vApp);
  private readonly failures: PendingFailure[] = [];
  private settling = false;

  /** @throws Error when the configuration or seed data is inconsistent (no VDC, a bad IP range). */
  constructor(readonly config: SimConfig) {
    const now = config.now();
    this.sessions = new SessionStore(config.now, config.sessionIdleTimeoutMs ?? SESSION_IDLE_TIMEOUT_MS);
    if (config.serviceAccount !== undefined) {
      this.serviceAccount = new ServiceAccountTokens(config.serviceAccount.name, config.serviceAccount.token);
    }
    this.org = { id: randomUUID(), name: config.orgName };
    this.user = { id: randomUUID(), name: config.userName };
    this.systemUser = { id: randomUUID(), name: 'system' };
    this.maxConcurrentTasks = config.maxConcurrentTasks ?? DEFAULT_MAX_CONCURRENT_TASKS;
    this.defaultUsage = config.defaultUsage ?? DEFAULT_USAGE;
    this.reportNetworkMetrics = config.reportNetworkMetrics ?? false;
    this.runtimeLeaseExpiryAction = config.runtimeLeaseExpiryAction ?? 'powerOff';
    if (config.vdcs.length === 0) {
      throw new Error('the simulated org needs at least one VDC');
    }
    this.vdcs = config.vdcs.map((vdc) => ({
      id: randomUUID(),
      name: vdc.name,
      createdAt: now,
      cpuLimitMhz: vdc.cpuLimitMhz ?? DEFAULT_VDC_LIMITS.cpuLimitMhz,
      memoryLimitMb: vdc.memoryLimitMb ?? DEFAULT_VDC_LIMITS.memoryLimitMb,
      storageLimitMb: vdc.storageLimitMb ?? DEFAULT_VDC_LIMITS.storageLimitMb,
      vCpuMhz: vdc.vCpuMhz ?? DEFAULT_VDC_LIMITS.vCpuMhz,
    }));
    const primary = this.vdcs[0];
    if (primary === undefined) {
      throw new Error('the simulated org needs at least one VDC');
    }
    this.vdc = primary;
    this.catalog = { id: randomUUID(), name: config.catalogName, createdAt: now };
    this.networks = NETWORK_SEEDS.map((seed) => ({
      ...seed,
      id: randomUUID(),
      edgeName: EDGE_GATEWAY_NAME,
      vdcId: primary.id,
    }));
    for (const network of this.networks) {
      this.pools.set(network.id, new IpPool(network.poolStart, network.poolEnd));
    }
    const publicIps = config.publicIps ?? DEFAULT_PUBLIC_IPS;
    this.publicPool = new IpPool(publicIps.start, publicIps.end);
    this.edge = {
      id: randomUUID(),
      name: EDGE_GATEWAY_NAME,
      vdcId: primary.id,
      uplink: {
        networkId: randomUUID(),
        ...UPLINK_SEED,
        poolStart: publicIps.start,
        poolEnd: publicIps.end,
      },
      nat: { isEnabled: true, rules: [] },
      // A fresh org edge: everything inbound dropped, one rule letting the org's networks out.
      firewall: {
        isEnabled: true,
        defaultAction: 'drop',
        logDefaultAction: false,
        rules: [
          {
            id: '1',
            isEnabled: true,
            matchOnTranslate: false,
            description: 'Allow all outgoing traffic',
            policy: 'allow',
            protocols: { any: true },
            port: -1,
            destinationPortRange: 'Any',
            destinationIp: 'external',
            sourcePort: -1,
            sourcePortRange: 'Any',
            sourceIp: 'internal',
            enableLogging: false,
          },
        ],
      },
    };
    this.nsxt = new NsxtWorld({ edgeId: this.edge.id, options: config.edge ?? {}, publicIps, now });
    for (const seed of TEMPLATE_SEEDS) {
      this.templateList.push({
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
        vdcId: primary.id,
        catalogItemId: randomUUID(),
        resolved: true,
        withMemoryState: false,
        storageLeaseSeconds: 0,
        owner: this.user,
      });
    }
  }

  /** The NSX-T side as of the injected clock (due tasks applied), as plain data for tests to compare. */
  nsxtSnapshot(): NsxtSnapshot {
    this.settle();
    return this.nsxt.snapshot();
  }

  /** The injected clock. */
  now(): number {
    return this.config.now();
  }

  /**
   * Brings the world up to the injected clock: ends due tasks and stops vApps whose runtime lease expired, in the
   * order they happened (a lease that expires while its vApp is busy takes effect when the task ends). Idempotent;
   * every read calls it.
   */
  settle(): void {
    if (this.settling) {
      return;
    }
    this.settling = true;
    try {
      const now = this.now();
      let cursor = Number.NEGATIVE_INFINITY;
      for (;;) {
        const busy = new Set<string>();
        let task: SimTask | undefined;
        for (const candidate of this.inFlightById.values()) {
          for (const id of candidate.lockIds) {
            busy.add(id);
          }
          if (dueAt(candidate) <= now && (task === undefined || dueAt(candidate) < dueAt(task))) {
            task = candidate;
          }
        }
        const lease = this.leases.due(now, cursor, (id) => busy.has(id));
        if (task !== undefined && (lease === undefined || dueAt(task) <= lease.at)) {
          cursor = dueAt(task);
          finishTask(task);
          this.ended(task);
        } else if (lease !== undefined) {
          cursor = lease.at;
          this.expireRuntimeLease(lease.vApp, lease.at);
        } else {
          return;
        }
      }
    } finally {
      this.settling = false;
    }
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

  /** The live vApp holding the VM with this id, and the VM. */
  vmWithVApp(vmId: string): { vApp: SimVApp; vm: SimVm } | undefined {
    this.settle();
    const vApp = this.vAppByVmId.get(vmId);
    const vm = vApp?.vms.find((candidate) => candidate.id === vmId);
    return vApp === undefined || vm === undefined ? undefined : { vApp, vm };
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

  /** The queued or running task that keeps this entity (vApp, VM, template, edge) busy, if any. */
  activeTaskOf(entityId: string): SimTask | undefined {
    this.settle();
    return this.inFlightTaskOf(entityId);
  }

  /**
   * What `activeTaskOf` answers for every entity at once, from one settle and one scan of the tasks: the query
   * service builds a page's rows from it, as a per-row `activeTaskOf` (a settle and a scan each) made a query's
   * cost grow with the square of the fleet.
   */
  activeTasksByEntity(): ReadonlyMap<string, SimTask> {
    this.settle();
    const busy = new Map<string, SimTask>();
    for (const task of this.inFlightById.values()) {
      for (const id of task.lockIds) {
        // The first in creation order, as inFlightTaskOf finds it.
        if (!busy.has(id)) {
          busy.set(id, task);
        }
      }
    }
    return busy;
  }

  /** The latest task of each owner (a vApp, a template). */
  lastTaskByOwner(): ReadonlyMap<string, SimTask> {
    this.settle();
    return this.lastTaskOfOwner;
  }

  vdcById(id: string): SimVdc | undefined {
    return this.vdcs.find((v) => v.id === id);
  }

  network(id: string): SimNetwork | undefined {
    return this.networks.find((n) => n.id === id);
  }

  networkByName(name: string): SimNetwork | undefined {
    return this.networks.find((n) => n.name === name);
  }

  /** Catalog templates in creation order, including ones a capture is still writing. */
  get templates(): readonly SimTemplate[] {
    return this.templateList;
  }

  template(id: string): SimTemplate | undefined {
    return this.templateList.find((t) => t.id === id);
  }

  templateByCatalogItem(catalogItemId: string): SimTemplate | undefined {
    return this.templateList.find((t) => t.catalogItemId === catalogItemId);
  }

  edgeById(id: string): SimEdgeGateway | undefined {
    return this.edge.id === id ? this.edge : undefined;
  }

  pool(networkId: string): IpPool | undefined {
    return this.pools.get(networkId);
  }

  /** True when the address is one of the edge's public addresses (its own or a sub-allocated one). */
  isPublicIp(ip: string): boolean {
    return ip === this.edge.uplink.primaryIp || this.publicPool.contains(ip);
  }

  /** Public addresses the edge's NAT rules use, and how many are sub-allocated. */
  publicIpUsage(): { total: number; used: string[] } {
    const used = new Set<string>();
    for (const rule of this.edge.nat.rules) {
      const ip = rule.ruleType === 'DNAT' ? rule.originalIp : rule.translatedIp;
      if (this.publicPool.contains(ip)) {
        used.add(ip);
      }
    }
    return { total: this.publicPool.total, used: [...used].sort() };
  }

  /**
   * Makes the next task with this operation name (e.g. `vappDeploy`, or `*` for any) end in `error` with the given
   * Error instead of succeeding. For fault-injection tests.
   */
  failNextTask(operationName: string, error?: Partial<TaskError>): void {
    this.failTasks(operationName, 1, error);
  }

  /** Makes the next `count` tasks with this operation name (or `*`) end in `error`. */
  failTasks(operationName: string, count: number, error?: Partial<TaskError>): void {
    if (count <= 0) {
      return;
    }
    this.failures.push({
      operationName,
      remaining: count,
      error: {
        majorErrorCode: error?.majorErrorCode ?? 500,
        minorErrorCode: error?.minorErrorCode ?? 'INTERNAL_SERVER_ERROR',
        message: error?.message ?? 'Simulated failure injected by the test.',
      },
    });
  }

  /** Task failures still waiting for their tasks. */
  pendingTaskFailures(): { operationName: string; remaining: number; error: TaskError }[] {
    return this.failures.map((f) => ({ ...f }));
  }

  clearTaskFailures(): void {
    this.failures.length = 0;
  }

  /** Ends every login session, so the next call gets 401 (tests of re-login). */
  expireSessions(): void {
    this.sessions.closeAll();
  }

  /**
   * Sets the usage profile of every VM of a vApp, or of one VM, from now on.
   *
   * @throws Error when no live vApp or VM matches (ids or exact names).
   */
  setUsage(target: { vApp: string; vm?: string }, profile: UsageProfile): void {
    const vApp = this.vApps().find((v) => v.id === target.vApp || v.name === target.vApp);
    if (vApp === undefined) {
      throw new Error(`no vApp with id or name "${target.vApp}"`);
    }
    const vms =
      target.vm === undefined
        ? vApp.vms
        : vApp.vms.filter((vm) => vm.id === target.vm || vm.name === target.vm);
    if (vms.length === 0) {
      throw new Error(`vApp "${vApp.name}" has no VM with id or name "${target.vm ?? ''}"`);
    }
    const since = this.now();
    for (const vm of vms) {
      vm.usage = { profile, since };
    }
  }

  /**
   * CPU (MHz) and memory (MB) the VDC's running VMs hold, plus what in-flight power-on tasks will take.
   * `exceptVAppId` leaves one vApp out (the one asking to power on).
   */
  computeInUse(vdcId: string, exceptVAppId?: string): { cpuMhz: number; memoryMb: number } {
    const vdc = this.vdcById(vdcId);
    const reserving = new Set(
      [...this.inFlightById.values()]
        .filter((t) => t.reservesComputeFor !== undefined)
        .map((t) => t.reservesComputeFor),
    );
    let cpuMhz = 0;
    let memoryMb = 0;
    for (const vApp of this.vAppsById.values()) {
      if (vApp.vdcId !== vdcId || vApp.id === exceptVAppId) {
        continue;
      }
      for (const vm of vApp.vms) {
        if (vm.status === STATUS.poweredOn || reserving.has(vApp.id)) {
          cpuMhz += vm.cpus * (vdc?.vCpuMhz ?? DEFAULT_VDC_LIMITS.vCpuMhz);
          memoryMb += vm.memoryMb;
        }
      }
    }
    return { cpuMhz, memoryMb };
  }

  /** Provisioned storage (MB) of the VDC's vApps and templates. */
  storageInUseMb(vdcId: string): number {
    const vApps = [...this.vAppsById.values()].filter((v) => v.vdcId === vdcId);
    const templates = this.templateList.filter((t) => t.vdcId === vdcId);
    return (
      vApps.flatMap((v) => v.vms).reduce((sum, vm) => sum + vm.diskGb * 1024, 0) +
      templates.flatMap((t) => t.vms).reduce((sum, vm) => sum + vm.spec.diskGb * 1024, 0)
    );
  }

  /**
   * @throws SimError 400 OPERATION_LIMITS_EXCEEDED when the org already runs its maximum of simultaneous operations
   *   (message of fixture jclouds-vcloud-director/error400-operationLimitsExceeded.xml).
   */
  assertTaskCapacity(): void {
    if (this.maxConcurrentTasks <= 0) {
      return;
    }
    this.settle();
    let running = 0;
    for (const task of this.inFlightById.values()) {
      running += task.system ? 0 : 1;
    }
    if (running >= this.maxConcurrentTasks) {
      throw new SimError(
        400,
        'OPERATION_LIMITS_EXCEEDED',
        `The maximum number of simultaneous operations for user "${this.user.name}" on organization "${this.org.name}" has been reached.`,
      );
    }
  }

  /** @internal Registers a new vApp (used by the operations). */
  addVApp(vApp: SimVApp): void {
    this.vAppsById.set(vApp.id, vApp);
    for (const vm of vApp.vms) {
      this.vAppByVmId.set(vm.id, vApp);
    }
    this.leases.note(vApp);
  }

  /** @internal Removes a vApp and returns its pool addresses. */
  removeVApp(id: string): void {
    const vApp = this.vAppsById.get(id);
    if (vApp === undefined) {
      return;
    }
    for (const nic of vApp.vms.flatMap((vm) => vm.nics)) {
      this.releaseAddress(nic.ipPoolNetworkId, nic.ip);
    }
    for (const vm of vApp.vms) {
      this.vAppByVmId.delete(vm.id);
    }
    this.vAppsById.delete(id);
  }

  /** @internal Returns a NIC's address to its org network's pool. */
  releaseAddress(networkId: string | undefined, ip: string | undefined): void {
    if (networkId !== undefined && ip !== undefined) {
      this.pools.get(networkId)?.release(ip);
    }
  }

  /** @internal Adds a template to the catalog (capture). */
  addTemplate(template: SimTemplate): void {
    this.templateList.push(template);
  }

  /** @internal Removes a template from the catalog (a failed capture, or one overwritten by a new capture). */
  removeTemplate(id: string): void {
    const index = this.templateList.findIndex((t) => t.id === id);
    if (index >= 0) {
      this.templateList.splice(index, 1);
    }
  }

  /**
   * @internal Starts a task. Its duration is divided by the speed factor.
   *
   * @throws SimError 400 OPERATION_LIMITS_EXCEEDED (user tasks only), see assertTaskCapacity.
   */
  startTask(spec: TaskSpec): SimTask {
    if (spec.system === undefined) {
      this.assertTaskCapacity();
    }
    const durationMs = spec.durationMs / this.config.speedFactor;
    const injected = spec.system === undefined ? this.takeFailure(spec.operationName) : undefined;
    const task: SimTask = {
      id: randomUUID(),
      operationName: spec.operationName,
      operation: spec.operation,
      ownerKind: spec.owner.kind,
      ownerId: spec.owner.id,
      ownerName: spec.owner.name,
      lockIds: spec.locks ?? [spec.owner.id],
      system: spec.system !== undefined,
      reservesComputeFor: spec.reservesComputeFor,
      createdAt: spec.system?.at ?? this.now(),
      queueMs: spec.queued ? Math.min(250 / this.config.speedFactor, durationMs / 10) : 0,
      durationMs,
      user: spec.system === undefined ? this.user : this.systemUser,
      cancelRequested: false,
      onSuccess: spec.onSuccess,
      onFailure: spec.onFailure ?? (() => undefined),
      injectedError: injected ?? spec.error,
    };
    this.tasksById.set(task.id, task);
    this.inFlightById.set(task.id, task);
    this.lastTaskOfOwner.set(task.ownerId, task);
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
    this.ended(task);
  }

  /** A task ended: it no longer holds anything, and the vApps it held may have a new runtime lease (or none). */
  private ended(task: SimTask): void {
    this.inFlightById.delete(task.id);
    for (const id of [task.ownerId, ...task.lockIds]) {
      const vApp = this.vAppsById.get(id);
      if (vApp !== undefined) {
        this.leases.note(vApp);
      }
    }
  }

  private takeFailure(operationName: string): TaskError | undefined {
    const index = this.failures.findIndex(
      (f) => f.operationName === operationName || f.operationName === '*',
    );
    const failure = this.failures[index];
    if (failure === undefined) {
      return undefined;
    }
    failure.remaining -= 1;
    if (failure.remaining <= 0) {
      this.failures.splice(index, 1);
    }
    return failure.error;
  }

  private inFlightTaskOf(entityId: string): SimTask | undefined {
    for (const task of this.inFlightById.values()) {
      if (task.lockIds.includes(entityId)) {
        return task;
      }
    }
    return undefined;
  }

  /**
   * A runtime lease ran out: VCD stops the vApp itself, with a task of its own, powering it off or suspending it per
   * the org's lease settings.
   */
  private expireRuntimeLease(vApp: SimVApp, at: number): void {
    const suspend = this.runtimeLeaseExpiryAction === 'suspend';
    this.startTask({
      operationName: suspend ? 'vappUndeploySuspend' : 'vappUndeployPowerOff',
      operation: `Stopping Virtual Application ${vApp.name}(${vApp.id})`,
      owner: { kind: 'vapp', id: vApp.id, name: vApp.name },
      locks: [vApp.id, ...vApp.vms.map((vm) => vm.id)],
      durationMs: TASK_DURATIONS_MS.undeploy,
      queued: false,
      system: { at },
      onSuccess: (endedAt) =>
        setStatus(
          vApp,
          suspend && vApp.status === STATUS.poweredOn ? STATUS.suspended : STATUS.poweredOff,
          false,
          endedAt,
        ),
    });
  }
}

/** When the vApp's storage lease runs out, if it has a finite one. */
export function storageLeaseExpiry(vApp: SimVApp): number | undefined {
  return vApp.storageLeaseSeconds > 0
    ? vApp.storageLeaseStartedAt + vApp.storageLeaseSeconds * 1000
    : undefined;
}
