import { VcdApiError } from '../../../src/vcd/errors';
import { type VcdRequest, type VcdResponse } from '../../../src/vcd/http-types';
import { CloudApi, nextPageLink } from '../../../src/vcd/nsxt/cloudapi';
import { isVersionConflict } from '../../../src/vcd/nsxt/nsxt-edge';
import { type VcdTask } from '../../../src/vcd/wire/task';

function page(
  values: unknown[],
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): VcdResponse {
  return { status: 200, headers, body: JSON.stringify({ values, ...extra }) };
}

function transport(answers: (request: VcdRequest) => VcdResponse): {
  requests: VcdRequest[];
  request: (r: VcdRequest) => Promise<VcdResponse>;
} {
  const requests: VcdRequest[] = [];
  return {
    requests,
    request: (r) => {
      requests.push(r);
      return Promise.resolve(answers(r));
    },
  };
}

describe('Link header', () => {
  it('finds the next page among several links, with commas inside the URLs', () => {
    const header =
      '<https://vcd/cloudapi/1.0.0/edgeGateways/x/nat/rules?cursor=abc,def&filter=(a==1,b==2)>;rel="nextPage";type="application/json", ' +
      '<https://vcd/cloudapi/1.0.0/edgeGateways/x>;rel="up";type="application/json"';
    expect(nextPageLink(header)).toBe(
      'https://vcd/cloudapi/1.0.0/edgeGateways/x/nat/rules?cursor=abc,def&filter=(a==1,b==2)',
    );
    expect(nextPageLink('<https://vcd/a>;rel="up", <https://vcd/b>; rel=nextPage')).toBe('https://vcd/b');
    expect(nextPageLink('<https://vcd/a>;rel="lastPage"')).toBeUndefined();
    expect(nextPageLink(undefined)).toBeUndefined();
  });
});

describe('CloudApi', () => {
  const wait = jest.fn(() => Promise.resolve(undefined));
  const item = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

  it('reads pages by number up to pageCount, 128 at a time', async () => {
    const http = transport((r) =>
      r.path.includes('page=1&') ? page(['a', 'b'], { pageCount: 2 }) : page(['c'], { pageCount: 2 }),
    );
    const api = new CloudApi({ http, wait });
    expect(
      await api.list('/cloudapi/1.0.0/firewallGroups/summaries', item, { filter: 'ownerRef.id==x' }),
    ).toEqual(['a', 'b', 'c']);
    expect(http.requests.map((r) => r.path)).toEqual([
      '/cloudapi/1.0.0/firewallGroups/summaries?filter=ownerRef.id%3D%3Dx&page=1&pageSize=128',
      '/cloudapi/1.0.0/firewallGroups/summaries?filter=ownerRef.id%3D%3Dx&page=2&pageSize=128',
    ]);
  });

  it('follows cursors in Link headers and stops when a link comes round again', async () => {
    const next = 'https://vcd/cloudapi/1.0.0/edgeGateways/g/nat/rules?cursor=x,1';
    const http = transport((r) =>
      r.path === next
        ? page(['b'], {}, { link: `<${next}>;rel="nextPage"` })
        : page(['a'], {}, { link: `<${next}>;rel="nextPage"` }),
    );
    expect(await new CloudApi({ http, wait }).list('/cloudapi/1.0.0/edgeGateways/g/nat/rules', item)).toEqual(
      ['a', 'b'],
    );
    expect(http.requests).toHaveLength(2);
  });

  it('refuses a list without values as a malformed answer', async () => {
    const http = transport(() => ({ status: 200, headers: {}, body: '{"oops":1}' }));
    await expect(new CloudApi({ http, wait }).list('/cloudapi/1.0.0/x', item)).rejects.toMatchObject({
      minorErrorCode: 'MALFORMED_RESPONSE',
    });
  });

  it('sends JSON, waits for the task of a 202 and never repeats a create on its own', async () => {
    const http = transport(() => ({
      status: 202,
      headers: { location: 'https://vcd/api/task/t1' },
      body: '',
    }));
    const waited: string[] = [];
    const api = new CloudApi({ http, wait: (t) => Promise.resolve(void waited.push(t)) });
    await api.write('POST', '/cloudapi/1.0.0/edgeGateways/g/nat/rules', { name: 'a"b' });
    await api.write('DELETE', '/cloudapi/1.0.0/edgeGateways/g/nat/rules/r');
    expect(waited).toEqual(['https://vcd/api/task/t1', 'https://vcd/api/task/t1']);
    expect(http.requests[0]).toMatchObject({
      contentType: 'application/json',
      body: '{"name":"a\\"b"}',
      repeatable: false,
    });
    expect(http.requests[1]).toMatchObject({ method: 'DELETE', repeatable: true });
    expect(http.requests[1]?.body).toBeUndefined();
  });

  it('takes a created object’s id from its task’s Owner, and only an id of the kind it made', async () => {
    const http = transport(() => ({
      status: 202,
      headers: { location: 'https://vcd/api/task/t1' },
      body: '',
    }));
    const finished = (owner?: { href: string; id?: string }): Promise<VcdTask> =>
      Promise.resolve({ href: 'https://vcd/api/task/t1', status: 'success', ...(owner ? { owner } : {}) });
    const group = 'urn:vcloud:firewallGroup:6c2a1b34-0f5e-4d7a-9a43-2b7d0f1e9c11';
    const named = new CloudApi({ http, wait: () => finished({ href: 'https://vcd/x', id: group }) });
    expect(await named.create('/cloudapi/1.0.0/firewallGroups', {}, 'firewallGroup')).toBe(group);
    // A NAT rule's task names the edge: no id of the new rule, so the caller lists.
    const edge = new CloudApi({
      http,
      wait: () => finished({ href: 'https://vcd/api/admin/edgeGateway/e', id: 'urn:vcloud:gateway:e' }),
    });
    expect(await edge.create('/cloudapi/1.0.0/firewallGroups', {}, 'firewallGroup')).toBeUndefined();
    const none = new CloudApi({ http, wait: () => finished() });
    expect(await none.create('/cloudapi/1.0.0/firewallGroups', {}, 'firewallGroup')).toBeUndefined();
    const sync = new CloudApi({ http: transport(() => ({ status: 201, headers: {}, body: '{}' })), wait });
    expect(await sync.create('/cloudapi/1.0.0/firewallGroups', {}, 'firewallGroup')).toBeUndefined();
  });

  it('tells a version conflict from other refusals', () => {
    expect(isVersionConflict(new VcdApiError({ httpStatus: 409, message: 'x' }))).toBe(true);
    expect(
      isVersionConflict(
        new VcdApiError({
          httpStatus: 400,
          minorErrorCode: 'BAD_REQUEST',
          message: 'The version 3 is stale; current version is 4',
        }),
      ),
    ).toBe(true);
    expect(
      isVersionConflict(new VcdApiError({ httpStatus: 400, minorErrorCode: 'BUSY_ENTITY', message: 'busy' })),
    ).toBe(false);
    expect(isVersionConflict(new Error('version'))).toBe(false);
  });
});
