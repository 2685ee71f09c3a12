/** vApp metadata over HTTP: typed values, domains, merge, delete, and writes that land when their task ends. */
import {
  MEDIA_METADATA,
  MEDIA_METADATA_VALUE,
  child,
  childrenOf,
  instantiate,
  instantiateBody,
  lookups,
  metadataBody,
  metadataValueBody,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

describe('vcdsim metadata', () => {
  let h: Harness;
  let vApp: string;

  beforeEach(async () => {
    h = await startHarness();
    await h.api.login();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-md', templateHref: templates.get('esxi7-single') ?? '', networks }),
    );
    await waitTask(h.api, h.clock, created.taskHref);
    vApp = created.vAppHref;
  });

  afterEach(async () => {
    await h.close();
  });

  async function entries(): Promise<Record<string, string | undefined>> {
    const res = await h.api.get(`${vApp}/metadata`);
    return Object.fromEntries(
      childrenOf(res.xml, 'MetadataEntry').map((e) => [
        child(e, 'Key')?.text ?? '',
        child(child(e, 'TypedValue'), 'Value')?.text,
      ]),
    );
  }

  it('sets a key with PUT: 202 with a metadataUpdate task, visible once the task ends', async () => {
    const res = await h.api.put(
      `${vApp}/metadata/labbot.owner`,
      metadataValueBody('U<1>&2'),
      MEDIA_METADATA_VALUE,
    );

    expect(res.status).toBe(202);
    expect(res.xml?.attributes['operationName']).toBe('metadataUpdate');
    expect(await entries()).toEqual({});
    h.clock.advance(500);
    expect(await entries()).toEqual({ 'labbot.owner': 'U<1>&2' });
    const one = await h.api.get(`${vApp}/metadata/labbot.owner`);
    expect(one.xml?.name).toBe('MetadataValue');
    expect(child(one.xml, 'TypedValue')?.attributes['type']).toBe('MetadataStringValue');
  });

  it('merges entries with POST and deletes one with DELETE', async () => {
    await waitTask(
      h.api,
      h.clock,
      (await h.api.post(`${vApp}/metadata`, metadataBody({ a: '1', b: '2' }), MEDIA_METADATA)).xml
        ?.attributes['href'] ?? '',
      100,
    );
    await waitTask(
      h.api,
      h.clock,
      (await h.api.post(`${vApp}/metadata`, metadataBody({ b: '3', c: '4' }), MEDIA_METADATA)).xml
        ?.attributes['href'] ?? '',
      100,
    );
    expect(await entries()).toEqual({ a: '1', b: '3', c: '4' });

    const removal = await h.api.delete(`${vApp}/metadata/b`);
    expect(removal.status).toBe(202);
    await waitTask(h.api, h.clock, removal.xml?.attributes['href'] ?? '', 100);
    expect(await entries()).toEqual({ a: '1', c: '4' });
    expect((await h.api.get(`${vApp}/metadata/b`)).status).toBe(404);
  });

  it('keeps SYSTEM-domain entries under their own path', async () => {
    const body = `<MetadataValue xmlns="http://www.vmware.com/vcloud/v1.5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Domain visibility="READONLY">SYSTEM</Domain><TypedValue xsi:type="MetadataNumberValue"><Value>42</Value></TypedValue></MetadataValue>`;
    const res = await h.api.put(`${vApp}/metadata/SYSTEM/quota`, body, MEDIA_METADATA_VALUE);
    await waitTask(h.api, h.clock, res.xml?.attributes['href'] ?? '', 100);

    const value = await h.api.get(`${vApp}/metadata/SYSTEM/quota`);
    expect(child(value.xml, 'Domain')?.text).toBe('SYSTEM');
    expect(child(child(value.xml, 'TypedValue'), 'Value')?.text).toBe('42');
    expect((await h.api.get(`${vApp}/metadata/quota`)).status).toBe(404);
  });

  it('refuses bad values, unknown types and the wrong content type', async () => {
    const number = await h.api.put(
      `${vApp}/metadata/n`,
      metadataValueBody('many', 'MetadataNumberValue'),
      MEDIA_METADATA_VALUE,
    );
    expect(number.status).toBe(400);
    const unknown = await h.api.put(
      `${vApp}/metadata/n`,
      metadataValueBody('x', 'MetadataColourValue'),
      MEDIA_METADATA_VALUE,
    );
    expect(unknown.status).toBe(400);
    const visibility = metadataValueBody('x').replace('READWRITE', 'PRIVATE');
    expect((await h.api.put(`${vApp}/metadata/n`, visibility, MEDIA_METADATA_VALUE)).status).toBe(400);
    expect((await h.api.put(`${vApp}/metadata/n`, metadataValueBody('x'), 'application/xml')).status).toBe(
      415,
    );
  });
});
