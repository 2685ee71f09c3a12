/**
 * The VCD API simulator: an HTTP(S) server on loopback serving VCD's `/api` (XML), the CloudAPI session endpoints and
 * the API-token exchange, over an in-memory org (sim-state.ts), plus its own admin endpoint under `/_sim/`. It is the
 * embedded default cloud and the test peer of labbot's VCD client (DESIGN.md section 2), so it imitates real VCD's
 * status codes, media types, Links and Error documents rather than being merely convenient. See README.md.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { type EdgeOptions } from './cloudapi/nsxt-model';
import { FaultInjector, type SimFaults } from './faults';
import { Hrefs } from './hrefs';
import { handleAdmin } from './http/admin';
import { dispatch, operationOf, routePath } from './http/dispatch';
import { injectedResponse } from './http/injected';
import { isOfferedVersion } from './documents/versions';
import { NEWEST_VERSION, acceptedVersion } from './http/negotiation';
import { type SimResponse } from './http/sim-http';
import { type UsageProfile } from './model';
import { seededRandom } from './random';
import { SimState, type SimVdcConfig } from './sim-state';
import { generateSelfSignedCertificate, type TlsMaterial } from './tls';

export { SimState, type SimVdcConfig } from './sim-state';
export { type EdgeOptions, type EdgeKind, type EdgeDeploymentMode } from './cloudapi/nsxt-model';

/** The edge a simulator gets without `edge`: NSX-T, as on every current cloud (VCD 10.5+ has no NSX-V). */
export const DEFAULT_EDGE: EdgeOptions = { kind: 'nsxt' };
export { FaultInjector, type SimFaults } from './faults';
export { type UsageProfile } from './model';

export interface VcdSimOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Task durations are divided by this (default 1); tests use 50-1000. */
  speedFactor?: number;
  /** Injected clock in ms (default Date.now); task progress, leases, sessions and metrics are computed from it. */
  now?: () => number;
  /** Organization name (default `lab`). */
  org?: string;
  /** Org VDC name (default `lab-vdc`); with `vdcs`, it names the one that holds networks, edge and templates. */
  vdc?: string;
  /** The org's VDCs with their quotas (default: one VDC named `vdc` with DEFAULT_VDC_LIMITS). */
  vdcs?: SimVdcConfig[];
  /** Catalog holding the lab templates (default `labs`). */
  catalog?: string;
  /** Login user (default `admin`). */
  user?: string;
  /** Login password (default `admin`). */
  password?: string;
  /** API token accepted by the OAuth exchange (default `simulated-api-token`). */
  apiToken?: string;
  /** A service account of the org (VCD 10.4+): name and first refresh token, single-use and rotated at each login. */
  serviceAccount?: { name: string; token: string };
  /** Simultaneous user tasks before 400 OPERATION_LIMITS_EXCEEDED (default 10; 0 for unlimited). */
  maxConcurrentTasks?: number;
  /** Session idle timeout (default 30 minutes, VCD's default). */
  sessionIdleTimeoutMs?: number;
  /** Usage profile of new VMs (default: busy for 60 minutes after power-on, then idle). */
  defaultUsage?: UsageProfile;
  /** Also report `net.usage.average`, which real VCD does not (default false). */
  reportNetworkMetrics?: boolean;
  /** Public addresses sub-allocated to the edge gateway (default 203.0.113.10-203.0.113.60). */
  publicIps?: { start: string; end: string };
  /** What a runtime lease expiry does: `powerOff` (default) or `suspend`. */
  runtimeLeaseExpiryAction?: 'powerOff' | 'suspend';
  /**
   * The edge gateway's backing and owner: `{kind: 'nsxt'}` serves it through the CloudAPI (NAT, firewall, IP sets,
   * port profiles) and refuses the legacy configureServices; `vdcGroup`, `ipSpace`, `deploymentMode` refine it.
   * Default: an NSX-T edge owned by the VDC (DEFAULT_EDGE); `{kind: 'nsxv'}` for the legacy one.
   */
  edge?: EdgeOptions;
  /** Faults in force from the start (see faults.ts; also `POST /_sim/faults`). */
  faults?: SimFaults;
  /** Seed of the random source behind fault rates and latency spikes (default 1). */
  seed?: number;
  /** The random source itself, uniform in [0, 1); overrides `seed`. */
  random?: () => number;
  /** How injected latency waits (default setTimeout); tests pass a recorder so no test sleeps. */
  delay?: (ms: number) => Promise<void>;
  /** Serve HTTPS: `true` for a self-signed certificate made with openssl at start-up, or a key and certificate. */
  tls?: boolean | TlsMaterial;
  /** Serve the `/_sim/` admin endpoint (default true). */
  adminApi?: boolean;
}

