/**
 * The labs' `Cloud` port on VMware Cloud Director, and the one object the rest of labbot (main, doctor) uses to
 * reach VCD (doctor's read-only views are its `inspector`, see vcd-inspector.ts). The lab lifecycle lives here; other operations delegate to small per-entity modules
 * (vapp-resources, network-resources, managed-vapps) that share this instance's funnel, queries and task waiter.
 */
import { type IpRange } from '../labs/ipv4';
import { type NicInfo, type VmInfo } from '../labs/lab';
import {
  type LabEdgeRules,
  type NicSpec,
  type Cloud,
  type CloudTask,
  type CloudTemplate,
  type CloudVApp,
  type Clock,
  type DeployRequest,
  type Logger,
  type Sleep,
  type TaskProgress,
  type VmUsageSample,
} from '../labs/ports';
import { VcdApiError, VcdNotFoundError, VcdTaskDeadlineError, VcdTaskFailedError } from './errors';
import { getVmHistory, listRunningVms, type VcdRunningVm } from './fleet-usage';
import { EdgeRuleWriter, labsWithRules, natAddressesInUse } from './lab-edge-rules';
import { listManagedVApps, type VcdManagedVApp } from './managed-vapps';
import { NetworkResources, type EdgeServices, type VdcRef } from './network-resources';
import { planNicChanges } from './nic-plan';
import { type VcdRequest } from './http-types';
import { TaskTimings, waitForTask } from './tasks';
import { VAppResources, type CaptureRequest, type PowerAction } from './vapp-resources';
import { CloudApi } from './nsxt/cloudapi';
import { findNetworkByCloudApi, lookupEdge, type EdgeTarget } from './nsxt/edge-lookup';
import { NsxtEdgeWriter } from './nsxt/nsxt-edge';
import { readEdgeGateway, type NsxtEdgeGateway } from './nsxt/wire';
import { VcdHttp } from './vcd-http';
import { VcdInspector } from './vcd-inspector';
import { type VcdCredentials } from './vcd-auth';
import { VcdQueryService } from './vcd-query';
import { buildInstantiateVAppTemplateParams, type VAppNetworkInput } from './wire/instantiate';
import { type LeaseSettingsInput } from './wire/lease';
import { type VcdMetricSeries } from './wire/historic-metrics';
import { type VcdVmUsage } from './wire/metrics';
import { MEDIA_TYPE } from './wire/media-types';
import { buildMetadata, metadataToRecord, parseMetadata } from './wire/metadata';
import {
  type NetworkConnectionSectionInput,
  type VcdNetworkConnectionSection,
} from './wire/network-connection';
import { FINAL_TASK_STATUSES, parseTask, type VcdTask } from './wire/task';
import { buildUndeployVAppParams, type UndeployPowerAction } from './wire/undeploy';
import { parseVApp, parseVAppTemplate, type VcdNic, type VcdVApp, type VcdVm } from './wire/vapp';

export interface VcdCloudOptions {
  url: string;
  org: string;
  vdc: string;
  catalog: string;
  /** Org VDC networks to bridge into each vApp, by name; default ['Management', 'VM Network']. */
  networks?: string[];
  auth: VcdCredentials;
  simulated: boolean;
  logger: Logger;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  /** How long to wait for one task; default 30 min. */
  taskDeadlineMs?: number;
  requestTimeoutMs?: number;
  /** Total time one call may spend retrying busy/limit/503/504/reset answers; default 120 s. */
  retryBudgetMs?: number;
  /** TLS to this VCD: extra CAs (PEM) or no verification; default Node's CAs. */
  tls?: { ca?: string; insecure?: boolean };
}

/** One VM's usage now (the port's VmUsage, plus the VM's href and every summarized metric). */
export interface VcdVmUsageReport extends VcdVmUsage {
  vmName: string;
  vmHref: string;
}

const DEFAULT_NETWORKS = ['Management', 'VM Network'];
/** The metrics the reaper reads from history, named as summarizeUsage names them for current usage. */
const CPU_METRIC = 'cpu.usage.average';
const NETWORK_METRIC = 'net.usage.average';
const DEFAULT_TASK_DEADLINE_MS = 30 * 60_000;
/** A guest shutdown that has not finished in 10 minutes will not; the caller retries the teardown later. */
const SHUTDOWN_DEADLINE_MS = 10 * 60_000;

