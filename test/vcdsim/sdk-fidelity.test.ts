/**
 * Issue 15 item 7: what VMware's SDK clients do against VCD 10.4-10.6, against the simulator: list a catalog's items
 * (the catalog's CatalogItems, the query service, the admin catalog), look up a VDC by name, log in the ways each
 * version allows (service accounts included), and get VCD's error codes per case.
 */
import { RATE_LIMIT_RETRY_AFTER_SECONDS } from '../../src/vcdsim/faults';
import { validateAgainstXsd, type XsdResult } from '../helpers/xsd';

/** vCloud documents against vcloud.xsd; admin-namespace roots (AdminCatalog) against the master schema that holds them. */
function validateAll(documents: { name: string; xml: string }[]): XsdResult[] {
  const admin = (d: { xml: string }): boolean => /<AdminCatalog\b/.test(d.xml);
  return [
    ...validateAgainstXsd(documents.filter((d) => !admin(d))),
    ...validateAgainstXsd(documents.filter(admin), 'etc/1.5/schemas/master/master.xsd'),
  ].filter((r) => r.errors.length > 0);
}
import { childrenOf, descendants, startHarness, type Harness } from './sim-harness';

const basic = (userAtOrg: string, password: string): string =>
  `Basic ${Buffer.from(`${userAtOrg}:${password}`).toString('base64')}`;

