/**
 * The query service (`GET /api/query`): typed queries in records format, 128 records a page, with filter values
 * escaped for the negotiated version (query-filter.ts). The first page's `total` says how many pages follow; they are
 * asked for by number, a few at once (a fleet of thousands of labs is tens of pages, and one after the other they
 * would cost tens of round trips). A server that sends no total is followed by its `rel="nextPage"` links.
 */
import { buildQueryPath, type FilterCondition } from './query-filter';
import { type VcdRequest } from './http-types';
import { parseQueryRecords, type VcdQueryPage, type VcdQueryRecord } from './wire/query';

/** The query service's maximum page size (PG "Query Parameters"). */
export const MAX_PAGE_SIZE = 128;
/**
 * Guard against a server whose nextPage links go round in circles, or a total beyond reason: 1,000 pages of 128 is
 * 128,000 records (the VMs of 20,000 labs are about 250 pages).
 */
const MAX_PAGES = 1000;
/** Pages in flight at once after the first (the reaper's bound on calls in flight). */
const DEFAULT_PAGE_CONCURRENCY = 8;

/** What queries need from the funnel (VcdHttp satisfies it). */
export interface QueryTransport {
  requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T>;
}

export interface QueryOptions {
  /** Default 128, the maximum. */
  pageSize?: number;
  /** Attributes (and `metadata:<key>`) to return; with metadata fields VCD returns only the fields listed. */
  fields?: readonly string[];
  /** Pages asked for at once once the total is known; default 8. 1: one after the other. */
  concurrency?: number;
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
    const apiVersion = await this.apiVersion();
    const pageSize = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const pathOf = (page: number): string =>
      buildQueryPath(type, conditions, apiVersion, { pageSize, fields: options.fields, page });
    const first = await this.page(pathOf(1));
    const size = first.pageSize ?? pageSize;
    if (first.total === undefined || first.nextPage === undefined || size < 1) {
      return [...first.records, ...(await this.follow(first.nextPage, new Set([pathOf(1)])))];
    }
    const pages = Math.min(Math.ceil(first.total / size), MAX_PAGES);
    const rest: VcdQueryRecord[][] = [];
    let next = 2;
    const worker = async (): Promise<void> => {
      while (next <= pages) {
        const page = next++;
        rest[page - 2] = (await this.page(pathOf(page))).records;
      }
    };
    const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_PAGE_CONCURRENCY, pages - 1));
    await Promise.all(Array.from({ length: workers }, worker));
    return [...first.records, ...rest.flat()];
  }

  /** Follows `rel="nextPage"` links to the end (or round a circle, or past MAX_PAGES). */
  private async follow(start: string | undefined, seen: Set<string>): Promise<VcdQueryRecord[]> {
    const records: VcdQueryRecord[] = [];
    let path = start;
    while (path !== undefined && !seen.has(path) && seen.size < MAX_PAGES) {
      seen.add(path);
      const page = await this.page(path);
      records.push(...page.records);
      path = page.nextPage;
    }
    return records;
  }

  private page(path: string): Promise<VcdQueryPage> {
    return this.http.requestParsed({ method: 'GET', path }, parseQueryRecords);
  }
}