const systemClock: Clock = { now: () => new Date() };
/** How long a deploy trusts a catalog's template list read by an earlier deploy. */
const TEMPLATE_LIST_TTL_MS = 60_000;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * VCD (or the simulator) as the labs' Cloud. Every method throws a CloudError subclass from ./errors;
 * `getVApp` and `findVAppByName` return undefined when the vApp does not exist.
 */
export class VcdCloud implements Cloud {
  readonly simulated: boolean;
  private readonly http: VcdHttp;
  private readonly networks: string[];
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly taskDeadlineMs: number;
  private readonly queries: VcdQueryService;
  private readonly vapps: VAppResources;
  private readonly networkResources: NetworkResources;
  private vdc?: Promise<VdcRef>;
  private readonly taskTimings: TaskTimings;
  private readonly templateLists = new Map<string, { at: number; templates: CloudTemplate[] }>();
  private readonly networkHrefs = new Map<string, Promise<string>>();
  private readonly edgeTargets = new Map<string, Promise<EdgeTarget>>();
  private readonly edgeRules: EdgeRuleWriter;
  private readonly cloudApi: CloudApi;
  private readonly nsxtEdges: NsxtEdgeWriter;
  /** Read-only views for `labbot doctor` and start-up checks, on this cloud's session and lookups. */
  readonly inspector: VcdInspector;

  constructor(private readonly options: VcdCloudOptions) {
    this.simulated = options.simulated;
    this.networks = options.networks ?? DEFAULT_NETWORKS;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.taskDeadlineMs = options.taskDeadlineMs ?? DEFAULT_TASK_DEADLINE_MS;
    this.http = new VcdHttp({
      url: options.url,
      org: options.org,
      auth: options.auth,
      logger: options.logger,
      clock: this.clock,
      sleep: this.sleep,
      random: options.random,
      requestTimeoutMs: options.requestTimeoutMs,
      retryBudgetMs: options.retryBudgetMs,
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
    });
    this.queries = new VcdQueryService(this.http, () => this.apiVersion());
    this.taskTimings = new TaskTimings(this.clock);
    const wait = (taskHref: string, onProgress?: TaskProgress): Promise<VcdTask> =>
      this.wait(taskHref, this.taskDeadlineMs, onProgress);
    this.vapps = new VAppResources({
      http: this.http,
      queries: this.queries,
      catalog: options.catalog,
      wait,
      timings: this.taskTimings,
    });
    this.networkResources = new NetworkResources({
      http: this.http,
      queries: this.queries,
      vdc: () => this.resolveVdc(),
      wait,
      logger: options.logger,
      timings: this.taskTimings,
    });
    this.edgeRules = new EdgeRuleWriter({
      read: (edgeHref) => this.networkResources.getEdgeGateway(edgeHref),
      update: (edgeHref, change) => this.networkResources.updateEdgeGatewayServices(edgeHref, change),
      logger: options.logger,
    });
    this.cloudApi = new CloudApi({
      http: this.http,
      wait: (taskHref) => wait(taskHref),
      timings: this.taskTimings,
    });
    this.nsxtEdges = new NsxtEdgeWriter({
      api: this.cloudApi,
      logger: options.logger,
      edge: (edgeId) => this.nsxtGateway(edgeId),
    });
    this.inspector = new VcdInspector({
      http: this.http,
      queries: this.queries,
      vapps: this.vapps,
      networks: this.networkResources,
      cloudApi: this.cloudApi,
      vdc: () => this.resolveVdc(),
      edge: (name) => this.resolveEdge(name),
    });
  }

  /** Ends the VCD session, if any (shutdown, end of doctor). Never throws. */
  logOut(): Promise<void> {
    return this.http.logOut();
  }

  /** Releases keep-alive sockets. */
  close(): void {
    this.http.close();
  }

