/**
 * What every CloudAPI (`/cloudapi/1.0.0/…`, JSON) route shares: JSON `Error` bodies, 202 answers that carry only a
 * `Location` task, JSON request bodies, URN path parameters, FIQL filters and both kinds of paging (page numbers with
 * the Page wrapper, and NSX-T cursors), each with VCD's `Link: <…>;rel="nextPage"` headers.
 */
import { type SimRequest, type SimResponse } from '../http/sim-http';
import { urn } from '../hrefs';
import { type SimTask } from '../model';
import { filterAttributes, matchesFilter, parseFilter } from '../query/filter';
import { SimError, badRequest } from '../sim-error';

/** True for paths the CloudAPI serves, whose errors are JSON. */
export function isCloudApiPath(path: string): boolean {
  return path.startsWith('/cloudapi/');
}

/**
 * The JSON `Error` of the CloudAPI (swagger definition `Error`: `minorErrorCode`, `message`, `stackTrace`), message
 * prefixed with the request id as VCD writes it; `majorErrorCode` repeats the HTTP status as the XML Error does.
 */
export function cloudApiErrorResponse(error: SimError, requestId: string): SimResponse {
  return {
    status: error.status,
    mediaType: 'application/json',
    body: JSON.stringify({
      majorErrorCode: error.status,
      minorErrorCode: error.minorErrorCode,
      message: `[ ${requestId} ] ${error.message}`,
      stackTrace: `com.vmware.vcloud.api.presentation.service.${error.minorErrorCode}`,
    }),
  };
}

/** 202 Accepted with an empty body and `Location: <task href>`: how every CloudAPI change answers. */
export function acceptedJsonTask(req: SimRequest, task: SimTask): SimResponse {
  return { status: 202, headers: { Location: req.ctx.hrefs.task(task.id) } };
}

/** A 200 JSON answer (Content-Type `application/json;version=<v>`), with optional extra headers. */
export function jsonOk(value: unknown, headers?: Record<string, string | string[]>): SimResponse {
  return { status: 200, mediaType: 'application/json', body: JSON.stringify(value), headers };
}

/**
 * The request's JSON object body.
 *
 * @throws SimError 415 unless Content-Type is application/json; 400 when the body is not a JSON object.
 */
