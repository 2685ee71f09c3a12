/**
 * Read-only views of the VCD a `VcdCloud` talks to, for `labbot doctor`, start-up checks and tests: the version, the
 * login, the org, the VDC, the catalog, networks, edge gateways, and a VM's or vApp's raw documents. Not part of the labs' `Cloud` port: nothing that drives
 * a lab calls these. It shares the cloud's funnel (session, retries, TLS) and its cached VDC and edge lookups, so a
 * check proves what the bot will meet and costs no second login.
 */
import { type NegotiatedVersion } from './api-version';
import { VcdApiError } from './errors';
import { type CloudApi } from './nsxt/cloudapi';
import { type EdgeTarget } from './nsxt/edge-lookup';
import {
  type NetworkResources,
  type VcdEdgeGatewayRecord,
  type VcdOrgVdcNetwork,
  type VdcRef,
} from './network-resources';
import { type VAppResources, type VcdCatalogRef, type VcdVmMetrics } from './vapp-resources';
import { type VcdSession } from './vcd-auth';
import { type VcdHttp } from './vcd-http';
import { type VcdQueryService } from './vcd-query';
import { type VcdEdgeGateway } from './wire/edge-gateway';
import { type VcdLeaseSettingsSection } from './wire/lease';
import { type VcdReference } from './wire/link';
import { parseOrgList } from './wire/org';
import { type VcdVm } from './wire/vapp';

/** What `labbot doctor` reports about the connection: the version negotiated and how the login went. */
export interface VcdConnectionInfo {
  apiVersion: string;
  /** The server's newest version is older than API 33.0: legacy `/api/sessions` login. */
  legacyLogin: boolean;
  /** The only common version is one the server marks deprecated. */
  deprecatedVersion: boolean;
  loginMethod: VcdSession['method'];
}

/** The parts of a VcdCloud the inspector reads through (the cloud builds it with its own). */
export interface VcdInspectorParts {
  http: VcdHttp;
  queries: VcdQueryService;
  vapps: VAppResources;
  networks: NetworkResources;
  cloudApi: CloudApi;
  /** The configured org VDC, looked up once by the cloud. */
  vdc(): Promise<VdcRef>;
  /** An edge and its backing by name, looked up once by the cloud. */
  edge(name: string): Promise<EdgeTarget>;
}

export class VcdInspector {
  constructor(private readonly parts: VcdInspectorParts) {}

  /**
   * Negotiates the version and logs in now rather than on first use.
   *
   * @returns the negotiated API version.
   * @throws VcdApiError, VcdUnavailableError.
   */
  async connect(): Promise<string> {
    const http = this.parts.http;
    await http.connect();
    // connect() resolves only after negotiation set the version.
    if (http.apiVersion === undefined) {
      throw new VcdApiError({ message: 'API version unknown after login' });
    }
    return http.apiVersion;
  }

  /**
   * Reads `GET /api/versions` and picks the API version, without logging in: tells an unreachable VCD from a
   * refused login.
   *
   * @throws VcdUnavailableError (unreachable, 5xx), VcdApiError (UNSUPPORTED_API_VERSION, MALFORMED_RESPONSE).
   */
  negotiateVersion(): Promise<NegotiatedVersion> {
    return this.parts.http.negotiateVersion();
  }

  /**
   * Negotiates and logs in (if not done yet) and says how.
   *
   * @throws VcdApiError (LOGIN_FAILED, UNSUPPORTED_API_VERSION), VcdUnavailableError.
   */
  async connectionInfo(): Promise<VcdConnectionInfo> {
    const http = this.parts.http;
    const negotiated = await http.negotiateVersion();
    await http.connect();
    return {
      apiVersion: negotiated.version,
      legacyLogin: negotiated.legacyLogin,
      deprecatedVersion: negotiated.deprecated,
      loginMethod: http.loginMethod ?? 'legacy',
    };
  }

  /**
   * The organizations the session can see (`GET /api/org`); a tenant sees only its own.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  listOrgs(): Promise<VcdReference[]> {
    return this.parts.http.requestParsed({ method: 'GET', path: '/api/org' }, parseOrgList);
  }

  /**
   * The configured org VDC, looked up once.
   *
   * @throws VcdNotFoundError (no VDC of that name is visible), VcdApiError, VcdUnavailableError.
   */
  getVdc(): Promise<VdcRef> {
    return this.parts.vdc();
  }

  /**
   * Names of every org VDC the session can see, for "did you mean" answers.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  async listVdcNames(): Promise<string[]> {
    const records = await this.parts.queries.records('orgVdc', []);
    return records
      .map((r) => r.attributes.name ?? '')
      .filter((n) => n !== '')
      .sort();
  }

  /**
   * A catalog by name (default: the configured one).
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  findCatalog(name?: string): Promise<VcdCatalogRef> {
    return this.parts.vapps.findCatalog(name);
  }

  /**
   * The VDC's org networks, sorted by name.
   *
   * @throws VcdNotFoundError (no such VDC), VcdApiError, VcdUnavailableError.
   */
  listOrgVdcNetworks(): Promise<VcdOrgVdcNetwork[]> {
    return this.parts.networks.listOrgVdcNetworks();
  }

  /**
   * One org VDC network by exact name, preferring the configured VDC; undefined when there is none.
   *
   * @throws VcdNotFoundError (no such VDC), VcdApiError, VcdUnavailableError.
   */
  findOrgVdcNetwork(name: string): Promise<VcdOrgVdcNetwork | undefined> {
    return this.parts.networks.findOrgVdcNetwork(name);
  }

  /**
   * The VDC's edge gateways; empty when it has none.
   *
   * @throws VcdNotFoundError (no such VDC), VcdApiError (403 when the role may not list edges), VcdUnavailableError.
   */
  listEdgeGateways(): Promise<VcdEdgeGatewayRecord[]> {
    return this.parts.networks.listEdgeGateways();
  }

  /**
   * An edge gateway with its uplinks (public IP ranges), NAT and firewall rules.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  getEdgeGateway(edgeHref: string): Promise<VcdEdgeGateway> {
    return this.parts.networks.getEdgeGateway(edgeHref);
  }

  /**
   * The configured edge and what backs it (NSX-T through the CloudAPI, or NSX-V). The cloud keeps the lookup, so
   * the first lab does not repeat it.
   *
   * @throws VcdNotFoundError (no such edge), VcdApiError (EDGE_DISTRIBUTED_ONLY), VcdUnavailableError.
   */
  describeEdge(edge: string): Promise<EdgeTarget> {
    return this.parts.edge(edge);
  }

  /**
   * One VM with hardware and NICs; undefined when it is gone.
   *
   * @throws VcdApiError, VcdUnavailableError.
   */
  getVm(vmHref: string): Promise<VcdVm | undefined> {
    return this.parts.vapps.getVm(vmHref);
  }

  /**
   * A VM's current metrics (CPU, memory, disk) as VCD reports them now.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  getVmMetrics(vmHref: string): Promise<VcdVmMetrics> {
    return this.parts.vapps.getVmMetrics(vmHref);
  }

  /**
   * The vApp's runtime and storage leases.
   *
   * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
   */
  getLeaseSettings(vappHref: string): Promise<VcdLeaseSettingsSection> {
    return this.parts.vapps.getLeaseSettings(vappHref);
  }

  /** The CloudAPI of this connection (JSON calls through the same funnel), for doctor's NSX-T checks. */
  get cloudapi(): CloudApi {
    return this.parts.cloudApi;
  }
}