  /**
   * The vApp templates of a catalog (default: the configured one), every page.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  async listTemplates(catalogName: string = this.options.catalog): Promise<CloudTemplate[]> {
    const records = await this.queries.records('vAppTemplate', [['catalogName', catalogName]]);
    return records
      .filter((r) => r.attributes.catalogName === catalogName && r.attributes.href !== undefined)
      .map((r) => ({
        name: r.attributes.name ?? '',
        href: r.attributes.href ?? '',
        catalogName,
        description: r.attributes.description || undefined,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Instantiates a template, undeployed and powered off so that metadata lands before anything bills for
   * CPU; the runtime lease is set as a server-side backstop.
   *
   * @throws VcdNotFoundError (unknown template, VDC or network), VcdApiError (e.g. DUPLICATE_NAME),
   *   VcdUnavailableError.
   */
  async startDeploy(request: DeployRequest): Promise<{ vappHref: string; task: CloudTask }> {
    const vdcHref = (await this.resolveVdc()).href;
    // One at a time: the lookups are cached after the first deploy, and the call order stays predictable.
    const networks: VAppNetworkInput[] = [];
    for (const name of this.networks) {
      networks.push({ name, parentHref: await this.resolveNetwork(name) });
    }
    const catalogName = request.catalogName ?? this.options.catalog;
    const template = await this.deployableTemplate(catalogName, request.templateName);
    const path = `${vdcHref}/action/instantiateVAppTemplate`;
    const vapp = await this.postInstantiate(catalogName, {
      method: 'POST',
      path,
      contentType: MEDIA_TYPE.instantiateVAppTemplateParams,
      body: buildInstantiateVAppTemplateParams({
        name: request.vappName,
        description: request.description,
        deploy: false,
        powerOn: false,
        sourceHref: template.href,
        networks,
        deploymentLeaseSeconds: request.runtimeLeaseSeconds,
      }),
    });
    const task = vapp.tasks.find((t) => t.operationName === 'vdcInstantiateVapp') ?? vapp.tasks[0];
    if (task === undefined) {
      throw new VcdApiError({
        method: 'POST',
        path,
        minorErrorCode: 'MALFORMED_RESPONSE',
        message: `instantiateVAppTemplate answered a vApp without a task (${vapp.href})`,
      });
    }
    this.taskTimings.sawStart(task.href, task.operationName);
    this.options.logger.info({ vappHref: vapp.href, taskHref: task.href }, 'vApp instantiation started');
    return { vappHref: vapp.href, task: { href: task.href } };
  }

  /**
   * Waits for a task until the configured deadline.
   *
   * @throws VcdTaskFailedError (and its VcdTaskDeadlineError), VcdNotFoundError, VcdApiError,
   *   VcdUnavailableError.
   */
  async waitForTask(task: CloudTask, onProgress?: TaskProgress): Promise<void> {
    await this.wait(task.href, this.taskDeadlineMs, onProgress);
  }

  /**
   * Merges metadata entries (string values, GENERAL domain) in one task; undefined when there is nothing to set.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  async setMetadata(vappHref: string, entries: Record<string, string>): Promise<CloudTask | undefined> {
    if (Object.keys(entries).length === 0) {
      return undefined;
    }
    const task = await this.http.requestParsed(
      {
        method: 'POST',
        path: `${vappHref}/metadata`,
        contentType: MEDIA_TYPE.metadata,
        body: buildMetadata(entries),
        // Merges the same values again: safe to resend after a dropped connection.
        repeatable: true,
      },
      parseTask,
    );
    this.taskTimings.sawStart(task.href, task.operationName);
    return { href: task.href };
  }

  /**
   * Reads a vApp's metadata as key → value.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  async getMetadata(vappHref: string): Promise<Record<string, string>> {
    const entries = await this.http.requestParsed(
      { method: 'GET', path: `${vappHref}/metadata` },
      parseMetadata,
    );
    return metadataToRecord(entries);
  }

  /**
   * Deploys and powers on the vApp.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  async startPowerOn(vappHref: string): Promise<CloudTask> {
    return this.vapps.startPowerAction(vappHref, 'powerOn');
  }

  /**
   * Powers off a vApp or one VM (its href) without asking the guest: like pulling the plug. The vApp stays
   * deployed; CPU and memory stop billing.
   *
   * @throws VcdNotFoundError, VcdApiError (e.g. already off), VcdUnavailableError.
   */
  startPowerOff(href: string): Promise<CloudTask> {
    return this.vapps.startPowerAction(href, 'powerOff');
  }

