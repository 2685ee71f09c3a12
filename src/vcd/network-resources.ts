/**
 * Org VDC networks and edge gateways: lookups through the query service, the edge's own document, and changes to
 * its NAT and firewall. An edge gateway takes one configuration change at a time (VCD answers BUSY_ENTITY
 * otherwise) and each change replaces a whole service, so changes to one edge run strictly one after another,
 * each reading the configuration the previous one left.
 */
import { type Logger, type TaskProgress } from '../labs/ports';
import { VcdApiError } from './errors';
import { type VcdQueryService, type QueryTransport } from './vcd-query';
import { type VcdTask } from './wire/task';
import { parseEdgeGateway, type VcdEdgeGateway } from './wire/edge-gateway';
import { MEDIA_TYPE } from './wire/media-types';
import {
  buildEdgeGatewayServiceConfiguration,
  toFirewallRuleInput,
  toGatewayNatRuleInput,
  type EdgeServicesInput,
  type FirewallRuleInput,
  type FirewallServiceInput,
  type GatewayNatRuleInput,
  type NatServiceInput,
} from './wire/network-services';
import { type VcdQueryRecord } from './wire/query';
import { type TaskTimings } from './tasks';
import { parseTask } from './wire/task';

/** An org VDC network (query record `OrgVdcNetworkRecord`). */
export interface VcdOrgVdcNetwork {
  name: string;
  href: string;
  vdcHref?: string;
  vdcName?: string;
  /** natRouted (through an edge gateway), direct, isolated or unknown, from the record's linkType. */
  connection: 'natRouted' | 'direct' | 'isolated' | 'unknown';
  /** Name of the edge gateway a routed network hangs off. */
  edgeGatewayName?: string;
  gateway?: string;
  netmask?: string;
  dns1?: string;
  dns2?: string;
  dnsSuffix?: string;
  shared?: boolean;
  busy: boolean;
}

/** An edge gateway as the query service lists it (`EdgeGatewayRecord`). */
export interface VcdEdgeGatewayRecord {
  name: string;
  href: string;
  vdcHref?: string;
  vdcName?: string;
  busy: boolean;
  gatewayStatus?: string;
  haStatus?: string;
  advancedNetworking?: boolean;
  /** `NSXV_BACKED`, `NSXT_BACKED` or `NSXT_IMPORTED` (API 32.0 and later): which writer the edge needs. */
  edgeGatewayType?: string;
}

/** The NAT and firewall of an edge, in the form a change function edits and configureServices takes. */
export interface EdgeServices {
  nat: NatServiceInput;
  firewall: FirewallServiceInput;
}

const LINK_TYPES: Record<string, VcdOrgVdcNetwork['connection']> = {
  '0': 'direct',
  '1': 'natRouted',
  '2': 'isolated',
};

const bool = (value: string | undefined): boolean | undefined =>
  value === undefined ? undefined : value === 'true';

function toNetwork(record: VcdQueryRecord): VcdOrgVdcNetwork | undefined {
  const a = record.attributes;
  if (a.href === undefined || a.name === undefined) {
    return undefined;
  }
  return {
    name: a.name,
    href: a.href,
    vdcHref: a.vdc,
    vdcName: a.vdcName,
    connection: LINK_TYPES[a.linkType ?? ''] ?? 'unknown',
    edgeGatewayName: a.connectedTo || undefined,
    gateway: a.defaultGateway || undefined,
    netmask: a.netmask || undefined,
    dns1: a.dns1 || undefined,
    dns2: a.dns2 || undefined,
    dnsSuffix: a.dnsSuffix || undefined,
    shared: bool(a.isShared),
    busy: a.isBusy === 'true',
  };
}

function toEdgeRecord(record: VcdQueryRecord): VcdEdgeGatewayRecord | undefined {
  const a = record.attributes;
  if (a.href === undefined || a.name === undefined) {
    return undefined;
  }
  return {
    name: a.name,
    href: a.href,
    vdcHref: a.vdc,
    vdcName: a.orgVdcName ?? a.vdcName,
    busy: a.isBusy === 'true',
    gatewayStatus: a.gatewayStatus,
    haStatus: a.haStatus,
    advancedNetworking: bool(a.advancedNetworkingEnabled),
    ...(a.edgeGatewayType ? { edgeGatewayType: a.edgeGatewayType } : {}),
  };
}

