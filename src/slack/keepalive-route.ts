import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Logger } from '../labs/ports';
import { type HttpRoute } from './health-routes';

/**
 * `GET /labs/:id/keepalive?token=…`: a script inside a lab says it is in use, so the reaper leaves it alone.
 * 204 when the token is the lab's, 404 otherwise: the answer never says whether a lab exists. Never throws.
 */
export function keepaliveRoute(
  keepalive: (labId: string, token: string) => Promise<boolean>,
  logger: Logger,
): HttpRoute {
  return {
    path: '/labs/:id/keepalive',
    handle: (request: IncomingMessage & { params?: Record<string, string> }, response: ServerResponse) => {
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