  /**
   * Shuts down the guest OS of a vApp or one VM through VMware Tools; the task fails when Tools is not running.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  startShutdown(href: string): Promise<CloudTask> {
    return this.vapps.startPowerAction(href, 'shutdown');
  }

  /**
   * Suspends a vApp or one VM (memory to disk): CPU and RAM stop billing, storage goes on.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  startSuspend(href: string): Promise<CloudTask> {
    return this.vapps.startPowerAction(href, 'suspend');
  }

  /**
   * Any power action on a vApp or VM (reboot and reset included).
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  startPowerAction(href: string, action: PowerAction): Promise<CloudTask> {
    return this.vapps.startPowerAction(href, action);
  }

  /**
   * Undeploys with a guest shutdown; when that task fails (no VMware Tools, a hung guest OS) undeploys with
   * power off instead. Waits for the shutdown attempt, so the returned task is either that finished one or
   * the power-off one still running.
   *
   * @throws VcdTaskDeadlineError (the shutdown hangs), VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  async startUndeploy(vappHref: string): Promise<CloudTask> {
    const shutdown = await this.postUndeploy(vappHref, 'shutdown');
    try {
      await this.wait(shutdown.href, Math.min(this.taskDeadlineMs, SHUTDOWN_DEADLINE_MS));
      return shutdown;
    } catch (error) {
      if (!(error instanceof VcdTaskFailedError) || error instanceof VcdTaskDeadlineError) {
        throw error;
      }
      this.options.logger.warn(
        { vappHref, taskHref: shutdown.href, reason: error.message },
        'Undeploy with shutdown failed; undeploying with power off',
      );
      return this.postUndeploy(vappHref, 'powerOff');
    }
  }

  private async postUndeploy(vappHref: string, action: UndeployPowerAction): Promise<CloudTask> {
    const task = await this.http.requestParsed(
      {
        method: 'POST',
        path: `${vappHref}/action/undeploy`,
        contentType: MEDIA_TYPE.undeployVAppParams,
        body: buildUndeployVAppParams(action),
      },
      parseTask,
    );
    return { href: task.href };
  }

  /**
   * Deletes the vApp (undeploy it first).
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  async startDelete(vappHref: string): Promise<CloudTask> {
    const task = await this.http.requestParsed({ method: 'DELETE', path: vappHref }, parseTask);
    return { href: task.href };
  }

  /**
   * The vApp as VCD describes it now; undefined when it is gone.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  async getVApp(vappHref: string): Promise<CloudVApp | undefined> {
    const vapp = await this.getVAppDetails(vappHref);
    return vapp === undefined ? undefined : toCloudVApp(vapp);
  }

  /**
   * The vApp as the wire layer reads it: VMs with hardware (vCPU, memory, disks) and NICs, lease, vApp
   * networks, tasks and links; undefined when it is gone.
   *
   * @throws VcdApiError (MALFORMED_RESPONSE for a body that is not a VApp), VcdUnavailableError.
   */
  /**
   * The task still writing a template (a capture in progress), if any; undefined when the template is complete or
   * gone.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  async findTemplateTask(templateHref: string): Promise<CloudTask | undefined> {
    try {
      const template = await this.http.requestParsed(
        { method: 'GET', path: templateHref },
        parseVAppTemplate,
      );
      const running = template.tasks.find((t) => !FINAL_TASK_STATUSES.includes(t.status));
      return running === undefined ? undefined : { href: running.href };
    } catch (error) {
      if (error instanceof VcdNotFoundError) {
        return undefined;
      }
      throw error;
    }
  }

  async getVAppDetails(vappHref: string): Promise<VcdVApp | undefined> {
    try {
      return await this.http.requestParsed({ method: 'GET', path: vappHref }, parseVApp);
    } catch (error) {
      if (error instanceof VcdNotFoundError) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Current usage of each VM of the vApp, one metrics call per powered-on VM; a VM that is not running is listed
   * without numbers (it reports none), as is one whose metrics VCD refuses. Empty when the vApp is gone.
   *
   * @throws VcdApiError (the vApp document), VcdUnavailableError.
   */
  async getUsage(vappHref: string): Promise<VcdVmUsageReport[]> {
    const vapp = await this.getVAppDetails(vappHref);
    const reports: VcdVmUsageReport[] = [];
    for (const vm of vapp?.vms ?? []) {
      if (vm.powerState !== 'powered_on') {
        reports.push({ vmName: vm.name, vmHref: vm.href });
        continue;
      }
      try {
        const { usage } = await this.vapps.getVmMetrics(vm.href);
        reports.push({ vmName: vm.name, vmHref: vm.href, ...usage });
      } catch (error) {
        if (!(error instanceof VcdApiError || error instanceof VcdNotFoundError)) {
          throw error;
        }
        this.options.logger.warn({ vmHref: vm.href, reason: error.message }, 'VM metrics unavailable');
        reports.push({ vmName: vm.name, vmHref: vm.href });
      }
    }
    return reports;
  }

