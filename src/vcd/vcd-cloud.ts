/**
 * The labs' `Cloud` port on VMware Cloud Director. The calls it makes are a fixed, short list (the
 * simulator implements exactly these): versions, login, queries for the VDC, its networks, the catalog's
 * templates and vApps by name, instantiate, task polls, metadata, power on, undeploy, delete and GETs.
 */
import { type NicInfo, type VmInfo } from '../labs/lab';
import {
  type Cloud,
  type CloudTask,
  type CloudTemplate,
  type CloudVApp,
  type Clock,
  type DeployRequest,
  type Logger,
  type Sleep,
  type TaskProgress,
} from '../labs/ports';
import { VcdApiError, VcdNotFoundError, VcdTaskDeadlineError, VcdTaskFailedError } from './errors';
import { buildQueryPath, type FilterCondition } from './query-filter';
import { waitForTask } from './tasks';
import { VcdHttp } from './vcd-http';
import { type VcdCredentials } from './vcd-auth';
import { buildInstantiateVAppTemplateParams, type VAppNetworkInput } from './wire/instantiate';
import { MEDIA_TYPE } from './wire/media-types';
import { buildMetadata, metadataToRecord, parseMetadata } from './wire/metadata';
import { parseQueryRecords, type VcdQueryPage, type VcdQueryRecord } from './wire/query';
import { parseTask } from './wire/task';
import { buildUndeployVAppParams, type UndeployPowerAction } from './wire/undeploy';
import { parseVApp, type VcdNic, type VcdVApp, type VcdVm } from './wire/vapp';

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
}

const DEFAULT_NETWORKS = ['Management', 'VM Network'];
const DEFAULT_TASK_DEADLINE_MS = 30 * 60_000;
/** A guest shutdown that has not finished in 10 minutes will not; the caller retries the teardown later. */
const SHUTDOWN_DEADLINE_MS = 10 * 60_000;
/** The query service's maximum page size (PG "Query Parameters"). */
const MAX_PAGE_SIZE = 128;
/** Guard against a server whose nextPage links go round in circles. */
const MAX_PAGES = 200;