describe('vcdsim: SDK-style listings and lookups', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ serviceAccount: { name: 'labbot-sa', token: 'sa-first' } });
    await h.api.login();
  });
  afterEach(() => h.close());

  it('lists catalog items the ways SDK clients do: CatalogItems, the query service, the admin catalog', async () => {
    const { api } = h;
    const catalogRef = await api.get('/api/query?type=catalog&format=references&filter=name==labs');
    const catalogHref = descendants(catalogRef.xml, 'CatalogReference')[0]?.attributes['href'] ?? '';
    const catalog = await api.get(catalogHref);
    const fromCatalog = descendants(catalog.xml, 'CatalogItem')
      .map((i) => i.attributes['name'])
      .sort();
    expect(fromCatalog.length).toBeGreaterThan(1);

    const byHref = await api.get(
      `/api/query?type=catalogItem&format=records&filter=catalog==${encodeURIComponent(catalogHref)}`,
    );
    const byName = await api.get('/api/query?type=catalogItem&format=records&filter=catalogName==labs');
    const references = await api.get('/api/query?type=catalogItem&format=references');
    expect(
      childrenOf(byHref.xml, 'CatalogItemRecord')
        .map((r) => r.attributes['name'])
        .sort(),
    ).toEqual(fromCatalog);
    expect(
      childrenOf(byName.xml, 'CatalogItemRecord')
        .map((r) => r.attributes['name'])
        .sort(),
    ).toEqual(fromCatalog);
    expect(childrenOf(references.xml, 'CatalogItemReference')).toHaveLength(fromCatalog.length);
    // Each record leads to its item and its template.
    const record = childrenOf(byName.xml, 'CatalogItemRecord')[0];
    expect((await api.get(record?.attributes['href'] ?? '')).status).toBe(200);
    expect((await api.get(record?.attributes['entity'] ?? '')).status).toBe(200);

    const alternate = childrenOf(catalog.xml, 'Link').find((l) => l.attributes['rel'] === 'alternate');
    const admin = await api.get(alternate?.attributes['href'] ?? '');
    expect(admin.status).toBe(200);
    expect(admin.xml?.name).toBe('AdminCatalog');
    expect(
      descendants(admin.xml, 'CatalogItem')
        .map((i) => i.attributes['name'])
        .sort(),
    ).toEqual(fromCatalog);

    const invalid = validateAll(api.collected);
    expect(invalid).toEqual([]);
  });

  it.each(['33.0', '38.0'])(
    'at API %s the Org document names its VDCs and catalog in the down links SDKs follow (govcd, pyvcloud)',
    async (version) => {
      h.api.version = version;
      const orgHref = descendants((await h.api.get('/api/org')).xml, 'Org')[0]?.attributes['href'] ?? '';
      const org = await h.api.get(orgHref);
      const down = childrenOf(org.xml, 'Link').filter((l) => l.attributes['rel'] === 'down');
      const named = (type: string): string[] =>
        down.filter((l) => l.attributes['type'] === type).map((l) => l.attributes['name'] ?? '');

      expect(named('application/vnd.vmware.vcloud.vdc+xml')).toEqual(['lab-vdc']);
      expect(named('application/vnd.vmware.vcloud.catalog+xml')).toEqual(['labs']);
      for (const link of down) {
        expect((await h.api.get(link.attributes['href'] ?? '')).status).toBe(200);
      }
    },
  );

  it('looks up a VDC by name with the query service, and finds none for another name', async () => {
    const found = await h.api.get('/api/query?type=orgVdc&format=records&filter=name==lab-vdc');
    const none = await h.api.get('/api/query?type=orgVdc&format=records&filter=name==other-vdc');

    expect(childrenOf(found.xml, 'OrgVdcRecord').map((r) => r.attributes['name'])).toEqual(['lab-vdc']);
    expect(childrenOf(none.xml, 'OrgVdcRecord')).toEqual([]);
  });

  it("answers another org's href with 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN, an unknown address with 404", async () => {
    const other = await h.api.get('/api/org/11111111-2222-3333-4444-555555555555');
    const unknown = await h.api.get('/api/nothing/here');

    expect(other.status).toBe(403);
    expect(other.xml?.attributes['minorErrorCode']).toBe('ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    expect(unknown.status).toBe(404);
    expect(unknown.xml?.attributes['minorErrorCode']).toBe('RESOURCE_NOT_FOUND');
  });

  it('answers a rate-limited call with 429 and Retry-After', async () => {
    await fetch(`${h.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ errors: [{ operation: 'org.list', error: 429, times: 1 }] }),
    });
    const limited = await h.api.get('/api/org');
    const after = await h.api.get('/api/org');

    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe(String(RATE_LIMIT_RETRY_AFTER_SECONDS));
    expect(after.status).toBe(200);
  });
});

describe('vcdsim: logins by version and account kind', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ serviceAccount: { name: 'labbot-sa', token: 'sa-first' } });
  });
  afterEach(() => h.close());

  it('refuses POST /api/sessions at API 38.0 as VCD 10.5+ does (405 METHOD_NOT_ALLOWED), accepts it at 37.2', async () => {
    const post = (version: string) =>
      fetch(`${h.sim.url}/api/sessions`, {
        method: 'POST',
        headers: {
          Accept: `application/*+xml;version=${version}`,
          Authorization: basic('admin@lab', 'admin'),
        },
      });

    const refused = await post('38.0');
    expect(refused.status).toBe(405);
    expect(await refused.json()).toMatchObject({
      minorErrorCode: 'METHOD_NOT_ALLOWED',
      message: 'HTTP method not allowed',
    });
    expect((await post('37.2')).status).toBe(200);
  });

  it('rotates a service account token at each exchange and refuses a spent one with invalid_grant', async () => {
    const exchange = (token: string) =>
      fetch(`${h.sim.url}/oauth/tenant/lab/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString(),
      });

    const first = await exchange('sa-first');
    const grant = (await first.json()) as { access_token: string; refresh_token: string };
    expect(first.status).toBe(200);
    expect(grant.refresh_token).not.toBe('sa-first');

    const reused = await exchange('sa-first');
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({
      minorErrorCode: 'invalid_grant',
      message: 'Invalid refresh token',
    });

    const second = await exchange(grant.refresh_token);
    expect(second.status).toBe(200);
    // The user API token is not single-use.
    expect((await exchange('simulated-api-token')).status).toBe(200);
    expect((await exchange('simulated-api-token')).status).toBe(200);
    expect(h.sim.state.serviceAccount?.exchanges).toBe(2);
  });

  it('refuses provider logins: the simulated cloud has no System org accounts', async () => {
    const provider = await fetch(`${h.sim.url}/cloudapi/1.0.0/sessions/provider`, {
      method: 'POST',
      headers: { Accept: 'application/json;version=38.0', Authorization: basic('admin@System', 'admin') },
    });
    const providerToken = await fetch(`${h.sim.url}/oauth/provider/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: 'grant_type=refresh_token&refresh_token=simulated-api-token',
    });

    expect(provider.status).toBe(401);
    expect(providerToken.status).toBe(400);
  });
});