export interface VcdSim {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:43211`. */
  readonly url: string;
  /** The simulated world, for tests to inspect and steer (reads settle due tasks first). */
  readonly state: SimState;
  /** Fault rules in force; `configure` replaces them. */
  readonly faults: FaultInjector;
  /** The PEM certificate when serving HTTPS. */
  readonly certificate?: string;
  /** Stops listening and closes open connections. Never rejects. */
  close(): Promise<void>;
}

/** Request bodies VCD accepts are small XML documents; anything larger is refused rather than buffered. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

const realDelay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Runtime {
  readonly state: SimState;
  readonly faults: FaultInjector;
  readonly delay: (ms: number) => Promise<void>;
  readonly adminApi: boolean;
  hrefs: Hrefs;
}

function write(
  res: ServerResponse,
  requestId: string,
  apiVersion: string,
  response: SimResponse,
  started: bigint,
): void {
  const payload = Buffer.from(response.body ?? '', 'utf8');
  const headers: Record<string, string | string[]> = {
    'X-VMWARE-VCLOUD-REQUEST-ID': requestId,
    'X-VMWARE-VCLOUD-REQUEST-EXECUTION-TIME': String(
      Number((process.hrtime.bigint() - started) / 1_000_000n),
    ),
    'Content-Length': String(payload.length),
    ...response.headers,
  };
  if (response.mediaType !== undefined) {
    headers['Content-Type'] =
      response.versioned === false ? response.mediaType : `${response.mediaType};version=${apiVersion}`;
  }
  res.writeHead(response.status, headers).end(payload);
}

async function serve(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    res.writeHead(413, { 'X-VMWARE-VCLOUD-REQUEST-ID': randomUUID(), 'Content-Length': '0' }).end();
    return;
  }
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const started = process.hrtime.bigint();
  let path = '/';
  try {
    path = routePath(url);
  } catch {
    // dispatch answers an unparsable URL with its own error.
  }
  if (rt.adminApi && path.startsWith('/_sim/')) {
    const answer = handleAdmin({ state: rt.state, faults: rt.faults, hrefs: rt.hrefs }, method, path, body);
    const payload = answer.body === undefined ? '' : JSON.stringify(answer.body, null, 2);
    res
      .writeHead(answer.status, {
        'Content-Length': String(Buffer.byteLength(payload)),
        ...(payload === '' ? {} : { 'Content-Type': 'application/json' }),
      })
      .end(payload);
    return;
  }
  const decision = rt.faults.decide(operationOf(method, url));
  if (decision.delayMs > 0) {
    await rt.delay(decision.delayMs);
  }
  if (decision.drop === 'before') {
    req.socket.destroy();
    return;
  }
  if (decision.error !== undefined) {
    const requestId = randomUUID();
    const requested = acceptedVersion(req.headers);
    const version = requested !== undefined && isOfferedVersion(requested) ? requested : NEWEST_VERSION;
    write(res, requestId, version, injectedResponse(decision.error, url, requestId, rt.state), started);
    return;
  }
  const { requestId, apiVersion, response } = dispatch(rt.state, rt.hrefs, {
    method,
    url,
    headers: req.headers,
    body,
  });
  if (decision.drop === 'after') {
    req.socket.destroy();
    return;
  }
  write(res, requestId, apiVersion, response, started);
}

/** The org's VDCs from the options; the one named `vdc` (default the first) comes first. */
function resolveVdcs(options: VcdSimOptions): SimVdcConfig[] {
  const vdcs = options.vdcs ?? [{ name: options.vdc ?? 'lab-vdc' }];
  if (vdcs.length === 0) {
    throw new Error('vdcs must name at least one VDC');
  }
  const primaryName = options.vdc ?? vdcs[0]?.name;
  const primary = vdcs.find((v) => v.name === primaryName);
  if (primary === undefined) {
    throw new Error(`vdc "${primaryName ?? ''}" is not one of the configured vdcs`);
  }
  const names = vdcs.map((v) => v.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new Error(`VDC name "${duplicate}" is configured twice`);
  }
  return [primary, ...vdcs.filter((v) => v !== primary)];
}

/**
 * Starts a simulator.
 *
 * @throws Error (rejects) when the port cannot be bound, `speedFactor` is not a positive number, the VDC options are
 *   inconsistent, a fault rule is malformed, or `tls: true` and openssl is missing.
 */
export async function startVcdSim(options: VcdSimOptions = {}): Promise<VcdSim> {
  const speedFactor = options.speedFactor ?? 1;
  if (!(speedFactor > 0) || !Number.isFinite(speedFactor)) {
    throw new Error(`speedFactor must be a positive number, got ${speedFactor}`);
  }
  const state = new SimState({
    orgName: options.org ?? 'lab',
    vdcs: resolveVdcs(options),
    catalogName: options.catalog ?? 'labs',
    userName: options.user ?? 'admin',
    password: options.password ?? 'admin',
    apiToken: options.apiToken ?? 'simulated-api-token',
    ...(options.serviceAccount !== undefined ? { serviceAccount: options.serviceAccount } : {}),
    speedFactor,
    now: options.now ?? Date.now,
    maxConcurrentTasks: options.maxConcurrentTasks,
    sessionIdleTimeoutMs: options.sessionIdleTimeoutMs,
    defaultUsage: options.defaultUsage,
    reportNetworkMetrics: options.reportNetworkMetrics,
    publicIps: options.publicIps,
    runtimeLeaseExpiryAction: options.runtimeLeaseExpiryAction,
    edge: options.edge ?? DEFAULT_EDGE,
  });
  const faults = new FaultInjector(state, options.random ?? seededRandom(options.seed ?? 1));
  if (options.faults !== undefined) {
    faults.configure(options.faults);
  }
  const host = options.host ?? '127.0.0.1';
  const tls = options.tls === true ? generateSelfSignedCertificate(host) : options.tls || undefined;
  const scheme = tls === undefined ? 'http' : 'https';
  const rt: Runtime = {
    state,
    faults,
    delay: options.delay ?? realDelay,
    adminApi: options.adminApi ?? true,
    hrefs: new Hrefs(`${scheme}://${host}`),
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    serve(rt, req, res).catch(() => {
      // The client went away mid-request; there is nobody left to answer.
      if (!res.headersSent) {
        res.writeHead(500, { 'X-VMWARE-VCLOUD-REQUEST-ID': randomUUID(), 'Content-Length': '0' });
      }
      res.end();
    });
  };
  const server: Server =
    tls === undefined ? createServer(handler) : createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const url = `${scheme}://${hostPart}:${port}`;
  rt.hrefs = new Hrefs(url);
  return {
    url,
    state,
    faults,
    certificate: tls?.cert,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
