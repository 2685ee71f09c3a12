/**
 * The one HTTP funnel for VCD (the only axios import): base URL, versioned Accept, auth, request ids,
 * timeouts, keep-alive, debug logging, retries and the mapping of failures to typed errors. Every VCD call
 * of the adapter goes through `VcdHttp.request`.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import axios, { type AxiosInstance } from 'axios';
import { type Clock, type Logger, type Sleep } from '../labs/ports';
import { CLIENT_API_VERSIONS, type NegotiatedVersion } from './api-version';
import { VcdApiError, VcdTlsError, VcdUnavailableError } from './errors';
import { type VcdRequest, type VcdResponse } from './http-types';
import { errorFromResponse, isRetryableApiError, parseResponse, readErrorBody } from './response-errors';
import { VcdAuthenticator, type VcdCredentials, type VcdSession } from './vcd-auth';

export { type HttpMethod, type VcdRequest, type VcdResponse } from './http-types';

export interface VcdHttpOptions {
  /** Base URL of the VCD, e.g. `https://vcd.example.com` (a trailing `/api` is ignored). */
  url: string;
  org: string;
  auth: VcdCredentials;
  logger: Logger;
  clock?: Clock;
  sleep?: Sleep;
  /** Uniform [0, 1), for backoff jitter. */
  random?: () => number;
  /** Per-request timeout; default 60 s. */
  requestTimeoutMs?: number;
  /** Total time one call may spend retrying busy/limit/503/504/reset answers; default 120 s. */
  retryBudgetMs?: number;
  /** Attempts per call, first included; default 8. */
  maxAttempts?: number;
  clientVersions?: { min: string; max: string };
  /** Makes the `X-Vmware-Vcloud-Client-Request-Id` of each call; default a UUID. */
  newRequestId?: () => string;
  /** TLS to this VCD only: extra trusted CAs (PEM, beside Node's defaults), or no verification (insecure). */
  tls?: { ca?: string; insecure?: boolean };
}

const RETRY_BASE_MS = 500;
const RETRY_CAP_MS = 10_000;
/** Network failures where the request may never have reached VCD, so sending it again is the usual cure. */
const RESET_CODES = ['ECONNRESET', 'EPIPE'];

/** A call waiting for one of the org's operations to end (it was refused OPERATION_LIMITS_EXCEEDED). */
interface SlotWaiter {
  wake: () => void;
  urgent: boolean;
}

const systemClock: Clock = { now: () => new Date() };
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The VCD HTTP funnel. Construct once per VCD; `connect` negotiates the version and logs in (also done
 * lazily by the first request). On a 401 it logs in once more and retries once; it never loops.
 */
export class VcdHttp {
  private readonly base: URL;
  private readonly client: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent: https.Agent;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly retryBudgetMs: number;
  private readonly maxAttempts: number;
  private readonly newRequestId: () => string;
  private version?: string;
  private negotiated?: NegotiatedVersion;
  private negotiating?: Promise<NegotiatedVersion>;
  private session?: VcdSession;
  private loggingIn?: Promise<VcdSession>;
  private readonly authenticator: VcdAuthenticator;
  /** Calls refused for the org's operation limit, in the order they will try again (urgent ones first). */
  private readonly slotWaiters: SlotWaiter[] = [];

