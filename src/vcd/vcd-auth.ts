/**
 * Version negotiation and login (reference/vcd-api.md section 1). Talks HTTP only through the funnel's
 * unauthenticated `send`, so that retries, logging and error mapping stay in one place.
 */
import { type Logger } from '../labs/ports';
import { negotiateApiVersion, type NegotiatedVersion } from './api-version';
import { VcdApiError } from './errors';
import { type VcdResponse, type VcdSend } from './http-types';
import { parseResponse } from './response-errors';
import { parseSupportedVersions } from './wire/versions';
import { WireFormatError } from './wire/wire-format';

/**
 * Where a service account's current refresh token lives, shared by every process that logs in with it (the store
 * implements it, encrypted). VCD accepts each refresh token once and answers the next one, so two processes must never
 * present the same token: `rotate` runs `spend` under a lock that no other process holds at the same time.
 */
export interface RefreshTokenVault {
  /**
   * Runs `spend` with the current token (the configured one until VCD rotated it), keeps the token it returns.
   * @throws what `spend` throws (the stored token is then left as it was), or when the stored token cannot be read.
   */
  rotate<T>(spend: (current: string) => Promise<{ next?: string; value: T }>): Promise<T>;
}

/**
 * How labbot logs in: an API token (VCD ≥ 10.3.1, preferred) or a user and password. A service account's token comes
 * with its vault: its refresh tokens are single-use.
 */
export type VcdCredentials =
  | { kind: 'token'; apiToken: string; vault?: RefreshTokenVault }
  | { kind: 'password'; user: string; password: string };

/** The header a logged-in call carries. */
export interface VcdSession {
  headerName: string;
  headerValue: string;
  method: 'api-token' | 'service-account' | 'cloudapi' | 'legacy';
}

/**
 * Logs in to one org. A user API token's exchange may hand back a refresh token; it is kept in memory for the next
 * login. A service account's tokens are one-time use (govcd `service_account.go`): they go through the vault, which
 * every process shares, so that the next login anywhere presents the rotated one.
 */
export class VcdAuthenticator {
  private refreshToken?: string;

  constructor(
    private readonly org: string,
    private readonly credentials: VcdCredentials,
    private readonly clientVersions: { min: string; max: string },
    private readonly logger: Logger,
  ) {
    if (credentials.kind === 'token') {
      this.refreshToken = credentials.apiToken;
    }
  }

  /**
   * Reads `GET /api/versions` (no login needed) and picks the version to speak.
   *
   * @throws VcdApiError (UNSUPPORTED_API_VERSION, MALFORMED_RESPONSE), VcdUnavailableError.
   */
  async negotiate(send: VcdSend): Promise<NegotiatedVersion> {
    const response = await send({
      method: 'GET',
      path: '/api/versions',
      headers: { Accept: 'application/*+xml' },
    });
    const negotiated = negotiateApiVersion(
      parseResponse({ method: 'GET', path: '/api/versions' }, response, parseSupportedVersions),
      this.clientVersions,
    );
    const log = {
      version: negotiated.version,
      legacyLogin: negotiated.legacyLogin,
      deprecated: negotiated.deprecated,
    };
    if (negotiated.deprecated || negotiated.legacyLogin) {
      this.logger.warn(log, 'VCD API version is outside the tested range');
    } else {
      this.logger.info(log, 'VCD API version negotiated');
    }
    return negotiated;
  }

  /**
   * Logs in with the configured credentials at the endpoint the version calls for.
   *
   * @throws VcdApiError (LOGIN_FAILED, UNSUPPORTED_API_VERSION for a token on a pre-10.3.1 server,
   *   MALFORMED_RESPONSE), VcdUnavailableError.
   */
  async logIn(
    send: VcdSend,
    negotiated: Pick<NegotiatedVersion, 'version' | 'legacyLogin'>,
  ): Promise<VcdSession> {
    const session = await this.login(send, negotiated.version, negotiated.legacyLogin).catch(
      (error: unknown) => {
        throw loginError(error, this.org);
      },
    );
    this.logger.info(
      { org: this.org, method: session.method, version: negotiated.version },
      'Logged in to VCD',
    );
    return session;
  }

