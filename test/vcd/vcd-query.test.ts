/**
 * The query service's paging (issue 17): with the first page's `total`, the other pages are asked for by number, a
 * few at once, and come back in order; without it, `rel="nextPage"` links are followed as before.
 */
import { type VcdRequest } from '../../src/vcd/http-types';
import { VcdQueryService } from '../../src/vcd/vcd-query';

const NS = 'xmlns="http://www.vmware.com/vcloud/v1.5"';

function page(from: number, to: number, options: { total?: number; page: number; next?: string }): string {
  const records = Array.from(
    { length: to - from },
    (_, i) => `<VMRecord name="vm-${from + i}" href="h/${from + i}"/>`,
  );
  const total = options.total === undefined ? '' : ` total="${options.total}"`;
  const next =
    options.next === undefined ? '' : `<Link rel="nextPage" href="${options.next.replace(/&/g, '&amp;')}"/>`;
  return `<QueryResultRecords ${NS} name="vm" page="${options.page}" pageSize="128"${total}>${next}${records.join('')}</QueryResultRecords>`;
}

/** Serves `count` records 128 a page, answering each call after the others started (so concurrency shows). */
function transport(count: number, withTotal: boolean) {
  const paths: string[] = [];
  let inFlight = 0;
  let peak = 0;
  return {
    paths,
    peak: () => peak,
    async requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T> {
      paths.push(request.path);
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      const n = Number(new URLSearchParams(request.path.split('?')[1]).get('page') ?? '1');
      const last = Math.ceil(count / 128);
      const next =
        !withTotal && n < last ? `/api/query?type=vm&format=records&page=${n + 1}&pageSize=128` : undefined;
      return parse(
        page((n - 1) * 128, Math.min(n * 128, count), {
          page: n,
          ...(withTotal ? { total: count } : {}),
          ...(next !== undefined ? { next } : {}),
          ...(withTotal && n < last ? { next: `/api/query?type=vm&page=${n + 1}` } : {}),
        }),
      );
    },
  };
}

describe('vcd/vcd-query paging', () => {
  it('asks for the pages the total announces by number, at most 8 at once, and keeps their order', async () => {
    const t = transport(1300, true);
    const queries = new VcdQueryService(t, () => Promise.resolve('36.0'));

    const records = await queries.records('vm', [['status', 'POWERED_ON']], { fields: ['name'] });

    expect(records.map((r) => r.attributes.name)).toEqual(Array.from({ length: 1300 }, (_, i) => `vm-${i}`));
    expect(t.paths).toHaveLength(11);
    expect(t.paths[0]).toBe(
      '/api/query?type=vm&format=records&pageSize=128&fields=name&filter=status==POWERED_ON',
    );
    expect(t.paths.slice(1).sort()).toEqual(
      Array.from(
        { length: 10 },
        (_, i) =>
          `/api/query?type=vm&format=records&page=${i + 2}&pageSize=128&fields=name&filter=status==POWERED_ON`,
      ).sort(),
    );
    expect(t.peak()).toBe(8);
  });

  it('follows nextPage links one after the other when the server sends no total', async () => {
    const t = transport(300, false);
    const queries = new VcdQueryService(t, () => Promise.resolve('36.0'));

    const records = await queries.records('vm', []);

    expect(records).toHaveLength(300);
    expect(t.paths).toEqual([
      '/api/query?type=vm&format=records&pageSize=128',
      '/api/query?type=vm&format=records&page=2&pageSize=128',
      '/api/query?type=vm&format=records&page=3&pageSize=128',
    ]);
    expect(t.peak()).toBe(1);
  });
});