  /**
   * Every powered-on VM of a vApp the user can see, from the query service (pages of 128): which VMs a reaper pass
   * reads, without one vApp read per lab.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  listRunningVms(): Promise<VcdRunningVm[]> {
    return listRunningVms(this.queries);
  }

  /**
   * One VM's usage now (one `metrics/current` call); without numbers when VCD refuses its metrics (logged), as
   * getUsage does for each VM.
   *
   * @throws VcdUnavailableError and other failures to get an answer.
   */
  async getVmUsage(vm: { href: string; name: string }): Promise<VcdVmUsageReport> {
    try {
      const { usage } = await this.vapps.getVmMetrics(vm.href);
      return { vmName: vm.name, vmHref: vm.href, ...usage };
    } catch (error) {
      if (!(error instanceof VcdApiError || error instanceof VcdNotFoundError)) {
        throw error;
      }
      this.options.logger.warn({ vmHref: vm.href, reason: error.message }, 'VM metrics unavailable');
      return { vmName: vm.name, vmHref: vm.href };
    }
  }

  /**
   * The VM's CPU and network samples after `since` from VCD's 5-minute history (one `metrics/historic` call, CPU as
   * `cpu.usage.average` percent, network as `net.usage.average` KB/s where reported). Empty when VCD refuses it
   * (logged): the reaper then has no samples for that stretch, never made-up ones.
   *
   * @throws VcdUnavailableError and other failures to get an answer.
   */
  async getVmUsageHistory(vmHref: string, since: Date): Promise<VmUsageSample[]> {
    try {
      return usageSamples(await getVmHistory(this.http, vmHref, since, [CPU_METRIC, NETWORK_METRIC]));
    } catch (error) {
      if (!(error instanceof VcdApiError || error instanceof VcdNotFoundError)) {
        throw error;
      }
      this.options.logger.warn({ vmHref, reason: error.message }, 'VM metrics history unavailable');
      return [];
    }
  }

  /**
   * Changes the vApp's leases; a value left out keeps its current setting.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  startSetLease(vappHref: string, lease: LeaseSettingsInput): Promise<CloudTask> {
    return this.vapps.startSetLease(vappHref, lease);
  }

  /**
   * A VM's NetworkConnectionSection (NICs with network, MAC, IP, adapter type).
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  getNetworkConnections(vmHref: string): Promise<VcdNetworkConnectionSection> {
    return this.vapps.getNetworkConnections(vmHref);
  }

  /**
   * Replaces a VM's NetworkConnectionSection.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  startSetNetworkConnections(vmHref: string, section: NetworkConnectionSectionInput): Promise<CloudTask> {
    return this.vapps.startSetNetworkConnections(vmHref, section);
  }

  /**
   * Removes one metadata key from a vApp.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  startDeleteMetadata(vappHref: string, key: string): Promise<CloudTask> {
    return this.vapps.startDeleteMetadata(vappHref, key);
  }

  /**
   * Starts capturing a vApp into a catalog as a new template; finish with waitForCapture.
   *
   * @throws VcdNotFoundError (catalog or vApp), VcdApiError (e.g. DUPLICATE_NAME), VcdUnavailableError.
   */
  startCapture(vappHref: string, request: CaptureRequest): Promise<CloudTask> {
    // A capture adds or replaces a template: the next deploy reads the catalog again.
    this.templateLists.clear();
    return this.vapps.startCapture(vappHref, request);
  }

  /**
   * Waits for a capture task (also one resumed after a restart) and returns the new template.
   *
   * @throws VcdTaskFailedError (and VcdTaskDeadlineError), VcdApiError, VcdNotFoundError, VcdUnavailableError.
   */
  waitForCapture(
    task: CloudTask,
    expected: Pick<CaptureRequest, 'name' | 'catalogName'>,
    onProgress?: TaskProgress,
  ): Promise<CloudTemplate> {
    return this.vapps.waitForCapture(task, expected, onProgress);
  }

  /**
   * Every vApp in the VDC carrying our `labbot.id` metadata, with our metadata values; nothing else.
   *
   * @throws VcdNotFoundError (no such VDC), VcdApiError, VcdUnavailableError.
   */
  async listManagedVApps(): Promise<VcdManagedVApp[]> {
    return listManagedVApps(this.queries, (await this.resolveVdc()).name);
  }

