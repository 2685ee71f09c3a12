import { VcdApiError, VcdNotFoundError, VcdUnavailableError } from './errors';
import { type VcdResponse } from './http-types';
import { parseVcdErrorDocument, type VcdErrorDocument } from './wire/error';
import { WireFormatError } from './wire/wire-format';
import { XmlParseError } from './wire/xml';

/** The request a failure belongs to, for the error's message. */
export interface FailedCall {
  method: string;
  /** Path and query, no host. */
  path: string;
  /** Treat 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN as not found (VCD's answer for entities it hides or lost). */
  forbiddenMeansNotFound: boolean;
}

/**
 * Reads the error a failed response carries: an XML `<Error>`, a CloudAPI JSON error
 * (`{minorErrorCode, message}`) or an OAuth one (`{error, error_description}`). Undefined when the body is
 * empty (401s often are) or unreadable. Never throws.
 */
export function readErrorBody(body: string): VcdErrorDocument | undefined {
  const text = body.trim();
  if (text.startsWith('<')) {
    try {
      return parseVcdErrorDocument(text);
    } catch {
      return undefined;
    }
  }
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const str = (key: string): string | undefined =>
        typeof json[key] === 'string' ? json[key] : undefined;
      const message = str('message') ?? str('error_description') ?? str('error');
      if (message === undefined) {
        return undefined;
      }
      const major = json.majorErrorCode;
      return {
        message,
        minorErrorCode: str('minorErrorCode') ?? str('error'),
        majorErrorCode: typeof major === 'number' ? major : undefined,
      };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** True for the 400s VCD uses for "try again later" (busy entity, per-org operation limits). */
export function isRetryableApiError(status: number, error: VcdErrorDocument | undefined): boolean {
  return (
    status === 400 &&
    (error?.minorErrorCode === 'BUSY_ENTITY' || error?.minorErrorCode === 'OPERATION_LIMITS_EXCEEDED')
  );
}

/**
 * Maps a non-2xx response to the adapter's error: 404 (and 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN where asked)
 * → VcdNotFoundError; 5xx → VcdUnavailableError; anything else → VcdApiError. Never throws; returns the error.
 */
export function errorFromResponse(call: FailedCall, response: VcdResponse): Error {
  const document = readErrorBody(response.body);
  const requestId = response.headers['x-vmware-vcloud-request-id'] ?? document?.requestId;
  const where = { method: call.method, path: call.path, httpStatus: response.status, requestId };
  const forbidden = response.status === 403 && document?.minorErrorCode === 'ACCESS_TO_RESOURCE_IS_FORBIDDEN';
  if (response.status === 404 || (forbidden && call.forbiddenMeansNotFound)) {
    return new VcdNotFoundError(
      `VCD ${call.method} ${call.path}: not found${document ? ` (${document.message})` : ''}`,
      { ...where, minorErrorCode: document?.minorErrorCode },
    );
  }
  if (response.status >= 500 || response.status === 429) {
    // 429: VCD's rate limit held through every retry; like a 5xx, "try again later" is the truth.
    return new VcdUnavailableError(`HTTP ${response.status}${document ? `: ${document.message}` : ''}`, {
      ...where,
      vcdError: document,
    });
  }
  return new VcdApiError({
    ...where,
    majorErrorCode: document?.majorErrorCode ?? response.status,
    minorErrorCode: document?.minorErrorCode,
    message:
      document?.message ??
      (response.status === 401 ? 'unauthorized (no error body)' : `HTTP ${response.status}`),
  });
}

/**
 * Applies a wire parser to a response body, turning parse failures into a typed error.
 *
 * @throws VcdApiError (minorErrorCode MALFORMED_RESPONSE) when the body is not the expected document.
 */
export function parseResponse<T>(
  request: { method?: string; path: string },
  response: VcdResponse,
  parse: (body: string) => T,
): T {
  try {
    return parse(response.body);
  } catch (error) {
    if (error instanceof XmlParseError || error instanceof WireFormatError) {
      throw new VcdApiError(
        {
          method: request.method,
          path: request.path,
          httpStatus: response.status,
          requestId: response.headers['x-vmware-vcloud-request-id'],
          minorErrorCode: 'MALFORMED_RESPONSE',
          message: error.message,
        },
        { cause: error },
      );
    }
    throw error;
  }
}
