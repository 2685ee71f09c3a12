/** Version negotiation and authentication, checked before a handler runs. */
import { type IncomingHttpHeaders } from 'node:http';
import { OFFERED_VERSIONS, isOfferedVersion } from '../documents/versions';
import { SimError } from '../sim-error';

/** The newest offered version, used where a request need not name one. */
export const NEWEST_VERSION = OFFERED_VERSIONS[OFFERED_VERSIONS.length - 1]?.version ?? '38.0';

/** The `version=` parameter of an Accept header (`application/*+xml;version=36.0`), if any. */
export function acceptedVersion(headers: IncomingHttpHeaders): string | undefined {
  const accept = headers.accept ?? '';
  return /(?:^|[;,\s])version\s*=\s*"?([0-9][0-9.]*)"?/i.exec(accept)?.[1];
}

/**
 * The API version a request speaks.
 *
 * @throws SimError 406 NOT_ACCEPTABLE when an /api request names no version or one the simulator does not offer
 *   (and when a /cloudapi request names one it does not offer). Message as VCD writes it: "The request has invalid
 *   accept header: Invalid API version requested".
 */
export function negotiateVersion(
  headers: IncomingHttpHeaders,
  versioning: 'api' | 'cloudapi' | 'none',
): string {
  const requested = acceptedVersion(headers);
  if (versioning === 'none') {
    return requested !== undefined && isOfferedVersion(requested) ? requested : NEWEST_VERSION;
  }
  if (requested === undefined && versioning === 'cloudapi') {
    return NEWEST_VERSION;
  }
  if (requested === undefined || !isOfferedVersion(requested)) {
    throw new SimError(
      406,
      'NOT_ACCEPTABLE',
      'The request has invalid accept header: Invalid API version requested.',
    );
  }
  return requested;
}

/** The session token a request carries: `Authorization: Bearer <jwt>` or `x-vcloud-authorization: <token>`. */
export function sessionToken(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer !== undefined) {
    return bearer;
  }
  const legacy = headers['x-vcloud-authorization'];
  return typeof legacy === 'string' && legacy.trim() !== '' ? legacy.trim() : undefined;
}

/** `Authorization: Basic base64(user@org:password)` split into its parts; undefined when absent or malformed. */
export function basicCredentials(
  headers: IncomingHttpHeaders,
): { user: string; org: string; password: string } | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (encoded === undefined) {
    return undefined;
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  const login = decoded.slice(0, colon);
  const at = login.lastIndexOf('@');
  if (at < 0) {
    return undefined;
  }
  return { user: login.slice(0, at), org: login.slice(at + 1), password: decoded.slice(colon + 1) };
}
