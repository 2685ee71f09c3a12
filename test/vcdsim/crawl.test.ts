/**
 * Walks the simulator through every endpoint labbot's client uses (and the errors it must handle), keeps every XML
 * body it answers, and validates them all against VMware's vCloud API XSD in one batch.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { SCHEMA_ROOT, validateAgainstXsd, type XsdResult } from '../helpers/xsd';
import {
  MEDIA_INSTANTIATE,
  MEDIA_METADATA,
  MEDIA_METADATA_VALUE,
  MEDIA_UNDEPLOY,
  child,
  childrenOf,
  descendants,
  instantiate,
  instantiateBody,
  lookups,
  metadataBody,
  metadataValueBody,
  startHarness,
  undeployBody,
  waitTask,
  type Harness,
} from './sim-harness';

function validateVersions(documents: { name: string; xml: string }[]): XsdResult[] {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'validate-versions.mjs'), SCHEMA_ROOT], {
    input: JSON.stringify(documents),
  });
  return JSON.parse(out.toString('utf8')) as XsdResult[];
}

describe('vcdsim crawl', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h.close();
  });

  it('answers every endpoint with documents that validate against the vCloud XSD', async () => {
    const { api, clock, sim } = h;

    // Versions and the three ways to log in.
    const versions = await api.get('/api/versions', { anonymous: true });
    expect(versions.status).toBe(200);
    const token = await fetch(`${api.base}/oauth/tenant/lab/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: 'grant_type=refresh_token&refresh_token=simulated-api-token',
    });
    expect(token.status).toBe(200);
    const legacy = await api.post('/api/sessions', undefined, undefined, {
      headers: { Authorization: `Basic ${Buffer.from('admin@lab:admin').toString('base64')}` },
      anonymous: true,
    });
    expect(legacy.status).toBe(200);
    await api.login();
    expect((await api.get('/api/session')).status).toBe(200);

    // Entry points and every query type in every format.
    const orgHref = (await api.get('/api/org')).xml?.children[0]?.attributes['href'] ?? '';
    expect((await api.get(orgHref)).status).toBe(200);
    const { vdcHref, networks, templates } = await lookups(api);
    expect((await api.get(vdcHref)).status).toBe(200);
    expect((await api.get('/api/query')).status).toBe(200);
    for (const type of ['orgVdc', 'orgVdcNetwork', 'vAppTemplate', 'vApp', 'vm', 'catalog']) {
      for (const format of ['records', 'idrecords', 'references']) {
        expect((await api.get(`/api/query?type=${type}&format=${format}`)).status).toBe(200);
      }
    }
    expect([...templates.keys()].sort()).toEqual(['esxi7-single', 'esxi8-single', 'vsphere8-lab']);

    // Each template: read it, instantiate it, follow the task to the end.
    const vAppHrefs: string[] = [];
    for (const [name, templateHref] of templates) {
      expect((await api.get(templateHref)).status).toBe(200);
      const created = await instantiate(
        api,
        vdcHref,
        instantiateBody({ name: `lab-${name}`, templateHref, networks }),
      );
      expect(created.reply.status).toBe(201);
      expect((await api.get(created.vAppHref)).status).toBe(200);
      clock.advance(2000);
      expect((await api.get(created.taskHref)).xml?.attributes['status']).toBe('running');
      const done = await waitTask(api, clock, created.taskHref);
      expect(done.attributes['status']).toBe('success');
      vAppHrefs.push(created.vAppHref);
    }
    const [first = '', second = ''] = vAppHrefs;

    // Power on, with a busy error and a read while the task runs.
    const powerOn = await api.post(`${first}/power/action/powerOn`);
    expect(powerOn.status).toBe(202);
    const busy = await api.put(`${first}/metadata/labbot.id`, metadataValueBody('x'), MEDIA_METADATA_VALUE);
    expect(busy.status).toBe(400);
    expect((await api.get(first)).status).toBe(200);
    await waitTask(api, clock, powerOn.xml?.attributes['href'] ?? '');
    const on = await api.get(first);
    expect(on.xml?.attributes['status']).toBe('4');

    // A VM and the sections a client reads.
    const vmHref = descendants(on.xml, 'Vm')[0]?.attributes['href'] ?? '';
    expect((await api.get(vmHref)).status).toBe(200);
    expect((await api.get(`${vmHref}/networkConnectionSection/`)).status).toBe(200);
    expect((await api.get(`${first}/leaseSettingsSection/`)).status).toBe(200);
    expect((await api.get(`${first}/networkConfigSection/`)).status).toBe(200);

    // Metadata: PUT one, POST several, read them back, query by them.
    const put = await api.put(`${first}/metadata/labbot.id`, metadataValueBody('k3x9'), MEDIA_METADATA_VALUE);
    expect(put.status).toBe(202);
    await waitTask(api, clock, put.xml?.attributes['href'] ?? '', 100);
    const post = await api.post(
      `${first}/metadata`,
      metadataBody({ 'labbot.owner': 'U123', 'labbot.kind': 'demo' }),
      MEDIA_METADATA,
    );
    expect(post.status).toBe(202);
    await waitTask(api, clock, post.xml?.attributes['href'] ?? '', 100);
    expect(childrenOf((await api.get(`${first}/metadata`)).xml, 'MetadataEntry')).toHaveLength(3);
    expect((await api.get(`${first}/metadata/labbot.id`)).status).toBe(200);
    const byMetadata = await api.get(
      '/api/query?type=vApp&format=records&fields=name,status,metadata:labbot.id&filter=metadata:labbot.id==STRING:k3x9',
    );
    expect(childrenOf(byMetadata.xml, 'VAppRecord')).toHaveLength(1);

    // Errors a client must handle, each a document of its own.
    expect((await api.delete(first)).status).toBe(400);
    expect((await api.get('/api/query?type=noSuchType')).status).toBe(400);
    expect(
      (await api.post(`${vdcHref}/action/instantiateVAppTemplate`, '<Nope/>', MEDIA_INSTANTIATE)).status,
    ).toBe(400);
    expect((await api.get('/api/vApp/vapp-00000000-0000-0000-0000-000000000000')).status).toBe(403);
    expect((await api.get('/api/nothing/here')).status).toBe(404);
    expect((await api.request('PATCH', first)).status).toBe(405);
    expect((await api.get('/api/session', { accept: 'application/*+xml;version=5.5' })).status).toBe(406);
    const duplicate = await instantiate(
      api,
      vdcHref,
      instantiateBody({
        name: 'lab-esxi8-single',
        templateHref: templates.get('esxi8-single') ?? '',
        networks,
      }),
    );
    expect(duplicate.reply.status).toBe(400);

    // A failed task carries an Error.
    sim.state.failNextTask('vappDeploy', { message: 'Simulated: host has no capacity.' });
    const failing = await api.post(`${second}/power/action/powerOn`);
    const failed = await waitTask(api, clock, failing.xml?.attributes['href'] ?? '');
    expect(failed.attributes['status']).toBe('error');
    expect(child(failed, 'Error')?.attributes['minorErrorCode']).toBe('INTERNAL_SERVER_ERROR');

    // Undeploy, delete, and the vApp is gone.
    const undeploy = await api.post(`${first}/action/undeploy`, undeployBody('powerOff'), MEDIA_UNDEPLOY);
    expect(undeploy.status).toBe(202);
    await waitTask(api, clock, undeploy.xml?.attributes['href'] ?? '');
    expect((await api.get(first)).status).toBe(200);
    const remove = await api.delete(first);
    expect(remove.status).toBe(202);
    await waitTask(api, clock, remove.xml?.attributes['href'] ?? '');
    expect((await api.get(first)).status).toBe(403);

    // One batch against the schemas: SupportedVersions has its own schema, everything else is in vcloud.xsd.
    const isVersions = (d: { xml: string }): boolean => d.xml.includes('<SupportedVersions');
    const documents = api.collected;
    expect(documents.length).toBeGreaterThan(60);
    const failures = [
      ...validateAgainstXsd(documents.filter((d) => !isVersions(d))),
      ...validateVersions(documents.filter(isVersions)),
    ].filter((r) => r.errors.length > 0);
    expect(failures).toEqual([]);
  });
});