  /**
   * Changes an edge's NAT and firewall rules, one change per edge at a time (see NetworkResources).
   *
   * @throws VcdApiError (UNSUPPORTED_EDGE_CONFIGURATION, EDGE_NOT_CONFIGURABLE), VcdTaskFailedError,
   *   VcdNotFoundError, VcdUnavailableError.
   */
  updateEdgeGatewayServices(
    edgeHref: string,
    change: (current: EdgeServices) => EdgeServices,
    onProgress?: TaskProgress,
  ): Promise<void> {
    return this.networkResources.updateEdgeGatewayServices(edgeHref, change, onProgress);
  }

  /**
   * Gives a powered-off VM the NICs listed: reads its NetworkConnectionSection and writes it back with missing NICs
   * added and wrong ones fixed (network, adapter type, connected, allocation); other NICs are written back as they
   * are. Undefined when nothing needs changing. VCD refuses adapter changes on a powered-on VM, hence before power-on.
   *
   * @throws VcdNotFoundError, VcdApiError (e.g. BAD_REQUEST for a powered-on VM or an unknown network),
   *   VcdUnavailableError.
   */
  async configureNics(vmHref: string, nics: NicSpec[]): Promise<CloudTask | undefined> {
    const section = await this.getNetworkConnections(vmHref);
    const input = planNicChanges(section, nics);
    if (input === undefined) {
      return undefined;
    }
    this.options.logger.info({ vmHref, nics: input.connections.length }, 'Reconfiguring VM NICs');
    return this.startSetNetworkConnections(vmHref, input);
  }

  /**
   * Replaces the lab's rules on the named edge gateway with `rules` (none: removes them), batched with other labs'
   * changes to the same edge and verified by reading the edge back (see EdgeRuleWriter). Rules without the lab's
   * tag are never changed.
   *
   * @throws VcdNotFoundError (no such edge), VcdApiError (UNSUPPORTED_EDGE_CONFIGURATION, EDGE_NOT_CONFIGURABLE,
   *   EDGE_RULES_NOT_APPLIED), VcdTaskFailedError, VcdUnavailableError.
   */
  async setLabEdgeRules(edge: string, labId: string, rules: LabEdgeRules): Promise<void> {
    const target = await this.resolveEdge(edge);
    if (target.kind === 'nsxt') {
      await this.nsxtEdges.set(target.id, labId, rules);
    } else {
      await this.edgeRules.set(target.href, labId, rules);
    }
  }

  /**
   * Ids of the labs with rules tagged `labbot:<labId>:…` on the named edge gateway.
   *
   * @throws VcdNotFoundError (no such edge), VcdApiError, VcdUnavailableError.
   */
  async listEdgeRuleLabs(edge: string): Promise<string[]> {
    const target = await this.resolveEdge(edge);
    if (target.kind === 'nsxt') {
      return this.nsxtEdges.labs(target.id);
    }
    return labsWithRules(await this.networkResources.getEdgeGateway(target.href));
  }

  /**
   * Public addresses the edge's NAT rules use, but `labId`'s own.
   *
   * @throws VcdNotFoundError (no such edge), VcdApiError, VcdUnavailableError.
   */
  async edgeAddressesInUse(edge: string, labId: string): Promise<IpRange[]> {
    const target = await this.resolveEdge(edge);
    if (target.kind === 'nsxt') {
      return this.nsxtEdges.addressesInUse(target.id, labId);
    }
    return natAddressesInUse(await this.networkResources.getEdgeGateway(target.href), labId);
  }

  /**
   * On an NSX-T edge whose uplink takes addresses from an IP Space, allocates `ip` to the org as a floating IP tagged
   * for the lab (idempotent); nothing on other edges.
   *
   * @throws VcdNotFoundError (no such edge), VcdApiError (PUBLIC_IP_TAKEN, NO_IP_SPACE), VcdTaskFailedError,
   *   VcdUnavailableError.
   */
  async claimPublicIp(edge: string, labId: string, ip: string): Promise<void> {
    const target = await this.resolveEdge(edge);
    if (target.kind === 'nsxt') {
      await this.nsxtEdges.claimIp(target.id, labId, ip);
    }
  }

