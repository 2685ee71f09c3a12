import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Logger } from '../labs/ports';
import { type HttpRoute } from './health-routes';

/** True when every percent-escape of the query decodes (URLSearchParams would quietly keep a broken one). */
function wellEncodedQuery(url: string): boolean {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  try {
    for (const part of query.split(/[&=]/)) {
      decodeURIComponent(part.replace(/\+/g, ' '));
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * `GET` or `POST /labs/:id/keepalive?token=…`: a script inside a lab says it is in use, so the reaper leaves it
 * alone. 204 when the token is the lab's, 404 otherwise: the answer never says whether a lab exists; 400 when the
 * query's percent-encoding is malformed (a malformed path is answered 400 by the server's dispatch, see
 * dispatch-errors.ts). The token never reaches a log line: nothing here logs the URL. Never throws.
 */
export function keepaliveRoute(
  keepalive: (labId: string, token: string) => Promise<boolean>,
  logger: Logger,
): HttpRoute {
  return {
    path: '/labs/:id/keepalive',
    methods: ['GET', 'POST'],
    handle: (request: IncomingMessage & { params?: Record<string, string> }, response: ServerResponse) => {
      if (!wellEncodedQuery(request.url ?? '/')) {
        response.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        response.end('malformed query string\n');
        return;
      }
      const labId = request.params?.id ?? '';
      const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
      keepalive(labId, token).then(
        (ok) => {
          response.writeHead(ok ? 204 : 404, { 'cache-control': 'no-store' });
          response.end();
        },
        (error: unknown) => {
          logger.error({ labId, err: error }, 'Keep-alive failed');
          response.writeHead(503, { 'cache-control': 'no-store' });
          response.end();
        },
      );
    },
  };
}