export function jsonBody(req: SimRequest): Record<string, unknown> {
  const sent = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (sent !== 'application/json') {
    throw new SimError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Unsupported media type "${sent}": expected application/json.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(req.body) as unknown;
  } catch (error) {
    throw badRequest(`Unable to parse the request body as JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/**
 * The uuid of a CloudAPI id `urn:vcloud:<kind>:<uuid>`.
 *
 * @throws SimError 400 when the id is not a URN of that kind (VCD checks path URNs before looking them up).
 */
export function uuidOfUrn(id: string, kind: string): string {
  const decoded = decodeURIComponent(id);
  const match = new RegExp(`^urn:vcloud:${kind}:([0-9a-f-]{36})$`, 'i').exec(decoded);
  if (match?.[1] === undefined) {
    throw badRequest(`Invalid id "${decoded}": expected a URN of the form urn:vcloud:${kind}:<uuid>.`);
  }
  return match[1].toLowerCase();
}

/**
 * An entity this user cannot see or that does not exist: 403, as VCD answers both (the CloudAPI does not say which).
 */
export function noSuchEntity(kind: string, uuid: string): SimError {
  return new SimError(
    403,
    'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    `Either you need some or all of the following rights [] to perform operations [] for ${urn(kind, uuid)} or the target entity is invalid.`,
  );
}

/** A flat record for FIQL filters: dotted paths (`ownerRef.id`) to string values. */
export type FilterFields = Readonly<Record<string, string | undefined>>;

/**
 * Keeps the items the `filter` query parameter selects (FIQL, as the query service parses it from API 35.0).
 *
 * @throws SimError 400 for a malformed filter or one naming a field the list cannot filter on.
 */
export function applyFilter<T>(req: SimRequest, items: readonly T[], fields: (item: T) => FilterFields): T[] {
  const filter = req.query.get('filter');
  if (filter === null) {
    return [...items];
  }
  const node = parseFilter(filter, { backslashEscapes: true, percentDecodeValues: false });
  const known = new Set(items.length > 0 && items[0] !== undefined ? Object.keys(fields(items[0])) : []);
  const unknown = filterAttributes(node).find((a) => items.length > 0 && !known.has(a));
  if (unknown !== undefined) {
    throw badRequest(`Invalid filter: the property "${unknown}" cannot be used in a filter.`);
  }
  return items.filter((item) => matchesFilter(node, { attributes: fields(item), metadata: [] }));
}

/** Page size limits of one list (swagger: default and maximum of its `pageSize`). */
export interface PageLimits {
  readonly defaultSize: number;
  readonly maxSize: number;
}

export const DEFAULT_PAGE_LIMITS: PageLimits = { defaultSize: 25, maxSize: 128 };

function intParam(req: SimRequest, name: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null) {
    return undefined;
  }
  if (!/^\d+$/.test(raw)) {
    throw badRequest(`Invalid value "${raw}" for query parameter ${name}: expected a whole number.`);
  }
  return Number(raw);
}

/**
 * @throws SimError 400 when `pageSize` exceeds the list's maximum or is not a number.
 */
function pageSizeOf(req: SimRequest, limits: PageLimits): number {
  const size = intParam(req, 'pageSize') ?? limits.defaultSize;
  if (size > limits.maxSize) {
    throw badRequest(`Page size ${size} is not valid: the maximum page size is ${limits.maxSize}.`);
  }
  return size;
}

/** The request URL with its own query string but these parameters replaced, commas and all kept as sent. */
function pageUrl(req: SimRequest, replace: Record<string, string>): string {
  const raw = (req.rawQuery ?? '').replace(/^\?/, '');
  const kept = raw
    .split('&')
    .filter((part) => part !== '' && !Object.keys(replace).includes(part.split('=')[0] ?? ''));
  const added = Object.entries(replace).map(([k, v]) => `${k}=${v}`);
  return `${req.ctx.hrefs.base}${req.path}?${[...kept, ...added].join('&')}`;
}

function pageLink(url: string, rel: string, model: string): string {
  return `<${url}>;rel="${rel}";type="application/json";model="${model}"`;
}

/**
 * A page of a list as VCD serves it: the Page wrapper (`resultTotal`, `pageCount`, `page`, `pageSize`,
 * `associations`, `values`) and one `Link` header per neighbouring page (`nextPage`, `previousPage`, `firstPage`,
 * `lastPage`), whose URLs keep the request's own parameters (a filter may hold commas).
 *
 * @throws SimError 400 for a page size over the maximum, a page below 1 or non-numeric paging parameters.
 */
export function pagedList<T>(
  req: SimRequest,
  items: readonly T[],
  render: (item: T) => unknown,
  model: string,
  limits: PageLimits = DEFAULT_PAGE_LIMITS,
): SimResponse {
  const pageSize = pageSizeOf(req, limits);
  const page = intParam(req, 'page') ?? 1;
  if (page < 1) {
    throw badRequest(`Invalid page ${page}: pages are numbered from 1.`);
  }
  const pageCount = pageSize === 0 ? 0 : Math.ceil(items.length / pageSize);
  const values = pageSize === 0 ? [] : items.slice((page - 1) * pageSize, page * pageSize).map(render);
  const links: string[] = [];
  const at = (p: number): string => pageUrl(req, { page: String(p), pageSize: String(pageSize) });
  if (pageCount > 0) {
    links.push(pageLink(at(1), 'firstPage', model));
    if (page < pageCount) {
      links.push(pageLink(at(page + 1), 'nextPage', model));
    }
    if (page > 1 && page <= pageCount) {
      links.push(pageLink(at(page - 1), 'previousPage', model));
    }
    links.push(pageLink(at(pageCount), 'lastPage', model));
  }
  return jsonOk(
    { resultTotal: items.length, pageCount, page, pageSize, associations: [], values },
    links.length > 0 ? { Link: links } : undefined,
  );
}

/**
 * A cursor-paged list (NSX-T rules): `{values}` and, while more remain, `Link: <…?cursor=…>;rel="nextPage"`. The
 * cursor is opaque to clients; here it is `<offset>,<pageSize>` (a comma inside the URL, as NSX cursors may hold).
 *
 * @throws SimError 400 for a malformed cursor or a page size over the maximum.
 */
export function cursorPage<T>(
  req: SimRequest,
  items: readonly T[],
  wrap: (values: T[]) => unknown,
  model: string,
  limits: PageLimits = DEFAULT_PAGE_LIMITS,
): SimResponse {
  const cursor = req.query.get('cursor');
  let offset = 0;
  let pageSize: number;
  if (cursor !== null) {
    const match = /^(\d+),(\d+)$/.exec(cursor);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw badRequest(`Invalid cursor "${cursor}".`);
    }
    offset = Number(match[1]);
    pageSize = Math.min(Number(match[2]), limits.maxSize);
  } else {
    pageSize = pageSizeOf(req, limits);
  }
  const values = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  const headers =
    pageSize > 0 && next < items.length
      ? { Link: [pageLink(pageUrl(req, { cursor: `${next},${pageSize}` }), 'nextPage', model)] }
      : undefined;
  return jsonOk(wrap(values), headers);
}
