/**
 * Operations on one vApp or VM beyond the lab lifecycle: power actions, hardware and metrics, lease, NIC
 * configuration, metadata removal and capture to a catalog. Every call goes through the funnel.
 */
import { type CloudTask, type CloudTemplate, type TaskProgress } from '../labs/ports';
import { VcdApiError, VcdNotFoundError } from './errors';
import { type VcdRequest } from './http-types';
import { type VcdQueryService } from './vcd-query';
import { buildCaptureVAppParams } from './wire/capture';
import {
  buildLeaseSettingsSection,
  parseLeaseSettingsSection,
  type LeaseSettingsInput,
  type VcdLeaseSettingsSection,
} from './wire/lease';
import { MEDIA_TYPE } from './wire/media-types';
import { parseCurrentUsage, summarizeUsage, type VcdMetric, type VcdVmUsage } from './wire/metrics';
import {
  buildNetworkConnectionSection,
  parseNetworkConnectionSection,
  type NetworkConnectionSectionInput,
  type VcdNetworkConnectionSection,
} from './wire/network-connection';
import { type TaskTimings } from './tasks';
import { parseTask, type VcdTask } from './wire/task';
import { parseVm, type VcdVm } from './wire/vapp';

/** `POST <vApp or VM>/power/action/<action>` (each answers 202 with a Task). */
export type PowerAction = 'powerOn' | 'powerOff' | 'shutdown' | 'suspend' | 'reboot' | 'reset';

/** A VM's metrics now: every metric VCD reported, and the ones we use. */
export interface VcdVmMetrics {
  metrics: VcdMetric[];
  usage: VcdVmUsage;
}

/** A catalog found by name. */
export interface VcdCatalogRef {
  name: string;
  href: string;
}

export interface CaptureRequest {
  /** Name of the new template (and its catalog item). */
  name: string;
  description?: string;
  /** Target catalog; default the configured one. */
  catalogName?: string;
  /** See CaptureVAppInput.customizeOnInstantiate; default: leave it out. */
  customizeOnInstantiate?: boolean;
}

interface Transport {
  requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T>;
}

export interface VAppResourcesOptions {
  http: Transport;
  queries: VcdQueryService;
  /** The configured catalog, used when a capture names none. */
  catalog: string;
  wait: (taskHref: string, onProgress?: TaskProgress) => Promise<VcdTask>;
  /** Told of every task started here, so its wait can sleep until it is expected to end. */
  timings?: TaskTimings;
}

/** The vApp and VM operations; stateless apart from the catalog lookups it caches. */
export class VAppResources {
  private readonly catalogs = new Map<string, Promise<VcdCatalogRef>>();

  constructor(private readonly options: VAppResourcesOptions) {}

  /**
   * Starts a power action on a vApp or a single VM (the href of either). `shutdown` asks the guest OS through
   * VMware Tools; `powerOff` pulls the plug.
   *
   * @throws VcdNotFoundError, VcdApiError (e.g. 400 when the state does not allow it), VcdUnavailableError.
   */
  async startPowerAction(href: string, action: PowerAction): Promise<CloudTask> {
    return this.task({ method: 'POST', path: `${href}/power/action/${action}` });
  }

  /**
   * A VM with its hardware (vCPU, memory, disks) and NICs; undefined when it is gone.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  async getVm(vmHref: string): Promise<VcdVm | undefined> {
    return orUndefined(this.options.http.requestParsed({ method: 'GET', path: vmHref }, parseVm));
  }

  /**
   * A VM's current metrics (`GET <vm>/metrics/current`, API 5.6+). A VM that is off reports few or none.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  async getVmMetrics(vmHref: string): Promise<VcdVmMetrics> {
    const metrics = await this.options.http.requestParsed(
      { method: 'GET', path: `${vmHref}/metrics/current` },
      parseCurrentUsage,
    );
    return { metrics, usage: summarizeUsage(metrics) };
  }

  /**
   * The vApp's runtime and storage leases.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  getLeaseSettings(vappHref: string): Promise<VcdLeaseSettingsSection> {
    return this.options.http.requestParsed(
      { method: 'GET', path: `${vappHref}/leaseSettingsSection/` },
      parseLeaseSettingsSection,
    );
  }

  /**
   * Changes the vApp's leases. A value left out keeps its current setting (read first, since a section without
   * it could reset it). A runtime lease restarts when the vApp is next deployed.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  async startSetLease(vappHref: string, lease: LeaseSettingsInput): Promise<CloudTask> {
    let input = lease;
    if (lease.deploymentLeaseSeconds === undefined || lease.storageLeaseSeconds === undefined) {
      const current = await this.getLeaseSettings(vappHref);
      input = {
        deploymentLeaseSeconds: lease.deploymentLeaseSeconds ?? current.deploymentLeaseInSeconds,
        storageLeaseSeconds: lease.storageLeaseSeconds ?? current.storageLeaseInSeconds,
      };
    }
    return this.task({
      method: 'PUT',
      path: `${vappHref}/leaseSettingsSection/`,
      contentType: MEDIA_TYPE.leaseSettingsSection,
      body: buildLeaseSettingsSection(input),
    });
  }

  /**
   * A VM's NICs as its NetworkConnectionSection holds them.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  getNetworkConnections(vmHref: string): Promise<VcdNetworkConnectionSection> {
    return this.options.http.requestParsed(
      { method: 'GET', path: `${vmHref}/networkConnectionSection/` },
      parseNetworkConnectionSection,
    );
  }

  /**
   * Replaces a VM's NIC configuration (read it, change it with toNetworkConnectionInput, write it back).
   *
   * @throws VcdNotFoundError, VcdApiError (e.g. a network the vApp does not have), VcdUnavailableError.
   */
  startSetNetworkConnections(vmHref: string, section: NetworkConnectionSectionInput): Promise<CloudTask> {
    return this.task({
      method: 'PUT',
      path: `${vmHref}/networkConnectionSection/`,
      contentType: MEDIA_TYPE.networkConnectionSection,
      body: buildNetworkConnectionSection(section),
    });
  }

