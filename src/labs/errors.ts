/**
 * Error families (DESIGN.md section 2). The chat boundary shows a UserError's message verbatim and anything
 * else as "something went wrong (ref …)".
 */

/** Codes of errors written for the Slack user. */
export type UserErrorCode =
  'usage' | 'not_found' | 'not_owner' | 'quota' | 'invalid_state' | 'unknown_template' | 'cloud_busy';

/** An error whose message is written for the person who typed the command. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What kind of cloud failure this is, so the domain can react without knowing VCD. */
export type CloudErrorKind = 'api' | 'not_found' | 'task_failed' | 'unavailable';

/**
 * Base of every failure the cloud adapter throws. The vcd adapter subclasses it (VcdApiError, VcdNotFoundError,
 * VcdTaskFailedError, VcdUnavailableError); the domain only looks at `kind`.
 */
export class CloudError extends Error {
  constructor(
    readonly kind: CloudErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by a LabStore when a lab id is already taken. */
export class DuplicateLabError extends Error {
  override readonly name = 'DuplicateLabError';
  constructor(readonly labId: string) {
    super(`lab ${labId} already exists`);
  }
}

/** Thrown by a CapturedTemplateStore when a template key already names another catalog item. */
export class DuplicateTemplateError extends Error {
  override readonly name = 'DuplicateTemplateError';
  constructor(readonly key: string) {
    super(`captured template ${key} already exists`);
  }
}

/**
 * Thrown by a LabStore when a write would give a ticket a second live lab (two `/lab repro` for one ticket at
 * the same moment); the use case then answers with the lab that won.
 */
export class LiveTicketConflictError extends Error {
  override readonly name = 'LiveTicketConflictError';
  constructor(
    readonly labId: string,
    readonly ticket: string,
    options?: { cause?: unknown },
  ) {
    super(`lab ${labId} cannot use ticket ${ticket}: another live lab already has it`, options);
  }
}

/**
 * A lab's networking cannot be set up as its template says (no public IP left, a rule names a VM or network the
 * vApp lacks). Its message is written for the lab's owner and admins.
 */
export class LabNetworkError extends Error {
  override readonly name = 'LabNetworkError';
}

/** Thrown by a PublicIpPool when every address of the range is taken. */
export class PublicIpsExhaustedError extends LabNetworkError {
  constructor(range: { start: string; end: string }) {
    super(`no public IP is free in ${range.start}-${range.end}; tear down a lab or widen edge.publicIps`);
  }
}

/** True when the error is a CloudError of the given kind. */
export function isCloudError(error: unknown, kind?: CloudErrorKind): error is CloudError {
  return error instanceof CloudError && (kind === undefined || error.kind === kind);
}

/** Messages of an error and its causes, outermost first, for logs. */
export function causeChain(error: unknown): string[] {
  const chain: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    chain.push(
      current instanceof Error
        ? `${current.name}: ${current.message}`
        : typeof current === 'string'
          ? current
          : `non-error ${typeof current} thrown`,
    );
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}
