/**
 * Turns one HTTP exchange into a SimResponse: route lookup (404/405), version negotiation (406), authentication
 * (401 with an empty body), the handler, and Error documents for everything that fails.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders } from 'node:http';
import { cloudApiErrorResponse, isCloudApiPath } from '../cloudapi/cloudapi-http';
import { errorDocument } from '../documents/error';
import { isOfferedVersion } from '../documents/versions';
import { type Hrefs } from '../hrefs';
import { MEDIA } from '../media-types';
import { ALL_ROUTES } from '../routes/all-routes';
import { SimError, methodNotAllowed, resourceNotFound } from '../sim-error';
import { type SimSession } from '../session-store';
import { type SimState } from '../sim-state';
import { renderXml } from '../xml-writer';
import { NEWEST_VERSION, acceptedVersion, negotiateVersion, sessionToken } from './negotiation';
import { emptyResponse, type SimRequest, type SimResponse } from './sim-http';

export interface RawRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface DispatchResult {
  readonly requestId: string;
  readonly apiVersion: string;
  readonly response: SimResponse;
}

/** The request path as routes see it: no trailing slash (`/api/org/` → `/api/org`). */
export function routePath(rawUrl: string): string {
  const { pathname } = new URL(rawUrl, 'http://simulator');
  return pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
}

/** The operation id of a request, for fault injection; `unknown` when no route serves it. Never throws. */
export function operationOf(method: string, rawUrl: string): string {
  let path: string;
  try {
    path = routePath(rawUrl);
  } catch {
    return 'unknown';
  }
  for (const route of ALL_ROUTES) {
    const match = route.method === method ? route.pattern.exec(path) : null;
    if (match !== null) {
      return typeof route.operation === 'string' ? route.operation : route.operation(match.slice(1));
    }
  }
  return 'unknown';
}

/** An Error response for a SimError: the XML Error document, or the JSON Error under `/cloudapi/`. */
export function errorResponse(error: SimError, requestId: string, path = '/api'): SimResponse {
  if (isCloudApiPath(path)) {
    return cloudApiErrorResponse(error, requestId);
  }
  return {
    status: error.status,
    mediaType: MEDIA.error,
    body: renderXml(errorDocument(error.status, error.minorErrorCode, error.message, requestId)),
  };
}

/** Handles one request against the state. Never throws: unexpected failures become 500 Error documents. */
export function dispatch(state: SimState, hrefs: Hrefs, raw: RawRequest): DispatchResult {
  const requestId = randomUUID();
  const requested = acceptedVersion(raw.headers);
  // Until a route has negotiated it, answer in the requested version if it is one we speak.
  let apiVersion = requested !== undefined && isOfferedVersion(requested) ? requested : NEWEST_VERSION;
  let errorPath = '/api';
  try {
    errorPath = routePath(raw.url);
    state.settle();
    const url = new URL(raw.url, 'http://simulator');
    const path = routePath(raw.url);
    const candidates = ALL_ROUTES.map((route) => ({ route, match: route.pattern.exec(path) })).filter(
      (c) => c.match !== null,
    );
    const found = candidates.find((c) => c.route.method === raw.method);
    if (found === undefined || found.match === null) {
      throw candidates.length > 0 ? methodNotAllowed(raw.method) : resourceNotFound();
    }
    const { route, match } = found;
    apiVersion = negotiateVersion(raw.headers, route.versioning);
    let session: SimSession | undefined;
    if (route.authenticated) {
      const token = sessionToken(raw.headers);
      session = token === undefined ? undefined : state.sessions.touch(token);
      // VCD answers a missing or expired session with 401 and no body (terraform-provider-vcd#482).
      if (session === undefined) {
        return { requestId, apiVersion, response: emptyResponse(401) };
      }
    }
    const req: SimRequest = {
      method: raw.method,
      path,
      query: url.searchParams,
      rawQuery: url.search,
      headers: raw.headers,
      body: raw.body,
      requestId,
      apiVersion,
      session,
      ctx: { hrefs, state, now: state.now() },
    };
    return { requestId, apiVersion, response: route.handle(req, match.slice(1)) };
  } catch (error) {
    if (error instanceof SimError) {
      return { requestId, apiVersion, response: errorResponse(error, requestId, errorPath) };
    }
    const message = error instanceof Error ? error.message : String(error);
    return {
      requestId,
      apiVersion,
      response: errorResponse(
        new SimError(500, 'INTERNAL_SERVER_ERROR', `Simulator failure: ${message}`),
        requestId,
        errorPath,
      ),
    };
  }
}