  /**
   * Releases what claimPublicIp took: the lab's tagged floating IPs, and `ip` if a crash left it untagged; nothing on
   * other edges.
   *
   * @throws VcdNotFoundError (no such edge), VcdApiError, VcdTaskFailedError, VcdUnavailableError.
   */
  async releasePublicIp(edge: string, labId: string, ip: string | undefined): Promise<void> {
    const target = await this.resolveEdge(edge);
    if (target.kind === 'nsxt') {
      await this.nsxtEdges.releaseIp(target.id, labId, ip);
    }
  }

  /**
   * Finds a vApp by exact name, preferring the configured VDC; undefined when there is none.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  /**
   * True only when VCD says, without an error, that the vApp does not exist: reading it answers not-found, and a
   * query of the VDC (which answers 200 with no record, or an error: never a 403 that means gone) finds no vApp of
   * that name. VCD answers a GET of a deleted vApp with 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN, the same answer as for
   * a vApp a changed role hides, so the GET alone proves nothing; the query does.
   *
   * @throws VcdApiError (a 403 on the query, a 5xx, …), VcdUnavailableError: nothing is proven then.
   */
  async isVAppGone(vapp: { href: string; name: string }): Promise<boolean> {
    if ((await this.getVAppDetails(vapp.href)) !== undefined) {
      return false;
    }
    const vdc = await this.resolveVdc();
    const records = await this.queries.records('vApp', [['name', vapp.name]]);
    return !records.some(
      (r) =>
        r.attributes.href === vapp.href || (r.attributes.name === vapp.name && r.attributes.vdc === vdc.href),
    );
  }

  async findVAppByName(name: string): Promise<CloudVApp | undefined> {
    const vdcHref = (await this.resolveVdc()).href;
    const records = (await this.queries.records('vApp', [['name', name]])).filter(
      (r) => r.attributes.name === name,
    );
    const record = records.find((r) => r.attributes.vdc === vdcHref) ?? records[0];
    const href = record?.attributes.href;
    return href === undefined ? undefined : this.getVApp(href);
  }

  /**
   * The template a deploy instantiates, from the catalog's list as read at most TEMPLATE_LIST_TTL_MS ago (a burst of
   * deploys reads it once); a name the list lacks is looked up again at once, so a template captured meanwhile is
   * found.
   *
   * @throws VcdNotFoundError (not in the catalog), VcdApiError, VcdUnavailableError.
   */
  private async deployableTemplate(catalogName: string, templateName: string): Promise<CloudTemplate> {
    const now = this.clock.now().getTime();
    const cached = this.templateLists.get(catalogName);
    const fresh = cached !== undefined && now - cached.at < TEMPLATE_LIST_TTL_MS;
    let template = fresh ? cached.templates.find((t) => t.name === templateName) : undefined;
    if (template === undefined) {
      const templates = await this.listTemplates(catalogName);
      this.templateLists.set(catalogName, { at: now, templates });
      template = templates.find((t) => t.name === templateName);
    }
    if (template === undefined) {
      throw new VcdNotFoundError(`template "${templateName}" is not in catalog "${catalogName}"`);
    }
    return template;
  }

  /**
   * Sends the instantiation. When VCD refuses it, the catalog's list is dropped (the template may have been replaced
   * since it was read), so the next attempt reads it again.
   */
  private async postInstantiate(catalogName: string, request: VcdRequest): Promise<VcdVApp> {
    try {
      return await this.http.requestParsed(request, parseVApp);
    } catch (error) {
      this.templateLists.delete(catalogName);
      throw error;
    }
  }

  private wait(taskHref: string, deadlineMs: number, onProgress?: TaskProgress): Promise<VcdTask> {
    return waitForTask(this.http, taskHref, {
      deadlineMs,
      clock: this.clock,
      sleep: this.sleep,
      onProgress,
      logger: this.options.logger,
      timings: this.taskTimings,
      onFinal: () => this.http.taskEnded(),
    });
  }

  private async apiVersion(): Promise<string> {
    await this.http.connect();
    const version = this.http.apiVersion;
    // connect() resolves only after negotiation set the version.
    if (version === undefined) {
      throw new VcdApiError({ message: 'API version unknown after login' });
    }
    return version;
  }

  /** The org VDC, looked up once (a failed lookup is retried on the next call). */
  private resolveVdc(): Promise<VdcRef> {
    this.vdc ??= this.lookupVdc().catch((error: unknown) => {
      this.vdc = undefined;
      throw error;
    });
    return this.vdc;
  }

