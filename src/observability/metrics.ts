/**
 * Prometheus metrics (the only prom-client import, DESIGN.md section 2). Few and chosen for what an operator
 * asks: are commands working, are acks fast, how many labs are in each phase, and is Slack or VCD failing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How a command or button ended, as the user saw it. */
export type CommandOutcome = 'ok' | 'refused' | 'failed';

/** What was acknowledged: a slash command, a button, a modal submission or an Events API event. */
export type AckKind = 'command' | 'action' | 'view' | 'event';

export interface MetricsOptions {
  /**
   * Live labs per phase, read from the store (a callback, so no code has to remember to update the gauge). Labs
   * are shared by replicas, so every replica reports the same counts. Read at most once per `snapshotMaxAgeMs`:
   * scrapes in between are served the last snapshot, so a scraper (or anyone who can reach `/metrics`) cannot
   * make labbot read every live lab at will.
   */
  labsByPhase: () => Promise<Record<string, number>>;
  /** How old the labs-by-phase snapshot may get before a scrape refreshes it. Default 5 s. */
  snapshotMaxAgeMs?: number;
  /** Milliseconds (monotonic is fine), for the snapshot's age. Default performance.now. */
  now?: () => number;
  /** Node process metrics (CPU, memory, event-loop lag, GC) with the `labbot_` prefix. Default true. */
  processMetrics?: boolean;
}

/** The metrics labbot records; `render` is what `/metrics` serves. None of the methods throws. */
export interface LabbotMetrics {
  /** A command (typed or from a button or modal) answered; `verb` is from a closed list, never user text. */
  commandHandled(verb: string, outcome: CommandOutcome): void;
  /** Time from the request reaching its listener to the ack, in seconds. */
  acked(kind: AckKind, seconds: number): void;
  /** A Slack Web API call (or response_url post) failed for good, after the client's retries. */
  slackError(method: string, code: string | undefined): void;
  /** A lab failed; the cause is almost always a VCD error (task failed, API refused, deadline). */
  labFailed(): void;
  /** The exposition text and its content type. Rejects only if the labs-by-phase callback does. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Ack latency buckets around the 3 s Slack deadline (the listener's own budget is 2.5 s). */
const ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5];

/**
 * Creates a registry of its own (never prom-client's global one, so that tests and several apps in one process
 * do not collide) with labbot's metrics. Never throws.
 */
export function createMetrics(options: MetricsOptions): LabbotMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: 'labbot_' });
  }

  const commands = new Counter({
    name: 'labbot_commands_total',
    help: 'Commands answered, by verb and outcome (ok, refused: a reason was shown, failed: something broke).',
    labelNames: ['verb', 'outcome'] as const,
    registers: [registry],
  });
  const ackSeconds = new Histogram({
    name: 'labbot_slack_ack_seconds',
    help: 'Time from a Slack request reaching its listener to its ack; Slack gives up after 3 s.',
    labelNames: ['kind'] as const,
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  const slackErrors = new Counter({
    name: 'labbot_slack_api_errors_total',
    help: 'Slack Web API calls that failed after retries, by method and Slack error code.',
    labelNames: ['method', 'code'] as const,
    registers: [registry],
  });
  const labFailures = new Counter({
    name: 'labbot_lab_failures_total',
    help: 'Labs that failed (VCD task failed, API refused, deadline passed).',
    registers: [registry],
  });
  // Phases seen once keep reporting 0 afterwards, so a series does not vanish when its last lab moves on.
  const seenPhases = new Set<string>();
  const labsSnapshot = snapshot(
    options.labsByPhase,
    options.snapshotMaxAgeMs ?? 5000,
    options.now ?? (() => performance.now()),
  );
  new Gauge({
    name: 'labbot_labs',
    help: 'Live labs by phase, from the store.',
    labelNames: ['phase'] as const,
    registers: [registry],
    async collect() {
      const counts = await labsSnapshot();
      for (const phase of Object.keys(counts)) {
        seenPhases.add(phase);
      }
      for (const phase of seenPhases) {
        this.set({ phase }, counts[phase] ?? 0);
      }
    },
  });

  return {
    commandHandled: (verb, outcome) => commands.inc({ verb, outcome }),
    acked: (kind, seconds) => ackSeconds.observe({ kind }, seconds),
    slackError: (method, code) => slackErrors.inc({ method, code: code ?? 'none' }),
    labFailed: () => labFailures.inc(),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

/**
 * `read`, called at most once per `maxAgeMs`: callers within that age share the last answer, and concurrent
 * callers of a stale one share a single read. A failed read is not kept (the next caller tries again).
 */
function snapshot<T>(read: () => Promise<T>, maxAgeMs: number, now: () => number): () => Promise<T> {
  let last: { value: T; at: number } | undefined;
  let inflight: Promise<T> | undefined;
  return () => {
    if (last && now() - last.at < maxAgeMs) {
      return Promise.resolve(last.value);
    }
    inflight ??= read()
      .then((value) => {
        last = { value, at: now() };
        return value;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** True when the request carries `Authorization: Bearer <token>` (compared in constant time). Never throws. */
function bearerMatches(request: IncomingMessage, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] !== undefined && timingSafeEqual(sha256(match[1]), sha256(token));
}

/**
 * A GET handler serving the metrics; with `token`, only to requests bearing it (401 otherwise, nothing rendered).
 * A failed scrape answers 500 with a short text and is reported to `onError`; the handler itself never rejects.
 */
export function metricsHandler(
  metrics: Pick<LabbotMetrics, 'render'>,
  onError: (error: unknown) => void,
  token?: string,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (token !== undefined && !bearerMatches(request, token)) {
      response.writeHead(401, {
        'content-type': 'text/plain; charset=utf-8',
        'www-authenticate': 'Bearer realm="labbot metrics"',
      });
      response.end('a bearer token is required\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        response.end(body);
      },
      (error: unknown) => {
        onError(error);
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('metrics unavailable\n');
      },
    );
  };
}