const systemClock: Clock = { now: () => new Date() };
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
  private vdcHref?: Promise<string>;
  private readonly networkHrefs = new Map<string, Promise<string>>();

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
    });
  }

  /**
   * Negotiates the version and logs in now rather than on first use (for `labbot doctor` and start-up).
   *
   * @returns the negotiated API version.
   * @throws VcdApiError, VcdUnavailableError.
   */
  async connect(): Promise<string> {
    await this.http.connect();
    return this.apiVersion();
  }

  /** Releases keep-alive sockets. */
  close(): void {
    this.http.close();
  }

  /**
   * The catalog's vApp templates, every page.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  async listTemplates(): Promise<CloudTemplate[]> {
    const records = await this.query('vAppTemplate', [['catalogName', this.options.catalog]], MAX_PAGE_SIZE);
    return records
      .filter((r) => r.attributes.catalogName === this.options.catalog && r.attributes.href !== undefined)
      .map((r) => ({
        name: r.attributes.name ?? '',
        href: r.attributes.href ?? '',
        catalogName: this.options.catalog,
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
    const vdcHref = await this.resolveVdc();
    // One at a time: the lookups are cached after the first deploy, and the call order stays predictable.
    const networks: VAppNetworkInput[] = [];
    for (const name of this.networks) {
      networks.push({ name, parentHref: await this.resolveNetwork(name, vdcHref) });
    }
    const template = (await this.listTemplates()).find((t) => t.name === request.templateName);
    if (template === undefined) {
      throw new VcdNotFoundError(
        `template "${request.templateName}" is not in catalog "${this.options.catalog}"`,
      );
    }
    const path = `${vdcHref}/action/instantiateVAppTemplate`;
    const vapp = await this.http.requestParsed(
      {
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
      },
      parseVApp,
    );
    const task = vapp.tasks.find((t) => t.operationName === 'vdcInstantiateVapp') ?? vapp.tasks[0];
    if (task === undefined) {
      throw new VcdApiError({
        method: 'POST',
        path,
        minorErrorCode: 'MALFORMED_RESPONSE',
        message: `instantiateVAppTemplate answered a vApp without a task (${vapp.href})`,
      });
    }
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
      },
      parseTask,
    );
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
    const task = await this.http.requestParsed(
      { method: 'POST', path: `${vappHref}/power/action/powerOn` },
      parseTask,
    );
    return { href: task.href };
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
    try {
      return toCloudVApp(await this.http.requestParsed({ method: 'GET', path: vappHref }, parseVApp));
    } catch (error) {
      if (error instanceof VcdNotFoundError) {
        return undefined;
      }
      throw error;
    }
  }

  /**
   * Finds a vApp by exact name, preferring the configured VDC; undefined when there is none.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  async findVAppByName(name: string): Promise<CloudVApp | undefined> {
    const vdcHref = await this.resolveVdc();
    const records = (await this.query('vApp', [['name', name]])).filter((r) => r.attributes.name === name);
    const record = records.find((r) => r.attributes.vdc === vdcHref) ?? records[0];
    const href = record?.attributes.href;
    return href === undefined ? undefined : this.getVApp(href);
  }

  private async wait(taskHref: string, deadlineMs: number, onProgress?: TaskProgress): Promise<void> {
    await waitForTask(this.http, taskHref, {
      deadlineMs,
      clock: this.clock,
      sleep: this.sleep,
      onProgress,
      logger: this.options.logger,
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

  /** Runs a typed query and follows `rel="nextPage"` links. */
  private async query(
    type: string,
    conditions: FilterCondition[],
    pageSize?: number,
  ): Promise<VcdQueryRecord[]> {
    let path: string | undefined = buildQueryPath(type, conditions, await this.apiVersion(), { pageSize });
    const records: VcdQueryRecord[] = [];
    const seen = new Set<string>();
    while (path !== undefined && !seen.has(path) && seen.size < MAX_PAGES) {
      seen.add(path);
      const page: VcdQueryPage = await this.http.requestParsed({ method: 'GET', path }, parseQueryRecords);
      records.push(...page.records);
      path = page.nextPage;
    }
    return records;
  }

  /** The org VDC's href, looked up once (a failed lookup is retried on the next call). */
  private resolveVdc(): Promise<string> {
    this.vdcHref ??= this.lookupVdc().catch((error: unknown) => {
      this.vdcHref = undefined;
      throw error;
    });
    return this.vdcHref;
  }

  private async lookupVdc(): Promise<string> {
    const name = this.options.vdc;
    const record = (await this.query('orgVdc', [['name', name]])).find((r) => r.attributes.name === name);
    const href = record?.attributes.href;
    if (href === undefined) {
      throw new VcdNotFoundError(`org VDC "${name}" is not visible in org ${this.options.org}`);
    }
    return href;
  }

  private resolveNetwork(name: string, vdcHref: string): Promise<string> {
    let href = this.networkHrefs.get(name);
    if (href === undefined) {
      href = this.lookupNetwork(name, vdcHref).catch((error: unknown) => {
        this.networkHrefs.delete(name);
        throw error;
      });
      this.networkHrefs.set(name, href);
    }
    return href;
  }

  private async lookupNetwork(name: string, vdcHref: string): Promise<string> {
    const records = (await this.query('orgVdcNetwork', [['name', name]])).filter(
      (r) => r.attributes.name === name,
    );
    // Network names are unique per VDC, not per org: prefer ours.
    const record =
      records.find((r) => r.attributes.vdc === vdcHref || r.attributes.vdcName === this.options.vdc) ??
      (records.length === 1 ? records[0] : undefined);
    const href = record?.attributes.href;
    if (href === undefined) {
      throw new VcdNotFoundError(`org VDC network "${name}" is not in VDC "${this.options.vdc}"`);
    }
    return href;
  }
}

function toCloudVApp(vapp: VcdVApp): CloudVApp {
  return {
    href: vapp.href,
    name: vapp.name,
    description: vapp.description,
    powerState: vapp.powerState,
    deployed: vapp.deployed,
    vms: vapp.vms.map(toVmInfo),
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
