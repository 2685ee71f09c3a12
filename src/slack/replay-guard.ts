/**
 * Replay protection for signed Slack requests (issue 14 item 4). Bolt's HTTPReceiver checks the signature and
 * refuses timestamps more than five minutes old, nothing more: the very same signed request (a captured slash
 * command, say) can be posted again within those five minutes and deploys a second lab, and a timestamp in the
 * future is never refused. This guard sits between the body buffering of null-body-guard.ts and Bolt: a correctly
 * signed request is served once; a second sighting of its signature within the window, or a timestamp further in
 * the future than a small clock skew, is answered 401. Anything not correctly signed goes on to Bolt, which
 * refuses it with its own 401 and log line, so the store only ever records genuine requests.
 *
 * Where the sightings live is the caller's choice (SeenRequests): main.ts uses the database table, shared by the
 * replicas behind one load balancer, so a replay sent to another replica is refused too; tests and single
 * processes can use the in-memory one.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { type Logger } from '../labs/ports';

/** Sightings of signed requests. */
export interface SeenRequests {
  /**
   * Records `key` until `expiresAt`; true when it was not recorded (or its record had expired), false when it was.
   * @throws when the sightings cannot be read or written (the guard then refuses: fail closed).
   */
  firstSighting(key: string, expiresAt: Date): Promise<boolean>;
}

/** Slack's window (and Bolt's): older timestamps are refused by Bolt. */
export const REPLAY_WINDOW_SECONDS = 300;

/** How far ahead of this host's clock a timestamp may be (clock skew between Slack and us). */
export const DEFAULT_FUTURE_SKEW_SECONDS = 60;

export interface ReplayGuardOptions {
  endpoint: string;
  signingSecret: string;
  seen: SeenRequests;
  logger: Logger;
  /** Milliseconds since the epoch. Default Date.now. */
  now?: () => number;
  futureSkewSeconds?: number;
}

/** Sightings kept in this process: enough for one replica, not for several (see the file comment). */
export function inMemorySeenRequests(now: () => number = Date.now): SeenRequests {
  const seen = new Map<string, number>();
  return {
    firstSighting(key, expiresAt) {
      const at = now();
      for (const [k, until] of seen) {
        if (until <= at) {
          seen.delete(k);
        }
      }
      if (seen.has(key)) {
        return Promise.resolve(false);
      }
      seen.set(key, expiresAt.getTime());
      return Promise.resolve(true);
    },
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** True when `signature` is Slack's v0 signature of the body at that timestamp. Never throws. */
export function validSignature(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function refuse(response: ServerResponse, status: number): void {
  if (!response.headersSent) {
    response.writeHead(status);
  }
  response.end();
}

/**
 * Wraps Bolt's request listener. Expects the events endpoint's body as `rawBody` (null-body-guard.ts attaches it);
 * requests without one, and other paths, go straight through. Never throws.
 */
export function guardReplays(listener: RequestListener, options: ReplayGuardOptions): RequestListener {
  const now = options.now ?? Date.now;
  const skew = options.futureSkewSeconds ?? DEFAULT_FUTURE_SKEW_SECONDS;
  return (request: IncomingMessage & { rawBody?: Buffer }, response) => {
    const rawBody = request.rawBody;
    const timestamp = header(request, 'x-slack-request-timestamp');
    const signature = header(request, 'x-slack-signature');
    if (
      rawBody === undefined ||
      timestamp === undefined ||
      signature === undefined ||
      !/^\d{1,12}$/.test(timestamp) ||
      !validSignature(options.signingSecret, timestamp, rawBody, signature)
    ) {
      listener(request, response);
      return;
    }
    const seconds = Number(timestamp);
    const nowSeconds = Math.floor(now() / 1000);
    if (seconds > nowSeconds + skew) {
      options.logger.warn(
        { aheadSeconds: seconds - nowSeconds, allowedSeconds: skew },
        'Signed Slack request from the future refused',
      );
      refuse(response, 401);
      return;
    }
    if (seconds < nowSeconds - REPLAY_WINDOW_SECONDS) {
      // Stale: Bolt refuses it with its own message.
      listener(request, response);
      return;
    }
    const key = createHash('sha256').update(signature).digest('hex');
    const expiresAt = new Date((seconds + REPLAY_WINDOW_SECONDS + skew) * 1000);
    options.seen.firstSighting(key, expiresAt).then(
      (first) => {
        if (!first) {
          options.logger.warn({ timestamp: seconds }, 'Replayed Slack request refused');
          refuse(response, 401);
          return;
        }
        try {
          listener(request, response);
        } catch {
          // As in null-body-guard.ts: Bolt's server would answer a synchronous throw with 500.
          refuse(response, 500);
        }
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'Could not check a Slack request for replay; refusing it');
        refuse(response, 503);
      },
    );
  };
}