  /** @throws TypeError when `options.url` is not an absolute URL (config validation should have caught it). */
  constructor(private readonly options: VcdHttpOptions) {
    this.base = new URL(options.url.replace(/\/+$/, '').replace(/\/api$/, ''));
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.retryBudgetMs = options.retryBudgetMs ?? 120_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.newRequestId = options.newRequestId ?? randomUUID;
    this.authenticator = new VcdAuthenticator(
      options.org,
      options.auth,
      options.clientVersions ?? CLIENT_API_VERSIONS,
      options.logger,
    );
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      // `ca` replaces Node's trust store, so the defaults are passed too: VCD_CA_FILE adds to them.
      ...(options.tls?.ca !== undefined ? { ca: [...rootCertificates, options.tls.ca] } : {}),
      ...(options.tls?.insecure === true ? { rejectUnauthorized: false } : {}),
    });
    this.client = axios.create({
      timeout: options.requestTimeoutMs ?? 60_000,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // A redirect could carry our token to another host; VCD's API does not redirect.
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxContentLength: 64 * 1024 * 1024,
    });
  }

  /** The negotiated API version, once connected. */
  get apiVersion(): string | undefined {
    return this.version;
  }

  /** How the current session logged in (api-token, cloudapi or legacy), once connected. */
  get loginMethod(): VcdSession['method'] | undefined {
    return this.session?.method;
  }

  /**
   * Negotiates the API version from `GET /api/versions` without logging in, once; a failed attempt is forgotten.
   * `labbot doctor` calls it to tell "unreachable" from "login refused".
   *
   * @throws VcdApiError (UNSUPPORTED_API_VERSION, MALFORMED_RESPONSE), VcdUnavailableError.
   */
  negotiateVersion(): Promise<NegotiatedVersion> {
    if (this.negotiated !== undefined) {
      return Promise.resolve(this.negotiated);
    }
    this.negotiating ??= this.authenticator
      .negotiate((request) => this.send(request, undefined))
      .then((negotiated) => {
        this.negotiated = negotiated;
        this.version = negotiated.version;
        return negotiated;
      })
      .finally(() => {
        this.negotiating = undefined;
      });
    return this.negotiating;
  }

  /**
   * Negotiates the API version and logs in, once; concurrent callers share the attempt, and a failed
   * attempt is forgotten so that the next call tries again.
   *
   * @throws VcdApiError (bad credentials, no common version), VcdUnavailableError.
   */
  async connect(): Promise<void> {
    await this.ensureSession();
  }

  private ensureSession(): Promise<VcdSession> {
    if (this.session !== undefined) {
      return Promise.resolve(this.session);
    }
    this.loggingIn ??= this.negotiateVersion()
      .then((negotiated) => this.authenticator.logIn((request) => this.send(request, undefined), negotiated))
      .then((session) => {
        this.session = session;
        return session;
      })
      .finally(() => {
        this.loggingIn = undefined;
      });
    return this.loggingIn;
  }

  /**
   * Sends an authenticated request and returns the 2xx response.
   *
   * @throws VcdNotFoundError (404, or 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN where that means gone),
   *   VcdApiError (other 4xx), VcdUnavailableError (network failure, timeout, 5xx, retries exhausted, a 401 that
   *   survives one re-login).
   */
  async request(request: VcdRequest): Promise<VcdResponse> {
    let reloggedIn = false;
    for (;;) {
      const session = await this.ensureSession();
      try {
        return await this.send(request, session);
      } catch (error) {
        const unauthorized = error instanceof VcdApiError && error.httpStatus === 401;
        if (!unauthorized) {
          throw error;
        }
        if (reloggedIn) {
          // The new login worked, so the credentials are good (bad ones fail the login with LOGIN_FAILED): the new
          // session ended too while this call waited (sessions expiring faster than slow calls finish, or another
          // client logging this user out). Nothing was done; "try again later" is the truth, not "refused".
          throw new VcdUnavailableError(
            'VCD rejected the session again right after a new login',
            { method: request.method, path: error.path, httpStatus: 401, requestId: error.requestId },
            { cause: error },
          );
        }
        reloggedIn = true;
        this.options.logger.info({ method: request.method }, 'VCD session rejected; logging in again');
        // Another call may have logged in since this session was issued; then its session is reused.
        if (this.session === session) {
          this.session = undefined;
        }
      }
    }
  }

  /**
   * Sends a request and parses its body with a wire parser.
   *
   * @throws as `request`, and VcdApiError (minorErrorCode MALFORMED_RESPONSE) when the body does not parse.
   */
  async requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T> {
    const response = await this.request(request);
    return parseResponse(request, response, parse);
  }

  /**
   * Ends the session on VCD, if there is one (shutdown, end of doctor). Never throws; the next call logs in again.
   */
  async logOut(): Promise<void> {
    const current = this.session;
    const version = this.version;
    if (current === undefined || version === undefined) {
      return;
    }
    this.session = undefined;
    await this.authenticator.logOut((request) => this.send(request, undefined), current, version);
  }

  /** Releases keep-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /**
   * A task this client started has ended (its waiter saw it final): the org has an operation free, so the first call
   * refused for the org's operation limit tries again now rather than at the end of its backoff. One call per ended
   * task: waking them all would have all but one refused again.
   */
  taskEnded(): void {
    const next = this.slotWaiters.shift();
    next?.wake();
  }

  /**
   * Waits until one of this client's tasks ends (taskEnded) or `maxMs` passed, whichever comes first; true when woken
   * by a task's end. Urgent calls queue before the others; a call refused again after a wake keeps the front.
   */
  private waitForSlot(maxMs: number, urgent: boolean, front: boolean): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const waiter: SlotWaiter = {
        urgent,
        wake: () => {
          if (!settled) {
            settled = true;
            resolve(true);
          }
        },
      };
      const at = urgent || front ? this.slotWaiters.findIndex((w) => !w.urgent) : -1;
      if (at < 0) {
        this.slotWaiters.push(waiter);
      } else {
        this.slotWaiters.splice(at, 0, waiter);
      }
      void this.sleep(maxMs).then(() => {
        if (!settled) {
          settled = true;
          const index = this.slotWaiters.indexOf(waiter);
          if (index >= 0) {
            this.slotWaiters.splice(index, 1);
          }
          resolve(false);
        }
      });
    });
  }

  /** One logical call with retries; `session` undefined means no auth header (versions, login). */
  private async send(request: VcdRequest, session: VcdSession | undefined): Promise<VcdResponse> {
    const url = this.resolve(request.path);
    const path = `${url.pathname}${url.search}`;
    const requestId = this.newRequestId();
    const started = this.clock.now().getTime();
    let woken = false;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(request, url, path, requestId, session, attempt);
      if ('response' in outcome) {
        return outcome.response;
      }
      const { error, retryable, retryAfterMs } = outcome;
      // A refusal right after a wake (another caller took the operation that ended first) is not one more attempt:
      // only the backoffs that ran out count, so the wait is bounded by the budget, not by how busy the org is.
      if (woken) {
        attempt -= 1;
      }
      // VCD (or its load balancer) said when to come back: wait that long, not less; the budget still bounds it.
      const delay = Math.max(retryAfterMs ?? 0, this.backoff(attempt));
      const elapsed = this.clock.now().getTime() - started;
      if (!retryable || attempt >= this.maxAttempts || elapsed + delay > this.retryBudgetMs) {
        throw error;
      }
      this.options.logger.warn(
        { method: request.method, path, attempt, delayMs: delay, reason: error.message },
        'VCD call will be retried',
      );
      if (isOperationLimit(error)) {
        woken = await this.waitForSlot(delay, request.urgent === true, woken);
      } else {
        woken = false;
        await this.sleep(delay);
      }
    }
  }

  /** One attempt: a 2xx response, or the typed error and whether trying again may help. */
  private async attempt(
    request: VcdRequest,
    url: URL,
    path: string,
    requestId: string,
    session: VcdSession | undefined,
    attempt: number,
  ): Promise<{ response: VcdResponse } | { error: Error; retryable: boolean; retryAfterMs?: number }> {
    let response: VcdResponse;
    try {
      response = await this.exchange(request, url, path, requestId, session, attempt);
    } catch (failure) {
      if (failure instanceof VcdTlsError) {
        // A certificate problem is configuration, not a transient fault: asking again gets the same certificate.
        return { error: failure, retryable: false };
      }
      if (!(failure instanceof VcdUnavailableError)) {
        throw failure;
      }
      const repeatable = request.repeatable ?? request.method !== 'POST';
      return { error: failure, retryable: repeatable && RESET_CODES.includes(failure.code ?? '') };
    }
    if (response.status >= 200 && response.status < 300) {
      return { response };
    }
    const forbiddenMeansNotFound =
      request.forbiddenMeansNotFound ?? (request.method === 'GET' && !url.pathname.endsWith('/api/query'));
    const retryAfterMs =
      response.status === 429 || response.status === 503
        ? parseRetryAfter(response.headers['retry-after'], this.clock.now())
        : undefined;
    return {
      error: errorFromResponse({ method: request.method, path, forbiddenMeansNotFound }, response),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      retryable:
        response.status === 429 ||
        response.status === 503 ||
        response.status === 504 ||
        isRetryableApiError(response.status, readErrorBody(response.body)),
    };
  }

  /** Exponential backoff with jitter: half fixed so that it always grows, half random to spread callers. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /**
   * One HTTP exchange. Resolves with any response; rejects only with VcdUnavailableError for network
   * failures and timeouts. The axios error is never attached: its config holds our Authorization header.
   */
  private async exchange(
    request: VcdRequest,
    url: URL,
    path: string,
    requestId: string,
    session: VcdSession | undefined,
    attempt: number,
  ): Promise<VcdResponse> {
    const headers: Record<string, string> = {
      Accept: this.accept(url.pathname),
      'X-Vmware-Vcloud-Client-Request-Id': requestId,
      'User-Agent': 'labbot',
      ...(session ? { [session.headerName]: session.headerValue } : {}),
      ...request.headers,
    };
    if (request.contentType !== undefined) {
      headers['Content-Type'] = request.contentType;
    }
    const started = this.clock.now().getTime();
    try {
      const response = await this.client.request<string>({
        method: request.method,
        url: url.toString(),
        headers,
        data: request.body,
      });
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers as Record<string, unknown>)) {
        if (typeof value === 'string' || typeof value === 'number') {
          responseHeaders[name.toLowerCase()] = String(value);
        } else if (Array.isArray(value)) {
          responseHeaders[name.toLowerCase()] = value.join(', ');
        }
      }
      this.options.logger.debug(
        {
          method: request.method,
          path,
          status: response.status,
          durationMs: this.clock.now().getTime() - started,
          attempt,
          requestId: responseHeaders['x-vmware-vcloud-request-id'],
          clientRequestId: requestId,
        },
        'VCD HTTP exchange',
      );
      return {
        status: response.status,
        headers: responseHeaders,
        body: typeof response.data === 'string' ? response.data : '',
      };
    } catch (error) {
      const code = networkCode(error);
      if (code !== undefined && TLS_CERTIFICATE_CODES.has(code)) {
        this.options.logger.debug(
          { method: request.method, path, code, attempt },
          'VCD TLS handshake refused the certificate',
        );
        throw new VcdTlsError(code, this.base.origin, { method: request.method, path });
      }
      const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
      const reason = timedOut ? 'request timed out' : `network error ${code ?? ''}`.trim();
      this.options.logger.debug(
        { method: request.method, path, code, durationMs: this.clock.now().getTime() - started, attempt },
        'VCD HTTP exchange failed',
      );
      throw new VcdUnavailableError(
        reason,
        { method: request.method, path, code },
        {
          cause: new Error(
            `${code ?? 'network error'}: ${error instanceof Error ? error.message : String(error)}`,
          ),
        },
      );
    }
  }

  private accept(pathname: string): string {
    const relative = pathname.slice(this.base.pathname.replace(/\/$/, '').length);
    if (relative.startsWith('/oauth/')) {
      return 'application/json';
    }
    if (this.version === undefined) {
      return 'application/*+xml';
    }
    if (relative.startsWith('/cloudapi/')) {
      return `application/json;version=${this.version}`;
    }
    return `application/*+xml;version=${this.version}`;
  }

  /**
   * Resolves a path or an href against the base URL. Credentials only ever go to VCD_URL's origin: an absolute href
   * on another origin is re-based (below), and shapes a URL parser reads as "another host" are refused.
   *
   * @throws VcdApiError (UNTRUSTED_HREF) for a protocol-relative (`//host/…`) or backslash href, or any href that
   *   would not resolve to the configured origin.
   */
  private resolve(pathOrHref: string): URL {
    const untrusted = (why: string): VcdApiError =>
      new VcdApiError({
        path: pathOrHref.slice(0, 200),
        minorErrorCode: 'UNTRUSTED_HREF',
        message: `refused to follow href (${why}): VCD credentials go to ${this.base.origin} only`,
      });
    // WHATWG URL parsing treats `\` as `/` for http(s), so `/\\evil` and `\\evil` are protocol-relative too.
    if (pathOrHref.includes('\\')) {
      throw untrusted('backslash in href');
    }
    if (pathOrHref.startsWith('//')) {
      throw untrusted('protocol-relative href');
    }
    let url: URL;
    if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrHref)) {
      url = new URL(pathOrHref);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw untrusted(`scheme ${url.protocol}`);
      }
      if (url.origin !== this.base.origin) {
        // An href on another origin is never followed there (it would carry our session). It names an entity of this
        // VCD seen under another address: hrefs stored before VCD_URL changed (a new load balancer name, the embedded
        // simulator's new port) or a VCD whose public URL setting differs from the address we use. Ask the configured
        // host for the same path: the answer is that entity, or not found.
        this.options.logger.debug({ href: pathOrHref, base: this.base.origin }, 'VCD href re-based');
        url = new URL(`${url.pathname}${url.search}`, this.base.origin);
      }
    } else {
      const prefix = this.base.pathname.replace(/\/$/, '');
      url = new URL(`${prefix}${pathOrHref.startsWith('/') ? '' : '/'}${pathOrHref}`, this.base.origin);
    }
    // Belt and braces: whatever the parser made of it, the request goes to the configured origin or nowhere.
    if (url.origin !== this.base.origin) {
      throw untrusted('resolves to another origin');
    }
    return url;
  }
}

/** Node's codes for a certificate it does not trust (verification failures, not network faults). */
const TLS_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/**
 * Milliseconds a `Retry-After` header asks to wait (RFC 9110 section 10.2.3: delay-seconds or an HTTP-date); undefined
 * when absent or unreadable. A date in the past means now.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') {
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Node's error code of a failed axios call, also when it sits on the cause. */
function networkCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  const causeCode =
    typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  if (typeof causeCode === 'string' && (code === undefined || code === 'ERR_NETWORK')) {
    return causeCode;
  }
  return typeof code === 'string' ? code : undefined;
}

/** VCD refused the call because the org runs its maximum of simultaneous operations (a slot frees as a task ends). */
function isOperationLimit(error: Error): boolean {
  return error instanceof VcdApiError && error.minorErrorCode === 'OPERATION_LIMITS_EXCEEDED';
}
