/**
 * The VCD adapter's failures (DESIGN.md section 2, the `VcdError` family). Each extends the domain's
 * `CloudError`, so the domain can react by `kind` without knowing VCD.
 */
import { CloudError } from '../labs/errors';
import { type VcdErrorDocument } from './wire/error';

/** Where a failed call went, for messages and logs (never holds secrets). */
export interface VcdCallInfo {
  method?: string;
  /** Path and query of the call, without the host. */
  path?: string;
  /** HTTP status of the response, when there was one. */
  httpStatus?: number;
  /** `X-VMWARE-VCLOUD-REQUEST-ID` of the response, or the id VCD put in the message. */
  requestId?: string;
}

function describeCall(call: VcdCallInfo): string {
  // Callers may pass a whole href; people reading the message need the path, not our VCD's address.
  const path = call.path?.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, '');
  const target = [call.method, path].filter((p) => p !== undefined).join(' ');
  return target === '' ? 'VCD call' : `VCD ${target}`;
}

/** VCD refused a call: an `<Error>` body, or a 4xx without one. */
export class VcdApiError extends CloudError {
  override readonly name = 'VcdApiError';
  readonly majorErrorCode?: number;
  readonly minorErrorCode?: string;
  /** VCD's own message, verbatim. */
  readonly vcdMessage: string;
  readonly requestId?: string;
  readonly httpStatus?: number;
  readonly method?: string;
  readonly path?: string;

  constructor(error: Partial<VcdErrorDocument> & VcdCallInfo, options?: { cause?: unknown }) {
    const codes = [error.httpStatus ?? error.majorErrorCode, error.minorErrorCode].filter(
      (c) => c !== undefined,
    );
    super(
      'api',
      `${describeCall(error)} failed: ${codes.join(' ')}: ${error.message ?? 'no error message'}`,
      options,
    );
    this.majorErrorCode = error.majorErrorCode;
    this.minorErrorCode = error.minorErrorCode;
    this.vcdMessage = error.message ?? '';
    this.requestId = error.requestId;
    this.httpStatus = error.httpStatus;
    this.method = error.method;
    this.path = error.path;
  }
}

/** The entity does not exist, or VCD hides it from us (404, or 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN on a GET). */
export class VcdNotFoundError extends CloudError {
  override readonly name = 'VcdNotFoundError';
  readonly requestId?: string;
  readonly httpStatus?: number;
  readonly minorErrorCode?: string;

  constructor(
    message: string,
    details: VcdCallInfo & { minorErrorCode?: string } = {},
    options?: { cause?: unknown },
  ) {
    super('not_found', message, options);
    this.requestId = details.requestId;
    this.httpStatus = details.httpStatus;
    this.minorErrorCode = details.minorErrorCode;
  }
}

/** A VCD task ended in `error`, `canceled` or `aborted`. */
export class VcdTaskFailedError extends CloudError {
  override readonly name: string = 'VcdTaskFailedError';
  readonly taskHref: string;
  /** The task's operationName (e.g. `vdcInstantiateVapp`), or its operation text. */
  readonly operation?: string;
  /** The task's final status, or `deadline` for VcdTaskDeadlineError. */
  readonly status: string;
  /** The task's nested `<Error>`, when VCD gave one. */
  readonly taskError?: VcdErrorDocument;

  constructor(
    task: { href: string; operation?: string; status: string; error?: VcdErrorDocument },
    message?: string,
    options?: { cause?: unknown },
  ) {
    const what = task.operation ?? 'task';
    super(
      'task_failed',
      message ?? `VCD ${what} ${task.status}: ${task.error?.message ?? 'no error message'} (${task.href})`,
      options,
    );
    this.taskHref = task.href;
    this.operation = task.operation;
    this.status = task.status;
    this.taskError = task.error;
  }
}

/**
 * A task did not finish before our deadline. VCD may still finish it: the href stays valid, so a caller that
 * restarts can resume waiting on it.
 */
export class VcdTaskDeadlineError extends VcdTaskFailedError {
  override readonly name = 'VcdTaskDeadlineError';
  readonly deadlineMs: number;

  constructor(task: { href: string; operation?: string; lastStatus: string }, deadlineMs: number) {
    super(
      { href: task.href, operation: task.operation, status: 'deadline' },
      `VCD ${task.operation ?? 'task'} still ${task.lastStatus} after ${Math.round(deadlineMs / 1000)} s (${task.href})`,
    );
    this.deadlineMs = deadlineMs;
  }
}

/** VCD could not be reached or did not answer usefully: network failure, timeout, or a 5xx. */
export class VcdUnavailableError extends CloudError {
  override readonly name = 'VcdUnavailableError';
  readonly httpStatus?: number;
  /** Node's error code for network failures (ECONNRESET, ECONNREFUSED, ETIMEDOUT, …). */
  readonly code?: string;
  readonly requestId?: string;
  /** The `<Error>` body of a 5xx, when there was one. */
  readonly vcdError?: VcdErrorDocument;

  constructor(
    reason: string,
    details: VcdCallInfo & { code?: string; vcdError?: VcdErrorDocument } = {},
    options?: { cause?: unknown },
  ) {
    super('unavailable', `${describeCall(details)} unavailable: ${reason}`, options);
    this.httpStatus = details.httpStatus;
    this.code = details.code;
    this.requestId = details.requestId;
    this.vcdError = details.vcdError;
  }
}

/**
 * The TLS handshake with VCD failed on its certificate (unknown CA, self-signed, expired, wrong name). Not a transient
 * fault: the call is not retried, and the message says how to make labbot trust the certificate.
 */
export class VcdTlsError extends CloudError {
  override readonly name = 'VcdTlsError';
  /** Node's code, e.g. SELF_SIGNED_CERT_IN_CHAIN. */
  readonly code: string;
  /** What to change, for logs and `labbot doctor`. */
  readonly fix: string;

  constructor(code: string, origin: string, call: VcdCallInfo = {}) {
    const fix = tlsFix(code);
    super('api', `${describeCall(call)}: TLS certificate of ${origin} not trusted (${code}); ${fix}`);
    this.code = code;
    this.fix = fix;
  }
}

function tlsFix(code: string): string {
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return "VCD's certificate is outside its validity dates: renew it on VCD (check the clocks too)";
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return "VCD_URL's host name is not in the certificate: use the name VCD's certificate was issued for";
  }
  return "set VCD_CA_FILE to a PEM file of the CA that signed VCD's certificate (or the self-signed certificate itself)";
}
