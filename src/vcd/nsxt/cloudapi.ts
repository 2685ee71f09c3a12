/**
 * JSON calls to VCD's CloudAPI (`/cloudapi/1.0.0/…`) through the one HTTP funnel: bodies as JSON, lists read to
 * the end (page numbers, or cursors in `Link: <…>;rel="nextPage"`), and writes that answer 202 with a `Location`
 * task waited for like any XML task. JSON `Error` bodies are mapped by the funnel (response-errors.ts) onto the same
 * error families as XML ones, and BUSY_ENTITY / OPERATION_LIMITS_EXCEEDED are retried there.
 */
import { VcdApiError } from '../errors';
import { type HttpMethod, type VcdRequest, type VcdResponse } from '../http-types';
import { WireFormatError } from '../wire/wire-format';
import { parseResponse } from '../response-errors';
import { type TaskTimings } from '../tasks';
import { type VcdTask } from '../wire/task';

/** CloudAPI's largest page. */
export const CLOUDAPI_MAX_PAGE_SIZE = 128;
/** Guard against a server whose next-page links go round in circles (200 × 128 items). */
const MAX_PAGES = 200;

/** What the CloudAPI client needs from the funnel (VcdHttp satisfies it). */
export interface CloudApiTransport {
  request(request: VcdRequest): Promise<VcdResponse>;
}

export interface CloudApiOptions {
  http: CloudApiTransport;
  /** Waits for a task href (the `Location` of a 202) to succeed; resolves with the finished task. */
  wait: (taskHref: string) => Promise<VcdTask | undefined>;
  /** Told of every task started here (keyed by method and path shape), so its wait can sleep until its expected end. */
  timings?: TaskTimings;
}

/**
 * The `rel="nextPage"` target of a `Link` header, if any. Several links may share one header, separated by commas,
 * and the URLs themselves may hold commas (CloudAPI filters use them), so links are read as `<…>` followed by
 * parameters rather than split on commas.
 */
export function nextPageLink(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    const params = match[2] ?? '';
    if (/;\s*rel\s*=\s*"?nextPage"?/i.test(params)) {
      return match[1];
    }
  }
  return undefined;
}

/** Parses a JSON body into an object. @throws WireFormatError when it is not a JSON object. */
export function parseJsonObject(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new WireFormatError(
      `expected a JSON document: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireFormatError('expected a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Appends query parameters to a path that may already have some. */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const query = Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
  if (query === '') {
    return path;
  }
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

/** One CloudAPI connection (shares the funnel's session, retries and error mapping). */
export class CloudApi {
  constructor(private readonly options: CloudApiOptions) {}

  /**
   * One document.
   *
   * @throws VcdNotFoundError, VcdApiError (MALFORMED_RESPONSE for a body that is not a JSON object),
   *   VcdUnavailableError.
   */
  async get<T>(path: string, parse: (json: Record<string, unknown>) => T): Promise<T> {
    const request: VcdRequest = { method: 'GET', path };
    const response = await this.options.http.request(request);
    return parseResponse(request, response, (body) => parse(parseJsonObject(body)));
  }

  /**
   * Every item of a paged list (`values`), following `Link rel="nextPage"` cursors when the server gives them and
   * page numbers up to `pageCount` otherwise. `pageSize`: 128 (most lists' maximum) unless the list allows fewer
   * (orgVdcNetworks: 32).
   *
   * @throws as `get`.
   */
  async list<T>(
    path: string,
    parse: (item: unknown) => T | undefined,
    params: Record<string, string | undefined> = {},
    pageSize: number = CLOUDAPI_MAX_PAGE_SIZE,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let next: string | undefined = withQuery(path, { ...params, page: 1, pageSize });
    let page = 1;
    while (next !== undefined && !seen.has(next) && seen.size < MAX_PAGES) {
      seen.add(next);
      const request: VcdRequest = { method: 'GET', path: next };
      const response = await this.options.http.request(request);
      const json = parseResponse(request, response, parseJsonObject);
      const values = json.values;
      if (!Array.isArray(values)) {
        throw new VcdApiError({
          method: 'GET',
          path: next,
          minorErrorCode: 'MALFORMED_RESPONSE',
          message: 'a CloudAPI list without values',
        });
      }
      for (const value of values) {
        const item = parse(value);
        if (item !== undefined) {
          items.push(item);
        }
      }
      const cursor = nextPageLink(response.headers.link);
      const pageCount = typeof json.pageCount === 'number' ? json.pageCount : 1;
      if (cursor !== undefined) {
        next = cursor;
      } else if (page < pageCount && values.length > 0) {
        page += 1;
        next = withQuery(path, { ...params, page, pageSize });
      } else {
        next = undefined;
      }
    }
    return items;
  }

  /**
   * A write (POST/PUT/DELETE). VCD answers 202 with an empty body and the task in `Location` (waited for here), or
   * sometimes 200/201/204 at once. Resolves with the finished task of a 202, undefined otherwise.
   *
   * @throws VcdApiError, VcdTaskFailedError, VcdNotFoundError, VcdUnavailableError.
   */
  async write(
    method: Exclude<HttpMethod, 'GET'>,
    path: string,
    body?: unknown,
    options: { repeatable?: boolean } = {},
  ): Promise<VcdTask | undefined> {
    const response = await this.options.http.request({
      method,
      path,
      ...(body !== undefined ? { body: JSON.stringify(body), contentType: 'application/json' } : {}),
      // A DELETE or PUT sent twice ends in the same state; a POST that creates may have been carried out already,
      // so its caller looks for what exists instead of sending it again.
      repeatable: options.repeatable ?? method !== 'POST',
      // labbot's CloudAPI writes are its edge changes (rules, IP sets, their port profiles and addresses), made by
      // one writer per edge that every lab waiting for its rules queues behind.
      urgent: true,
    });
    const task = response.headers.location;
    if (response.status === 202 && task !== undefined && task !== '') {
      this.options.timings?.sawStart(task, `cloudapi ${method} ${pathShape(path)}`);
      return this.options.wait(task);
    }
    return undefined;
  }

  /**
   * POSTs a new object and returns its id, read from the finished task's Owner: VCD names the object a create made
   * there (go-vcloud-director's OpenApiPostItem reads it back the same way: "Task Owner ID is the ID of created
   * object"), so no list is needed to find it. Undefined when the Owner is not a `urn:vcloud:<kind>:` id (a NAT rule's
   * task names the edge instead; an older VCD may name nothing): the caller then lists to find what it made.
   *
   * @throws as `write`.
   */
  async create(path: string, body: unknown, kind: string): Promise<string | undefined> {
    const id = (await this.write('POST', path, body))?.owner?.id;
    return id !== undefined && id.toLowerCase().startsWith(`urn:vcloud:${kind.toLowerCase()}:`)
      ? id
      : undefined;
  }
}

/**
 * A CloudAPI path with its query dropped and every segment holding an id replaced by `*` (an edge's NAT rules path
 * is the same shape for every edge): CloudAPI tasks come as a bare Location, so this names their kind for TaskTimings.
 */
export function pathShape(path: string): string {
  return (path.split('?')[0] ?? '')
    .split('/')
    .map((segment) => (/[0-9]/.test(segment) && !/^[0-9.]+$/.test(segment) ? '*' : segment))
    .join('/');
}
