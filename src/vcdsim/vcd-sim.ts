/**
 * The VCD API simulator: an HTTP server on loopback serving VCD's `/api` (XML), the CloudAPI session endpoints and
 * the API-token exchange, over an in-memory org (sim-state.ts). It is the embedded default cloud and the test
 * peer of labbot's VCD client (DESIGN.md section 2), so it imitates real VCD's status codes, media types, Links and
 * Error documents rather than being merely convenient.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Hrefs } from './hrefs';
import { dispatch } from './http/dispatch';
import { SimState } from './sim-state';

export { SimState } from './sim-state';

export interface VcdSimOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Task durations are divided by this (default 1); tests use 50-1000. */
  speedFactor?: number;
  /** Injected clock in ms (default Date.now); task progress is computed from it, nothing runs on timers. */
  now?: () => number;
  /** Organization name (default `lab`). */
  org?: string;
  /** Org VDC name (default `lab-vdc`). */
  vdc?: string;
  /** Catalog holding the lab templates (default `labs`). */
  catalog?: string;
  /** Login user (default `admin`). */
  user?: string;
  /** Login password (default `admin`). */
  password?: string;
  /** API token accepted by the OAuth exchange (default `simulated-api-token`). */
  apiToken?: string;
}

export interface VcdSim {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:43211`. */
  readonly url: string;
  /** The simulated world, for tests to inspect (reads settle due tasks first). */
  readonly state: SimState;
  /** Stops listening and closes open connections. Never rejects. */
  close(): Promise<void>;
}

/** Request bodies VCD accepts are small XML documents; anything larger is refused rather than buffered. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

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

async function serve(
  state: SimState,
  hrefs: Hrefs,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    res.writeHead(413, { 'X-VMWARE-VCLOUD-REQUEST-ID': randomUUID(), 'Content-Length': '0' }).end();
    return;
  }
  const started = process.hrtime.bigint();
  const { requestId, apiVersion, response } = dispatch(state, hrefs, {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers: req.headers,
    body,
  });
  const payload = Buffer.from(response.body ?? '', 'utf8');
  const headers: Record<string, string> = {
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

/**
 * Starts a simulator.
 *
 * @throws Error (rejects) when the port cannot be bound, or when `speedFactor` is not a positive number.
 */
export async function startVcdSim(options: VcdSimOptions = {}): Promise<VcdSim> {
  const speedFactor = options.speedFactor ?? 1;
  if (!(speedFactor > 0) || !Number.isFinite(speedFactor)) {
    throw new Error(`speedFactor must be a positive number, got ${speedFactor}`);
  }
  const state = new SimState({
    orgName: options.org ?? 'lab',
    vdcName: options.vdc ?? 'lab-vdc',
    catalogName: options.catalog ?? 'labs',
    userName: options.user ?? 'admin',
    password: options.password ?? 'admin',
    apiToken: options.apiToken ?? 'simulated-api-token',
    speedFactor,
    now: options.now ?? Date.now,
  });
  const host = options.host ?? '127.0.0.1';
  let hrefs = new Hrefs(`http://${host}`);
  const server: Server = createServer((req, res) => {
    serve(state, hrefs, req, res).catch(() => {
      // The client went away mid-request; there is nobody left to answer.
      if (!res.headersSent) {
        res.writeHead(500, { 'X-VMWARE-VCLOUD-REQUEST-ID': randomUUID(), 'Content-Length': '0' });
      }
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const url = `http://${hostPart}:${port}`;
  hrefs = new Hrefs(url);
  return {
    url,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
