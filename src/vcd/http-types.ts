/** Shapes shared by the HTTP funnel, login and error mapping (kept apart so that none imports another's module). */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface VcdRequest {
  method: HttpMethod;
  /** A path (`/api/query?…`) or an href VCD returned; hrefs must be on the configured host. */
  path: string;
  body?: string;
  contentType?: string;
  /** Extra headers; they override the funnel's defaults (login sets its own Accept and Authorization). */
  headers?: Record<string, string>;
  /**
   * Treat 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN as not found: VCD answers so for entities that are gone or
   * hidden. Default: true for a GET outside `/api/query` (a forbidden query is a rights problem).
   */
  forbiddenMeansNotFound?: boolean;
  /**
   * May the funnel send it again when the connection dropped (reset) before an answer came? Default: every method
   * but POST. A POST that makes something (instantiate, power, capture) may have been carried out already; sending it
   * twice answers DUPLICATE_NAME or acts twice, so its caller decides what to do from what exists instead. Set it on
   * POSTs that are safe to repeat (login, metadata merge, whole-service edge configuration).
   */
  repeatable?: boolean;
  /**
   * When VCD refuses it because the org runs its maximum of simultaneous operations, this call takes the next free
   * operation before the calls without it: it changes a resource that takes one change at a time (an edge gateway),
   * so every lab queued behind that resource waits for it.
   */
  urgent?: boolean;
}

/** A response as the funnel sees it: status, lower-cased headers and the raw body. */
export interface VcdResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one call through the funnel (retries, logging, error mapping) and resolves with a 2xx response. */
export type VcdSend = (request: VcdRequest) => Promise<VcdResponse>;
