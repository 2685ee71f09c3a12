/**
 * Login and session routes: API-token exchange (OAuth refresh grant), CloudAPI sessions, legacy /api/sessions.
 * Bad credentials get 401 with an empty body, as VCD sends.
 */
import { sessionDocument, cloudApiSession } from '../documents/session';
import { versionsDocument } from '../documents/versions';
import { emptyResponse, jsonResponse, xmlResponse, type Route, type SimRequest } from '../http/sim-http';
import { basicCredentials } from '../http/negotiation';
import { MEDIA } from '../media-types';
import { type SimSession } from '../session-store';

/** API 38.0 (VCD 10.5) removed `POST /api/sessions`. */
const LEGACY_LOGIN_REMOVED_IN = 38;

function checkBasic(req: SimRequest): boolean {
  const credentials = basicCredentials(req.headers);
  const { config } = req.ctx.state;
  return (
    credentials !== undefined &&
    credentials.user === config.userName &&
    credentials.org.toLowerCase() === config.orgName.toLowerCase() &&
    credentials.password === config.password
  );
}

/** The session an authenticated route runs under (the server guarantees it is there). */
function current(req: SimRequest): SimSession {
  if (req.session === undefined) {
    throw new Error('route declared authenticated but no session was resolved');
  }
  return req.session;
}

/** OAuth error body (RFC 6749 section 5.2); VCD answers a bad API token with 400. */
function oauthError(error: string, description: string): ReturnType<typeof jsonResponse> {
  return jsonResponse(400, { error, error_description: description }, undefined, false);
}

export const authRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/versions$/,
    operation: 'versions',
    versioning: 'none',
    authenticated: false,
    handle: (req) => xmlResponse(200, versionsDocument(req.ctx), MEDIA.versions),
  },
  {
    method: 'POST',
    pattern: /^\/oauth\/tenant\/([^/]+)\/token$/,
    operation: 'login.apiToken',
    versioning: 'none',
    authenticated: false,
    handle: (req, [org = '']) => {
      const form = new URLSearchParams(req.body);
      const { config } = req.ctx.state;
      if (form.get('grant_type') !== 'refresh_token') {
        return oauthError('unsupported_grant_type', 'Only the refresh_token grant is supported.');
      }
      const presented = form.get('refresh_token') ?? '';
      const orgMatches = decodeURIComponent(org).toLowerCase() === config.orgName.toLowerCase();
      const account = req.ctx.state.serviceAccount;
      if (orgMatches && account?.owns(presented) === true) {
        const next = account.exchange(presented);
        if (next === undefined) {
          // VCD's own JSON error for a spent (or superseded) service account refresh token.
          return jsonResponse(
            400,
            { minorErrorCode: 'invalid_grant', message: 'Invalid refresh token', stackTrace: null },
            undefined,
            false,
          );
        }
        const session = req.ctx.state.sessions.open('jwt', account.name, config.orgName);
        return jsonResponse(
          200,
          {
            access_token: session.token,
            token_type: 'Bearer',
            expires_in: req.ctx.state.sessions.idleTimeoutMs / 1000,
            refresh_token: next,
          },
          undefined,
          false,
        );
      }
      if (!orgMatches || presented !== config.apiToken) {
        return oauthError(
          'invalid_grant',
          'The API token is invalid, revoked, or belongs to another organization.',
        );
      }
      const session = req.ctx.state.sessions.open('jwt', config.userName, config.orgName);
      return jsonResponse(
        200,
        {
          access_token: session.token,
          token_type: 'Bearer',
          expires_in: req.ctx.state.sessions.idleTimeoutMs / 1000,
          refresh_token: config.apiToken,
        },
        undefined,
        false,
      );
    },
  },
  {
    method: 'POST',
    pattern: /^\/cloudapi\/1\.0\.0\/sessions$/,
    operation: 'login.cloudapi',
    versioning: 'cloudapi',
    authenticated: false,
    handle: (req) => {
      if (!checkBasic(req)) {
        return emptyResponse(401);
      }
      const { config } = req.ctx.state;
      const session = req.ctx.state.sessions.open('jwt', config.userName, config.orgName);
      return jsonResponse(200, cloudApiSession(req.ctx, session), {
        'X-VMWARE-VCLOUD-ACCESS-TOKEN': session.token,
        'X-VMWARE-VCLOUD-TOKEN-TYPE': 'Bearer',
      });
    },
  },
  {
    // The simulated cloud has no System org users: every provider login is refused as VCD refuses a tenant user there.
    method: 'POST',
    pattern: /^\/cloudapi\/1\.0\.0\/sessions\/provider$/,
    operation: 'login.provider',
    versioning: 'cloudapi',
    authenticated: false,
    handle: () => emptyResponse(401),
  },
  {
    method: 'POST',
    pattern: /^\/oauth\/provider\/token$/,
    operation: 'login.providerApiToken',
    versioning: 'none',
    authenticated: false,
    handle: () =>
      oauthError('invalid_grant', 'The API token is invalid, revoked, or belongs to another organization.'),
  },
  {
    method: 'GET',
    pattern: /^\/cloudapi\/1\.0\.0\/sessions\/current$/,
    operation: 'session.cloudapi',
    versioning: 'cloudapi',
    authenticated: true,
    handle: (req) => jsonResponse(200, cloudApiSession(req.ctx, current(req))),
  },
  {
    method: 'DELETE',
    pattern: /^\/cloudapi\/1\.0\.0\/sessions\/current$/,
    operation: 'logout.cloudapi',
    versioning: 'cloudapi',
    authenticated: true,
    handle: (req) => {
      req.ctx.state.sessions.close(current(req).token);
      return emptyResponse(204);
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/sessions$/,
    operation: 'login.legacy',
    versioning: 'api',
    authenticated: false,
    handle: (req) => {
      if (Number.parseFloat(req.apiVersion) >= LEGACY_LOGIN_REMOVED_IN) {
        // VCD 10.5+ (API 38.0): the legacy login is gone; its version filter answers 405 in CloudAPI's JSON error shape.
        return jsonResponse(
          405,
          { minorErrorCode: 'METHOD_NOT_ALLOWED', message: 'HTTP method not allowed', stackTrace: null },
          undefined,
          false,
        );
      }
      if (!checkBasic(req)) {
        return emptyResponse(401);
      }
      const { config } = req.ctx.state;
      const session = req.ctx.state.sessions.open('legacy', config.userName, config.orgName);
      return xmlResponse(200, sessionDocument(req.ctx, session), MEDIA.session, {
        'x-vcloud-authorization': session.token,
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/session$/,
    operation: 'session',
    versioning: 'api',
    authenticated: true,
    handle: (req) => xmlResponse(200, sessionDocument(req.ctx, current(req)), MEDIA.session),
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/session$/,
    operation: 'logout',
    versioning: 'api',
    authenticated: true,
    handle: (req) => {
      req.ctx.state.sessions.close(current(req).token);
      return emptyResponse(204);
    },
  },
];