/** The VDC that lookups are scoped to. */
export interface VdcRef {
  name: string;
  href: string;
}

export interface NetworkResourcesOptions {
  http: QueryTransport;
  queries: VcdQueryService;
  /** Resolves the configured VDC (cached by the caller). */
  vdc: () => Promise<VdcRef>;
  wait: (taskHref: string, onProgress?: TaskProgress) => Promise<VcdTask>;
  logger: Logger;
  /** Told of every task started here, so its wait can sleep until it is expected to end. */
  timings?: TaskTimings;
}

/** Network lookups and edge changes for one VDC. */
export class NetworkResources {
  private readonly edgeQueues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: NetworkResourcesOptions) {}

  /**
   * The org VDC networks of the VDC, sorted by name.
   *
   * @throws VcdNotFoundError (no such VDC), VcdApiError, VcdUnavailableError.
   */
  async listOrgVdcNetworks(): Promise<VcdOrgVdcNetwork[]> {
    const vdc = await this.options.vdc();
    const records = await this.options.queries.records('orgVdcNetwork', [['vdcName', vdc.name]]);
    return records
      .map(toNetwork)
      .filter((n): n is VcdOrgVdcNetwork => n !== undefined && inVdc(n, vdc))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * One org VDC network by exact name, preferring the configured VDC (names are unique per VDC, not per org);
   * undefined when there is none.
   *
   * @throws VcdNotFoundError (no such VDC), VcdApiError, VcdUnavailableError.
   */
  async findOrgVdcNetwork(name: string): Promise<VcdOrgVdcNetwork | undefined> {
    const vdc = await this.options.vdc();
    const matches = (await this.options.queries.records('orgVdcNetwork', [['name', name]]))
      .map(toNetwork)
      .filter((n): n is VcdOrgVdcNetwork => n !== undefined && n.name === name);
    return matches.find((n) => inVdc(n, vdc)) ?? (matches.length === 1 ? matches[0] : undefined);
  }

  /**
   * The edge gateways of the VDC, sorted by name; empty when there are none (or the VDC has only direct or
   * isolated networks).
   *
   * @throws VcdNotFoundError (no such VDC), VcdApiError (403 when the role may not see edges), VcdUnavailableError.
   */
  async listEdgeGateways(): Promise<VcdEdgeGatewayRecord[]> {
    const vdc = await this.options.vdc();
    // EdgeGatewayRecord names its VDC `orgVdcName` (not `vdcName`), so filter here rather than in the query.
    const records = await this.options.queries.records('edgeGateway', []);
    return records
      .map(toEdgeRecord)
      .filter((e): e is VcdEdgeGatewayRecord => e !== undefined && inVdc(e, vdc))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * An edge gateway's configuration: interfaces (uplinks with their public IP ranges), NAT and firewall.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  getEdgeGateway(href: string): Promise<VcdEdgeGateway> {
    return this.options.http.requestParsed({ method: 'GET', path: href }, parseEdgeGateway);
  }

  /**
   * Changes an edge's NAT and firewall: reads the current rules, lets `change` return the new ones, sends back only
   * the services that changed (VCD replaces each sent service whole) and waits for the task. Changes to one edge
   * never overlap, even from concurrent callers. A change that leaves both services as they were sends nothing.
   *
   * @throws VcdApiError (UNSUPPORTED_EDGE_CONFIGURATION when a changed service holds rules this client cannot write
   *   back unchanged, so that nothing it did not create is lost; EDGE_NOT_CONFIGURABLE without a configureServices
   *   link), VcdTaskFailedError, VcdNotFoundError, VcdUnavailableError.
   */
  updateEdgeGatewayServices(
    edgeHref: string,
    change: (current: EdgeServices) => EdgeServices,
    onProgress?: TaskProgress,
  ): Promise<void> {
    return this.serialized(edgeHref, async () => {
      const edge = await this.getEdgeGateway(edgeHref);
      const { services, unsupported } = currentServices(edge);
      const next = change(structuredClone(services));
      const body: EdgeServicesInput = {};
      if (JSON.stringify(next.nat) !== JSON.stringify(services.nat)) {
        body.nat = next.nat;
      }
      if (JSON.stringify(next.firewall) !== JSON.stringify(services.firewall)) {
        body.firewall = next.firewall;
      }
      const blocked = (['nat', 'firewall'] as const).filter(
        (s) => body[s] !== undefined && unsupported[s] > 0,
      );
      if (blocked.length > 0) {
        throw new VcdApiError({
          minorErrorCode: 'UNSUPPORTED_EDGE_CONFIGURATION',
          message:
            `edge gateway ${edge.name} has ${blocked.map((s) => `${unsupported[s]} ${s}`).join(' and ')} rule(s) ` +
            'this client cannot write back unchanged; refusing to change that service',
        });
      }
      if (body.nat === undefined && body.firewall === undefined) {
        return;
      }
      const target = edge.configureServicesHref;
      if (target === undefined) {
        throw new VcdApiError({
          minorErrorCode: 'EDGE_NOT_CONFIGURABLE',
          message: `edge gateway ${edge.name} offers no configureServices link; the role may lack the right to change it`,
        });
      }
      const task = await this.options.http.requestParsed(
        {
          method: 'POST',
          path: target,
          contentType: MEDIA_TYPE.edgeGatewayServiceConfiguration,
          body: buildEdgeGatewayServiceConfiguration(body),
          // The edge takes one change at a time: every lab waiting for its rules waits for this one.
          urgent: true,
        },
        parseTask,
      );
      this.options.timings?.sawStart(task.href, task.operationName);
      this.options.logger.info(
        { edge: edge.name, natRules: body.nat?.rules.length, firewallRules: body.firewall?.rules.length },
        'Edge gateway services reconfiguring',
      );
      await this.options.wait(task.href, onProgress);
    });
  }

  /** Runs `work` after every earlier change to the same edge has finished, whatever its outcome. */
  private serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.edgeQueues.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.edgeQueues.set(key, settled);
    void settled.then(() => {
      if (this.edgeQueues.get(key) === settled) {
        this.edgeQueues.delete(key);
      }
    });
    return run;
  }
}