  private async lookupVdc(): Promise<VdcRef> {
    const name = this.options.vdc;
    const record = (await this.queries.records('orgVdc', [['name', name]])).find(
      (r) => r.attributes.name === name,
    );
    const href = record?.attributes.href;
    if (href === undefined) {
      throw new VcdNotFoundError(`org VDC "${name}" is not visible in org ${this.options.org}`);
    }
    return { name, href };
  }

  /** The configured edge and its backing by name, looked up once (a failed lookup is retried next time). */
  private resolveEdge(name: string): Promise<EdgeTarget> {
    let target = this.edgeTargets.get(name);
    if (target === undefined) {
      target = lookupEdge(
        {
          api: this.cloudApi,
          vdc: () => this.resolveVdc(),
          records: () => this.networkResources.listEdgeGateways(),
        },
        name,
      );
      const lookup = target;
      lookup.catch(() => {
        if (this.edgeTargets.get(name) === lookup) {
          this.edgeTargets.delete(name);
        }
      });
      this.edgeTargets.set(name, target);
    }
    return target;
  }

  /** An NSX-T edge's document by id: the one the lookup read (uplinks and owner do not change under labs). */
  private async nsxtGateway(edgeId: string): Promise<NsxtEdgeGateway> {
    for (const target of this.edgeTargets.values()) {
      const known = await target.catch(() => undefined);
      if (known?.kind === 'nsxt' && known.id === edgeId) {
        return known.gateway;
      }
    }
    const gateway = await this.cloudApi.get(
      `/cloudapi/1.0.0/edgeGateways/${encodeURIComponent(edgeId)}`,
      readEdgeGateway,
    );
    if (gateway === undefined) {
      throw new VcdApiError({
        minorErrorCode: 'MALFORMED_RESPONSE',
        message: `edge gateway ${edgeId} unreadable`,
      });
    }
    return gateway;
  }

  private resolveNetwork(name: string): Promise<string> {
    let href = this.networkHrefs.get(name);
    if (href === undefined) {
      href = this.lookupNetwork(name).catch((error: unknown) => {
        this.networkHrefs.delete(name);
        throw error;
      });
      this.networkHrefs.set(name, href);
    }
    return href;
  }

  private async lookupNetwork(name: string): Promise<string> {
    // A VDC group's network is shared by the group's VDCs; the query service may not place it in this one.
    const network =
      (await this.networkResources.findOrgVdcNetwork(name)) ??
      (await findNetworkByCloudApi(this.cloudApi, await this.resolveVdc(), name));
    if (network === undefined) {
      throw new VcdNotFoundError(`org VDC network "${name}" is not in VDC "${this.options.vdc}"`);
    }
    return network.href;
  }
}

function toCloudVApp(vapp: VcdVApp): CloudVApp {
  const pending = vapp.tasks.find((t) => !FINAL_TASK_STATUSES.includes(t.status));
  return {
    href: vapp.href,
    name: vapp.name,
    description: vapp.description,
    powerState: vapp.powerState,
    deployed: vapp.deployed,
    vms: vapp.vms.map(toVmInfo),
    ...(pending === undefined ? {} : { pendingTask: { href: pending.href } }),
  };
}

function toVmInfo(vm: VcdVm): VmInfo {
  return {
    name: vm.name,
    href: vm.href,
    powerState: vm.powerState,
    cpus: vm.cpus,
    memoryMb: vm.memoryMb,
    nics: vm.nics.map(toNicInfo),
  };
}

function toNicInfo(nic: VcdNic): NicInfo {
  return {
    index: nic.index,
    network: nic.network,
    // A NIC that was never connected has no MAC yet; the lab shows it as unknown rather than dropping it.
    mac: nic.mac ?? '',
    ipAddress: nic.ipAddress,
    adapterType: nic.adapterType,
    connected: nic.connected,
  };
}

/** Historic series as one sample per timestamp with the CPU and network values VCD had for it. Never throws. */
function usageSamples(series: readonly VcdMetricSeries[]): VmUsageSample[] {
  const byTime = new Map<number, VmUsageSample>();
  const add = (name: string, field: 'cpuPercent' | 'networkKbps'): void => {
    for (const sample of series.find((s) => s.name === name)?.samples ?? []) {
      const at = sample.at.getTime();
      byTime.set(at, { ...(byTime.get(at) ?? { at: sample.at }), [field]: sample.value });
    }
  };
  add(CPU_METRIC, 'cpuPercent');
  add(NETWORK_METRIC, 'networkKbps');
  return [...byTime.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}
