import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type CustomRoute } from '@slack/bolt';
import { type Logger } from '../labs/ports';
import { loggablePath } from './dispatch-errors';

/** A running side server. */
export interface SideHttpServer {
  /** The port actually listened on (the ephemeral one when 0 was asked for). */
  readonly port: number;
  /** Stops listening and closes idle keep-alive connections. Never rejects. */
  close(): Promise<void>;
}

type Params = Record<string, string>;

/**
 * Matches `/labs/:id/keepalive`-style paths (the subset of Bolt's custom route syntax labbot uses). `malformed` when
 * a parameter's percent-encoding does not decode (answered 400, as in HTTP mode).
 */
function matchPath(pattern: string, path: string): Params | 'malformed' | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) {
    return undefined;
  }
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':') && g !== '') {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return 'malformed';
      }
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

/**
 * The HTTP port of Socket Mode, where nothing comes from Slack but probes and scrapers still need `/healthz`,
 * `/readyz` and `/metrics` (DESIGN.md section 3). Serves the same route handlers as HTTP mode's Bolt custom
 * routes (with `params` on the request, as Bolt does); anything else is 404.
 * @throws Error (from node:http) when the port cannot be bound.
 */
export async function startSideHttpServer(
  routes: readonly CustomRoute[],
  port: number,
  host: string,
  logger: Logger,
): Promise<SideHttpServer> {
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const method = (request.method ?? 'GET').toUpperCase();
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    for (const route of routes) {
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) =>
        m.toUpperCase(),
      );
      const params = methods.includes(method) ? matchPath(route.path, path) : undefined;
      if (params === 'malformed') {
        logger.info(
          { method, path: loggablePath(request.url) },
          'HTTP request with a malformed percent-encoding refused',
        );
        response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('malformed request\n');
        return;
      }
      if (params) {
        route.handler(Object.assign(request, { params }), response);
        return;
      }
    }
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close((error) => {
          if (error) {
            logger.warn({ err: error }, 'Side HTTP server did not close cleanly');
          }
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
