import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type CustomRoute } from '@slack/bolt';
import { type Logger } from '../labs/ports';

/** Answers whether the bot can do its job now (store reachable, cloud logged in, …), with a human detail. */
export type ReadinessCheck = () => Promise<{ ready: boolean; detail: string }>;

/** An extra route served on the Slack HTTP port (e.g. `/metrics` from observability/). */
export interface HttpRoute {
  path: string;
  /** The methods it answers. Default GET only. */
  methods?: readonly ('GET' | 'POST')[];
  handle: (request: IncomingMessage, response: ServerResponse) => void;
}

function sendText(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  response.end(`${body}\n`);
}

/**
 * Bolt custom routes for `GET /healthz` (200 "ok" while the process serves HTTP: liveness) and `GET /readyz`
 * (200 or 503 with the readiness detail; a check that throws or never settles within `timeoutMs` counts as not
 * ready, so a hung dependency cannot hang the probe).
 * Never throws; route handlers never reject.
 */
export function healthRoutes(readiness: ReadinessCheck, logger: Logger, timeoutMs = 5000): CustomRoute[] {
  return [
    { path: '/healthz', method: 'GET', handler: (_request, response) => sendText(response, 200, 'ok') },
    {
      path: '/readyz',
      method: 'GET',
      handler: (_request, response) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<{ ready: boolean; detail: string }>((resolve) => {
          timer = setTimeout(() => resolve({ ready: false, detail: 'readiness check timed out' }), timeoutMs);
          timer.unref();
        });
        // Promise.resolve().then: a check that throws synchronously is a failed check, not a failed request.
        void Promise.race([Promise.resolve().then(readiness), timeout])
          .catch((error: unknown) => {
            logger.warn({ err: error }, 'Readiness check failed');
            return { ready: false, detail: 'readiness check failed' };
          })
          .then(({ ready, detail }) => sendText(response, ready ? 200 : 503, detail))
          .catch((error: unknown) => logger.error({ err: error }, 'Could not answer readiness probe'))
          .finally(() => clearTimeout(timer));
      },
    },
  ];
}

/** Wraps extra routes as Bolt custom routes. Never throws. */
export function extraRoutes(routes: HttpRoute[]): CustomRoute[] {
  return routes.map((route) => ({
    path: route.path,
    method: [...(route.methods ?? ['GET'])],
    handler: route.handle,
  }));
}
