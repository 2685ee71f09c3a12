import { compareApiVersions } from './api-version';

/** API 35.0 (VCD 10.2) changed how filter values are escaped (pyvcloud `_AbstractQuery`; PG 10.6 Query Parameters). */
const BACKSLASH_ESCAPING_SINCE = '35.0';

/** True when the version needs `filterEncoded=true` and double percent-encoding (API < 35.0). */
export function usesFilterEncoded(apiVersion: string): boolean {
  return compareApiVersions(apiVersion, BACKSLASH_ESCAPING_SINCE) < 0;
}

/**
 * Escapes one filter value so that it is matched literally and can go straight into a URL query string.
 * API ≥ 35.0: backslash-escape `\ ( ) , ;` (the filter grammar's own characters) and percent-encode.
 * API < 35.0: percent-encode twice; the query must then carry `filterEncoded=true` (see buildQueryPath),
 * which makes VCD decode each value once more after splitting the filter.
 * Never throws. The `*` wildcard cannot be escaped in either scheme, so callers compare results exactly.
 */
export function escapeFilterValue(value: string, apiVersion: string): string {
  if (usesFilterEncoded(apiVersion)) {
    return encodeStrict(encodeStrict(value));
  }
  return encodeStrict(value.replace(/[\\(),;]/g, (c) => `\\${c}`));
}

/**
 * RFC 3986 percent-encoding of everything but unreserved characters. encodeURIComponent leaves `( ) ! * '`
 * alone, and a bare parenthesis in a value would regroup the filter once VCD URL-decodes it.
 */
function encodeStrict(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** One `attribute==value` condition; conditions are ANDed. Attribute names are ours, never a user's. */
export type FilterCondition = [attribute: string, value: string];

/**
 * Builds `/api/query?type=…&format=records[&page=…][&pageSize=…][&fields=…]&filter=…[&filterEncoded=true]` with every value
 * escaped for the API version. Field names are ours (attribute names, `metadata:<key>`), never a user's.
 * Never throws.
 */
export function buildQueryPath(
  type: string,
  conditions: FilterCondition[],
  apiVersion: string,
  options: { pageSize?: number; fields?: readonly string[]; page?: number } = {},
): string {
  const params = [`type=${encodeURIComponent(type)}`, 'format=records'];
  if (options.page !== undefined && options.page > 1) {
    params.push(`page=${options.page}`);
  }
  if (options.pageSize !== undefined) {
    params.push(`pageSize=${options.pageSize}`);
  }
  if (options.fields !== undefined && options.fields.length > 0) {
    params.push(`fields=${options.fields.map((f) => encodeURIComponent(f)).join(',')}`);
  }
  if (conditions.length > 0) {
    const filter = conditions.map(([a, v]) => `${a}==${escapeFilterValue(v, apiVersion)}`).join(';');
    params.push(`filter=${filter}`);
    if (usesFilterEncoded(apiVersion)) {
      params.push('filterEncoded=true');
    }
  }
  return `/api/query?${params.join('&')}`;
}