  /**
   * Removes one metadata key (GENERAL domain).
   *
   * @throws VcdNotFoundError (no such entity or key), VcdApiError, VcdUnavailableError.
   */
  startDeleteMetadata(href: string, key: string): Promise<CloudTask> {
    return this.task({ method: 'DELETE', path: `${href}/metadata/${encodeURIComponent(key)}` });
  }

  /**
   * A catalog by exact name, looked up once per name (a failed lookup is retried next time).
   *
   * @throws VcdNotFoundError (no catalog of that name is visible), VcdApiError, VcdUnavailableError.
   */
  findCatalog(name: string = this.options.catalog): Promise<VcdCatalogRef> {
    let found = this.catalogs.get(name);
    if (found === undefined) {
      found = this.lookupCatalog(name).catch((error: unknown) => {
        this.catalogs.delete(name);
        throw error;
      });
      this.catalogs.set(name, found);
    }
    return found;
  }

  private async lookupCatalog(name: string): Promise<VcdCatalogRef> {
    const record = (await this.options.queries.records('catalog', [['name', name]])).find(
      (r) => r.attributes.name === name && r.attributes.href !== undefined,
    );
    if (record?.attributes.href === undefined) {
      throw new VcdNotFoundError(`catalog "${name}" is not visible to this user`);
    }
    return { name, href: record.attributes.href };
  }

  /**
   * Starts capturing a vApp into a catalog as a new template (`POST <catalog>/action/captureVApp`, API 5.5+).
   * Capture a stopped vApp: a running one is captured without its memory state.
   *
   * @throws VcdNotFoundError (catalog or vApp), VcdApiError (e.g. DUPLICATE_NAME), VcdUnavailableError.
   */
  async startCapture(vappHref: string, request: CaptureRequest): Promise<CloudTask> {
    const catalog = await this.findCatalog(request.catalogName);
    return this.task({
      method: 'POST',
      path: `${catalog.href}/action/captureVApp`,
      contentType: MEDIA_TYPE.captureVAppParams,
      body: buildCaptureVAppParams({
        name: request.name,
        description: request.description,
        sourceHref: vappHref,
        customizeOnInstantiate: request.customizeOnInstantiate,
      }),
    });
  }

  /**
   * Waits for a capture task and returns the new template, which VCD names as the task's Owner. `expected` is what
   * startCapture was asked for: the name stands in when the Owner carries none.
   *
   * @throws VcdTaskFailedError (and VcdTaskDeadlineError), VcdApiError (MALFORMED_RESPONSE when the finished task
   *   names no template), VcdNotFoundError, VcdUnavailableError.
   */
  async waitForCapture(
    task: CloudTask,
    expected: Pick<CaptureRequest, 'name' | 'catalogName'>,
    onProgress?: TaskProgress,
  ): Promise<CloudTemplate> {
    const done = await this.options.wait(task.href, onProgress);
    const owner = done.owner;
    if (owner === undefined || !/vappTemplate/i.test(`${owner.type ?? ''} ${owner.href}`)) {
      throw new VcdApiError({
        method: 'GET',
        path: task.href,
        minorErrorCode: 'MALFORMED_RESPONSE',
        message: `the capture task finished without naming the new template (owner ${owner?.href ?? 'missing'})`,
      });
    }
    return {
      name: owner.name || expected.name,
      href: owner.href,
      catalogName: expected.catalogName ?? this.options.catalog,
    };
  }

  private async task(request: VcdRequest): Promise<CloudTask> {
    const task = await this.options.http.requestParsed(request, parseTask);
    this.options.timings?.sawStart(task.href, task.operationName);
    return { href: task.href };
  }
}

/** Resolves to undefined when the entity is gone (404, or 403 on a GET: VCD hides deleted entities). */
async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof VcdNotFoundError) {
      return undefined;
    }
    throw error;
  }
}
