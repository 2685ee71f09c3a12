import { VcdApiError } from './errors';
import { type VcdVersionInfo } from './wire/versions';

/** The API versions this client is written and tested for (VCD 10.0 … 10.5). */
export const CLIENT_API_VERSIONS = { min: '33.0', max: '38.0' } as const;

/**
 * Oldest version accepted for a server whose newest version is below 33.0 (VCD 9.x): it gets the legacy
 * `/api/sessions` login. Every body we build validates against the 9.1 (API 30.0) schema; 29.0 is VCD 9.0.
 */
export const LEGACY_MIN_API_VERSION = '29.0';

const DOTTED = /^\d+(\.\d+)*$/;

/**
 * Compares dotted version strings part by part as integers ("5.10" > "5.9"; "36.1" < "36.10").
 * Missing parts count as 0. Never throws; non-numeric parts compare as 0.
 */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = toPart(pa[i]) - toPart(pb[i]);
    if (diff !== 0) {
      return diff < 0 ? -1 : 1;
    }
  }
  return 0;
}

function toPart(part: string | undefined): number {
  const n = Number.parseInt(part ?? '0', 10);
  return Number.isNaN(n) ? 0 : n;
}

/** The outcome of version negotiation. */
export interface NegotiatedVersion {
  version: string;
  /** True when the server predates `/cloudapi` sessions (newest version < 33.0): log in at `/api/sessions`. */
  legacyLogin: boolean;
  /** True when the only common version is one the server marks deprecated. */
  deprecated: boolean;
}

function highest(versions: VcdVersionInfo[]): VcdVersionInfo | undefined {
  return [...versions].sort((a, b) => compareApiVersions(b.version, a.version))[0];
}

/**
 * Picks the API version to speak: the highest non-deprecated server version within the client's range;
 * failing that a deprecated one in range; for a server older than the range (newest < 33.0) its newest
 * non-deprecated version ≥ 29.0 with legacy login.
 *
 * @throws VcdApiError (minorErrorCode UNSUPPORTED_API_VERSION) when no version fits.
 */
export function negotiateApiVersion(
  server: VcdVersionInfo[],
  client: { min: string; max: string } = CLIENT_API_VERSIONS,
): NegotiatedVersion {
  const valid = server.filter((v) => DOTTED.test(v.version));
  const inRange = valid.filter(
    (v) => compareApiVersions(v.version, client.min) >= 0 && compareApiVersions(v.version, client.max) <= 0,
  );
  const current = highest(inRange.filter((v) => !v.deprecated));
  if (current) {
    return { version: current.version, legacyLogin: false, deprecated: false };
  }
  const deprecated = highest(inRange);
  if (deprecated) {
    return { version: deprecated.version, legacyLogin: false, deprecated: true };
  }
  const newest = highest(valid);
  if (newest && compareApiVersions(newest.version, client.min) < 0) {
    const legacy = highest(
      valid.filter((v) => !v.deprecated && compareApiVersions(v.version, LEGACY_MIN_API_VERSION) >= 0),
    );
    if (legacy) {
      return { version: legacy.version, legacyLogin: true, deprecated: false };
    }
  }
  throw new VcdApiError({
    minorErrorCode: 'UNSUPPORTED_API_VERSION',
    method: 'GET',
    path: '/api/versions',
    message:
      `no API version in common: the server offers ${valid.map((v) => v.version).join(', ') || 'none'}, ` +
      `this client speaks ${client.min} to ${client.max}`,
  });
}
