/** The query service over HTTP: filters and their per-version escaping, formats, fields, sorting and paging. */
import { type XmlNode } from '../../src/vcd/wire/xml';
import {
  MEDIA_METADATA,
  SimApi,
  child,
  childrenOf,
  instantiate,
  instantiateBody,
  linkHref,
  lookups,
  metadataBody,
  rels,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

function names(xml: XmlNode | undefined, record = 'VAppRecord'): string[] {
  return childrenOf(xml, record).map((r) => r.attributes['name'] ?? '');
}

describe('vcdsim query service', () => {
  let h: Harness;
  let vdcHref: string;
  let networks: { name: string; href: string }[];
  let esxi8: string;

  beforeAll(async () => {
    h = await startHarness({ speedFactor: 1000 });
    await h.api.login();
    let templates: Map<string, string>;
    ({ vdcHref, networks, templates } = await lookups(h.api));
    esxi8 = templates.get('esxi8-single') ?? '';
    for (const name of ['alpha', 'Alpha-2', 'beta', 'VM,1', 'a(b);c\\d']) {
      const created = await instantiate(
        h.api,
        vdcHref,
        instantiateBody({ name, templateHref: esxi8, networks }),
      );
      expect(created.reply.status).toBe(201);
    }
    h.clock.advance(100);
  });

  afterAll(async () => {
    await h.close();
  });

  it('finds the VDC, the networks and the catalog templates a client looks up', async () => {
    const vdc = await h.api.get('/api/query?type=orgVdc&format=records&filter=name==lab-vdc');
    expect(vdc.headers.get('content-type')).toBe(
      'application/vnd.vmware.vcloud.query.records+xml;version=36.0',
    );
    expect(child(vdc.xml, 'OrgVdcRecord')?.attributes['href']).toMatch(/\/api\/vdc\/[0-9a-f-]{36}$/);

    const net = await h.api.get('/api/query?type=orgVdcNetwork&format=records&filter=name==VM%20Network');
    expect(child(net.xml, 'OrgVdcNetworkRecord')?.attributes).toMatchObject({
      name: 'VM Network',
      linkType: '1',
      connectedTo: 'edge-01',
      defaultGateway: '10.20.0.1',
    });

    const templates = await h.api.get('/api/query?type=vAppTemplate&format=records&filter=catalogName==labs');
    expect(names(templates.xml, 'VAppTemplateRecord')).toEqual([
      'esxi8-single',
      'esxi7-single',
      'vsphere8-lab',
    ]);
    expect(child(templates.xml, 'VAppTemplateRecord')?.attributes).toMatchObject({
      catalogName: 'labs',
      status: 'RESOLVED',
      description: 'Nested ESXi 8.0 host',
    });
  });

  it('combines conditions with ; and , and parentheses, and makes * wildcards case-insensitive', async () => {
    const q = async (filter: string): Promise<string[]> =>
      names((await h.api.get(`/api/query?type=vApp&filter=${encodeURIComponent(filter)}`)).xml);

    expect(await q('name==alpha')).toEqual(['alpha']);
    expect(await q('name==ALPHA')).toEqual([]);
    expect(await q('name==alpha*')).toEqual(['alpha', 'Alpha-2']);
    expect(await q('name==alpha,name==beta')).toEqual(['alpha', 'beta']);
    expect(await q('name==a*;name!=alpha')).toEqual(['Alpha-2', 'a(b);c\\d']);
    expect(await q('(name==alpha,name==beta);status==POWERED_OFF')).toEqual(['alpha', 'beta']);
    expect(await q('numberOfCpus=ge=4;numberOfCpus=lt=5;name==beta')).toEqual(['beta']);
  });

  it('reads backslash escapes in values from API 35.0 on', async () => {
    const res = await h.api.get(`/api/query?type=vApp&filter=${encodeURIComponent('name==VM\\,1')}`);
    expect(names(res.xml)).toEqual(['VM,1']);
    const tricky = await h.api.get(
      `/api/query?type=vApp&filter=${encodeURIComponent('name==a\\(b\\)\\;c\\\\d')}`,
    );
    expect(names(tricky.xml)).toEqual(['a(b);c\\d']);
  });

  it('percent-decodes values under filterEncoded=true before API 35.0', async () => {
    const old = new SimApi(h.api.base, '34.0');
    old.token = h.api.token;
    const value = encodeURIComponent('VM,1');
    const res = await old.get(
      `/api/query?type=vApp&filterEncoded=true&filter=${encodeURIComponent(`name==${value}`)}`,
    );
    expect(names(res.xml)).toEqual(['VM,1']);
  });

  it('filters and returns metadata with metadata:key and fields', async () => {
    const alpha =
      child((await h.api.get('/api/query?type=vApp&filter=name==alpha')).xml, 'VAppRecord')?.attributes[
        'href'
      ] ?? '';
    const task = await h.api.post(`${alpha}/metadata`, metadataBody({ 'labbot.id': 'k3x9' }), MEDIA_METADATA);
    await waitTask(h.api, h.clock, task.xml?.attributes['href'] ?? '', 10);

    const res = await h.api.get(
      '/api/query?type=vApp&fields=name,metadata:labbot.id&filter=metadata:labbot.id==STRING:k3*',
    );
    const record = child(res.xml, 'VAppRecord');
    expect(record?.attributes['name']).toBe('alpha');
    expect(record?.attributes['status']).toBeUndefined();
    const entry = child(child(record, 'Metadata'), 'MetadataEntry');
    expect(child(entry, 'Key')?.text).toBe('labbot.id');
    expect(child(child(entry, 'TypedValue'), 'Value')?.text).toBe('k3x9');
    expect(
      names((await h.api.get('/api/query?type=vApp&filter=metadata:labbot.id==STRING:nope')).xml),
    ).toEqual([]);
  });

  it('answers references and idrecords formats', async () => {
    const refs = await h.api.get('/api/query?type=vApp&format=references&filter=name==beta');
    expect(refs.xml?.name).toBe('VAppReferences');
    expect(child(refs.xml, 'VAppReference')?.attributes).toMatchObject({
      name: 'beta',
      type: 'application/vnd.vmware.vcloud.vApp+xml',
    });
    const ids = await h.api.get('/api/query?type=vApp&format=idrecords&filter=name==beta');
    expect(child(ids.xml, 'VAppRecord')?.attributes['id']).toMatch(/^urn:vcloud:vapp:/);
    expect(child(ids.xml, 'VAppRecord')?.attributes['vdc']).toMatch(/^urn:vcloud:vdc:/);
  });

  it('sorts with sortAsc and sortDesc', async () => {
    const asc = await h.api.get('/api/query?type=vApp&sortAsc=name');
    expect(names(asc.xml)).toEqual([...names(asc.xml)].sort((a, b) => a.localeCompare(b)));
    const desc = await h.api.get('/api/query?type=vApp&sortDesc=name');
    expect(names(desc.xml)).toEqual(names(asc.xml).reverse());
  });

  it('answers 400 BAD_REQUEST for an unknown type, attribute, format or malformed filter', async () => {
    for (const query of [
      'type=vAppz',
      'type=vApp&filter=colour==red',
      'type=vApp&format=json',
      'type=vApp&filter=name',
      'type=vApp&pageSize=0',
    ]) {
      const res = await h.api.get(`/api/query?${query}`);
      expect(res.status).toBe(400);
      expect(res.xml?.attributes['minorErrorCode']).toBe('BAD_REQUEST');
    }
  });
});

describe('vcdsim query paging', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ speedFactor: 1000 });
    await h.api.login();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const templateHref = templates.get('esxi8-single') ?? '';
    for (let i = 0; i < 200; i += 1) {
      const name = `lab-${String(i).padStart(3, '0')}`;
      const created = await instantiate(h.api, vdcHref, instantiateBody({ name, templateHref, networks }));
      expect(created.reply.status).toBe(201);
      // Let each instantiation end (8 ms at speed 1000) so the org stays under its limit of simultaneous tasks.
      h.clock.advance(10);
    }
    h.clock.advance(100);
  });

  afterAll(async () => {
    await h.close();
  });

  it('pages 25 at a time by default and links to the next, previous, first and last pages', async () => {
    const first = await h.api.get('/api/query?type=vApp&format=records');
    expect(first.xml?.attributes).toMatchObject({ name: 'vApp', page: '1', pageSize: '25', total: '200' });
    expect(childrenOf(first.xml, 'VAppRecord')).toHaveLength(25);
    expect(rels(first.xml).filter((r) => r !== 'alternate')).toEqual(['nextPage', 'lastPage']);
    expect(linkHref(first.xml, 'lastPage')).toContain('page=8');

    const middle = await h.api.get(linkHref(first.xml, 'nextPage') ?? '');
    expect(middle.xml?.attributes['page']).toBe('2');
    expect(rels(middle.xml).filter((r) => r !== 'alternate')).toEqual([
      'nextPage',
      'previousPage',
      'firstPage',
      'lastPage',
    ]);
  });

  it('caps pageSize at 128 and ends the chain without nextPage', async () => {
    const big = await h.api.get('/api/query?type=vApp&pageSize=500');
    expect(big.xml?.attributes).toMatchObject({ pageSize: '128', total: '200' });
    expect(childrenOf(big.xml, 'VAppRecord')).toHaveLength(128);

    const last = await h.api.get(linkHref(big.xml, 'nextPage') ?? '');
    expect(childrenOf(last.xml, 'VAppRecord')).toHaveLength(72);
    expect(rels(last.xml).filter((r) => r !== 'alternate')).toEqual(['previousPage', 'firstPage']);
    expect((await h.api.get('/api/query?type=vApp&pageSize=128&page=3')).status).toBe(400);
  });

  it('returns every vApp exactly once when a client follows nextPage, keeping the filter', async () => {
    const seen: string[] = [];
    let href: string | undefined =
      `/api/query?type=vApp&pageSize=30&filter=${encodeURIComponent('name==lab-1*,name==lab-00*')}`;
    while (href !== undefined) {
      const page = await h.api.get(href);
      expect(page.status).toBe(200);
      seen.push(...names(page.xml));
      href = linkHref(page.xml, 'nextPage');
    }
    const expected = Array.from({ length: 200 }, (_, i) => `lab-${String(i).padStart(3, '0')}`).filter(
      (n) => n.startsWith('lab-1') || n.startsWith('lab-00'),
    );
    expect(seen).toEqual(expected);
  });
});
