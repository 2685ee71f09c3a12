/**
 * The query service (`GET /api/query`): typed queries in records format, 128 records a page, following
 * `rel="nextPage"` to the end, with filter values escaped for the negotiated version (query-filter.ts).
 */
import { buildQueryPath, type FilterCondition } from './query-filter';
import { type VcdRequest } from './http-types';
import { parseQueryRecords, type VcdQueryPage, type VcdQueryRecord } from './wire/query';

/** The query service's maximum page size (PG "Query Parameters"). */
export const MAX_PAGE_SIZE = 128;
/** Guard against a server whose nextPage links go round in circles: 200 pages of 128 is 25 600 records. */
const MAX_PAGES = 200;

/** What queries need from the funnel (VcdHttp satisfies it). */
export interface QueryTransport {
  requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T>;
}

export interface QueryOptions {
  /** Default 128, the maximum. */
  pageSize?: number;
  /** Attributes (and `metadata:<key>`) to return; with metadata fields VCD returns only the fields listed. */
  fields?: readonly string[];
}

/** Runs typed queries for one VCD connection. */
export class VcdQueryService {
  constructor(
    private readonly http: QueryTransport,
    private readonly apiVersion: () => Promise<string>,
  ) {}

  /**
   * Every record of a typed query whose attributes equal the conditions (ANDed), across all pages.
   *
   * @throws VcdApiError (e.g. 400 for an unknown type or attribute, 403 without the right to query),
   *   VcdUnavailableError.
   */
  async records(
    type: string,
    conditions: FilterCondition[],
    options: QueryOptions = {},
  ): Promise<VcdQueryRecord[]> {
    let path: string | undefined = buildQueryPath(type, conditions, await this.apiVersion(), {
      pageSize: Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE),
      fields: options.fields,
    });
    const records: VcdQueryRecord[] = [];
    const seen = new Set<string>();
    while (path !== undefined && !seen.has(path) && seen.size < MAX_PAGES) {
      seen.add(path);
      const page: VcdQueryPage = await this.http.requestParsed({ method: 'GET', path }, parseQueryRecords);
      records.push(...page.records);
      path = page.nextPage;
    }
    return records;
  }
}
