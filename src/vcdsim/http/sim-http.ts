/** Request and response shapes between the HTTP server and the route handlers. */
import { type IncomingHttpHeaders } from 'node:http';
import { type RenderContext } from '../documents/common';
import { type SimSession } from '../session-store';
import { renderXml, type XmlNodeOut } from '../xml-writer';

/** A request as a handler sees it: body read, version negotiated, session resolved. */
export interface SimRequest {
  readonly method: string;
  /** Path without trailing slash (`/api/org/` → `/api/org`). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The query string as sent (`?a=b,c`), for links that must repeat the caller's parameters unchanged. */
  readonly rawQuery?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly requestId: string;
  /** The version from the Accept header, or the newest offered where none is required. */
  readonly apiVersion: string;
  /** The caller's session on authenticated routes. */
  readonly session?: SimSession;
  readonly ctx: RenderContext;
}

export interface SimResponse {
  readonly status: number;
  /** Extra headers; an array sends the header once per value (VCD sends one `Link` header per link). */
  readonly headers?: Readonly<Record<string, string | string[]>>;
  /** Media type without the version parameter; the server appends `;version=<v>` where VCD does. */
  readonly mediaType?: string;
  readonly body?: string;
  /** False for JSON endpoints outside /cloudapi (OAuth) whose Content-Type carries no version. */
  readonly versioned?: boolean;
}

/** A route: method, anchored path pattern, what the server checks before calling the handler. */
export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /**
   * The operation id fault injection matches on (README "Operation ids"), e.g. `vApp.instantiate`; a function of the
   * path parameters where one route serves several operations (`vApp.power.powerOn`).
   */
  readonly operation: string | ((params: readonly string[]) => string);
  /** `api`: Accept must name an offered version; `cloudapi`: version optional; `none`: not checked. */
  readonly versioning: 'api' | 'cloudapi' | 'none';
  readonly authenticated: boolean;
  readonly handle: (req: SimRequest, params: readonly string[]) => SimResponse;
}

/** An XML document response. */
export function xmlResponse(
  status: number,
  document: XmlNodeOut,
  mediaType: string,
  headers?: Record<string, string>,
): SimResponse {
  return { status, mediaType, body: renderXml(document), headers };
}

/** A 202 Accepted with the task document and its Location, as VCD answers every asynchronous operation. */
export function taskAccepted(document: XmlNodeOut, taskHref: string, mediaType: string): SimResponse {
  return xmlResponse(202, document, mediaType, { Location: taskHref });
}

/** A JSON response. */
export function jsonResponse(
  status: number,
  value: unknown,
  headers?: Record<string, string>,
  versioned = true,
): SimResponse {
  return { status, mediaType: 'application/json', body: JSON.stringify(value), headers, versioned };
}

/** No body (204, and the 401 VCD sends with `Content-Length: 0`). */
export function emptyResponse(status: number, headers?: Record<string, string>): SimResponse {
  return { status, headers };
}
