/**
 * A counting HTTP proxy in front of the VCD simulator: every request the bot makes passes through it, so tests and
 * benchmarks can count calls (in all and per operation id, as the simulator names them), kill the bot at the n-th
 * call, and see when calls are in flight. Like a load balancer in front of VCD, it rewrites the simulator's own
 * address in answers (hrefs, Location) to its own; it never answers on its own, except with a reset socket when the
 * simulator is gone.
 */
import { EventEmitter } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { operationOf } from '../../src/vcdsim/http/dispatch';

/** One proxied call. */
export interface ProxiedCall {
  /** 1-based, counted since the last reset. */
  seq: number;
  method: string;
  url: string;
  /** The simulator's operation id (`vApp.instantiate`, `task.get`, …; README "Operation ids"). */
  operation: string;
  /** HTTP status of the answer; undefined while in flight or when the connection broke. */
  status?: number;
  /** The request body as sent (for XSD checks of what the client builds); set once it has arrived. */
  requestBody?: string;
  /** The answer's body as the simulator sent it. */
  responseBody?: string;
}

export interface VcdProxy {
  /** Base URL to give the bot as VCD_URL. */
  readonly url: string;
  /** Calls since the last reset, in arrival order. */
  readonly calls: readonly ProxiedCall[];
  /** Calls forwarded whose answer has not come back yet. */
  readonly inFlight: number;
  /** `request` (a call arrived) and `settled` (its answer went back or the connection broke), with the call. */
  readonly events: EventEmitter;
  /** Calls since the last reset per operation id. */
  countByOperation(): Map<string, number>;
  /** Forgets the calls counted so far (each bot run or benchmark scenario counts from zero). */
  reset(): void;
  close(): Promise<void>;
}

/** An answer as the proxy is about to send it back (after the simulator's address was rewritten). */
export interface ProxiedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Starts the proxy on an ephemeral loopback port. `onRequest` runs as each call arrives, before it is forwarded
 * (a test kills the bot there: VCD then may or may not act on that call, whichever the race gives). `rewrite` may
 * replace an answer before it goes back (the fuzz suite garbles bodies there); undefined passes it through.
 */
export async function startVcdProxy(
  target: string,
  onRequest?: (call: ProxiedCall) => void,
  rewrite?: (call: ProxiedCall, answer: ProxiedAnswer) => ProxiedAnswer | undefined,
): Promise<VcdProxy> {
  const targetUrl = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const events = new EventEmitter();
  let calls: ProxiedCall[] = [];
  let inFlight = 0;
  let self = '';

  const server: Server = createServer((req, res) => {
    const call: ProxiedCall = {
      seq: calls.length + 1,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      operation: operationOf(req.method ?? 'GET', req.url ?? '/'),
    };
    calls.push(call);
    inFlight += 1;
    let settled = false;
    const settle = (): void => {
      if (!settled) {
        settled = true;
        inFlight -= 1;
        events.emit('settled', call);
      }
    };
    res.on('close', settle);
    const sent: Buffer[] = [];
    req.on('data', (chunk: Buffer) => sent.push(chunk));
    req.on('end', () => {
      if (sent.length > 0) {
        call.requestBody = Buffer.concat(sent).toString('utf8');
      }
    });
    events.emit('request', call);
    onRequest?.(call);
    const upstream = request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
        agent,
      },
      (answer) => {
        call.status = answer.statusCode;
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', () => res.destroy());
        answer.on('end', () => {
          // VCD writes absolute hrefs on its public address; behind the proxy that address is the proxy's, as
          // behind a real load balancer (the client refuses hrefs on any other origin).
          call.responseBody = Buffer.concat(chunks).toString('utf8');
          const body = Buffer.from(call.responseBody.split(targetUrl.origin).join(self));
          const headers = { ...answer.headers };
          for (const name of ['location', 'link', 'content-location']) {
            const value = headers[name];
            if (typeof value === 'string') {
              headers[name] = value.split(targetUrl.origin).join(self);
            }
          }
          const original = { status: answer.statusCode ?? 502, headers, body };
          const sent = rewrite?.(call, original) ?? original;
          if (sent.headers['content-length'] !== undefined) {
            sent.headers['content-length'] = String(sent.body.length);
          }
          res.writeHead(sent.status, sent.headers);
          res.end(sent.body);
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    get calls() {
      return calls;
    },
    get inFlight() {
      return inFlight;
    },
    events,
    countByOperation: () => {
      const counts = new Map<string, number>();
      for (const call of calls) {
        counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
      }
      return counts;
    },
    reset: () => {
      calls = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