function inVdc(item: { vdcHref?: string; vdcName?: string }, vdc: VdcRef): boolean {
  if (item.vdcHref !== undefined && sameHref(item.vdcHref, vdc.href)) {
    return true;
  }
  return item.vdcName === vdc.name;
}

/** Hrefs of one entity may differ in scheme case or an `/admin` segment (`/api/admin/vdc/x` vs `/api/vdc/x`). */
function sameHref(a: string, b: string): boolean {
  const id = (href: string): string => href.toLowerCase().replace('/api/admin/', '/api/');
  return id(a) === id(b);
}

/**
 * The edge's services as editable input, and how many rules of each could not be made editable (they select VMs, or
 * use a NAT variant an edge gateway does not take); those are left out of the input. Never throws.
 */
function currentServices(edge: VcdEdgeGateway): {
  services: EdgeServices;
  unsupported: { nat: number; firewall: number };
} {
  const natRules = (edge.nat?.rules ?? []).map(toGatewayNatRuleInput);
  const firewallRules = (edge.firewall?.rules ?? []).map(toFirewallRuleInput);
  return {
    services: {
      nat: {
        enabled: edge.nat?.enabled ?? true,
        rules: natRules.filter((r): r is GatewayNatRuleInput => r !== undefined),
      },
      firewall: {
        enabled: edge.firewall?.enabled ?? true,
        defaultAction: edge.firewall?.defaultAction === 'allow' ? 'allow' : 'drop',
        logDefaultAction: edge.firewall?.logDefaultAction ?? false,
        rules: firewallRules.filter((r): r is FirewallRuleInput => r !== undefined),
      },
    },
    unsupported: {
      nat: natRules.filter((r) => r === undefined).length,
      firewall: firewallRules.filter((r) => r === undefined).length,
    },
  };
}