  private async login(send: VcdSend, version: string, legacyLogin: boolean): Promise<VcdSession> {
    const org = this.org;
    if (this.credentials.kind === 'token') {
      if (legacyLogin) {
        throw new VcdApiError({
          minorErrorCode: 'UNSUPPORTED_API_VERSION',
          message: `API tokens need VCD 10.3.1 (API 36.1) or later; this VCD speaks API ${version}. Use a user and password.`,
        });
      }
      const vault = this.credentials.vault;
      if (vault !== undefined) {
        return vault.rotate(async (current) => {
          const grant = await this.exchangeRefreshToken(send, org, current, false);
          return {
            next: grant.refreshToken,
            value: { ...session(grant.accessToken), method: 'service-account' as const },
          };
        });
      }
      return this.exchangeApiToken(send, org);
    }
    const basic = `Basic ${Buffer.from(`${this.credentials.user}@${org}:${this.credentials.password}`, 'utf8').toString('base64')}`;
    if (legacyLogin) {
      const response = await send({
        method: 'POST',
        path: '/api/sessions',
        repeatable: true,
        headers: { Accept: `application/*+xml;version=${version}`, Authorization: basic },
      });
      return {
        headerName: 'x-vcloud-authorization',
        headerValue: requireHeader(response, 'x-vcloud-authorization'),
        method: 'legacy',
      };
    }
    const response = await send({
      method: 'POST',
      path: '/cloudapi/1.0.0/sessions',
      repeatable: true,
      headers: { Accept: `application/json;version=${version}`, Authorization: basic },
    });
    const token = requireHeader(response, 'x-vmware-vcloud-access-token');
    return { headerName: 'Authorization', headerValue: `Bearer ${token}`, method: 'cloudapi' };
  }

  /** OAuth 2.0 refresh-token grant (RFC 6749 section 6), as govcd `api_token.go` does it. */
  private async exchangeApiToken(send: VcdSend, org: string): Promise<VcdSession> {
    const grant = await this.exchangeRefreshToken(send, org, this.refreshToken ?? '', true);
    if (grant.refreshToken !== undefined) {
      this.refreshToken = grant.refreshToken;
    }
    return { ...session(grant.accessToken), method: 'api-token' };
  }

  /**
   * One refresh-token grant. `repeatable` is false for a service account: when the answer is lost VCD may already have
   * spent the token, and sending it again cannot get the rotated one back.
   */
  private async exchangeRefreshToken(
    send: VcdSend,
    org: string,
    refreshToken: string,
    repeatable: boolean,
  ): Promise<{ accessToken: string; refreshToken?: string }> {
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
    const response = await send({
      method: 'POST',
      path: `/oauth/tenant/${encodeURIComponent(org)}/token`,
      repeatable,
      body,
      contentType: 'application/x-www-form-urlencoded',
      headers: { Accept: 'application/json' },
    });
    return parseResponse({ method: 'POST', path: '/oauth/tenant/…/token' }, response, parseTokenGrant);
  }

  /**
   * Ends a session (`DELETE /cloudapi/1.0.0/sessions/current`, or `/api/session` for a legacy one), so that it does not
   * linger on VCD until its idle timeout. Best effort: a failure is logged, never thrown.
   */
  async logOut(send: VcdSend, current: VcdSession, version: string): Promise<void> {
    const legacy = current.method === 'legacy';
    try {
      await send({
        method: 'DELETE',
        path: legacy ? '/api/session' : '/cloudapi/1.0.0/sessions/current',
        headers: {
          Accept: legacy ? `application/*+xml;version=${version}` : `application/json;version=${version}`,
          [current.headerName]: current.headerValue,
        },
      });
      this.logger.info({ org: this.org, method: current.method }, 'Logged out of VCD');
    } catch (error) {
      this.logger.warn(
        { org: this.org, reason: error instanceof Error ? error.message : String(error) },
        'VCD logout failed; the session ends at its idle timeout',
      );
    }
  }
}

function session(accessToken: string): Omit<VcdSession, 'method'> {
  return { headerName: 'Authorization', headerValue: `Bearer ${accessToken}` };
}

function parseTokenGrant(body: string): { accessToken: string; refreshToken?: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new WireFormatError('token response is not JSON');
  }
  const { access_token: accessToken, refresh_token: refreshToken } = (json ?? {}) as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new WireFormatError('token response has no access_token');
  }
  return {
    accessToken,
    refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined,
  };
}

function requireHeader(response: VcdResponse, name: string): string {
  const value = response.headers[name];
  if (value === undefined || value === '') {
    throw new VcdApiError({
      minorErrorCode: 'MALFORMED_RESPONSE',
      httpStatus: response.status,
      message: `login response has no ${name} header`,
    });
  }
  return value;
}

/** A refused login says which account and what to check, never the secret. */
function loginError(error: unknown, org: string): unknown {
  if (
    !(error instanceof VcdApiError) ||
    (error.httpStatus !== 401 && error.httpStatus !== 403 && error.httpStatus !== 400)
  ) {
    return error;
  }
  const serviceAccount =
    error.minorErrorCode === 'invalid_grant'
      ? ' (a service account token that was already used is refused too)'
      : '';
  return new VcdApiError(
    {
      method: error.method,
      path: error.path,
      httpStatus: error.httpStatus,
      requestId: error.requestId,
      majorErrorCode: error.majorErrorCode,
      minorErrorCode: 'LOGIN_FAILED',
      message: `VCD refused the login to org ${org} (${error.vcdMessage}); check the org, the API token or user and password${serviceAccount}`,
    },
    { cause: error },
  );
}
