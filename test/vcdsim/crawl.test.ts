/**
 * Walks the simulator through every endpoint labbot's client uses (and the errors it must handle), keeps every XML
 * body it answers, and validates them all against VMware's vCloud API XSD in one batch.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateAgainstXsd, type XsdResult } from '../helpers/xsd';
import {
  MEDIA_CAPTURE,
  MEDIA_EDGE_SERVICES,
  MEDIA_INSTANTIATE,
  MEDIA_LEASE,
  MEDIA_METADATA,
  MEDIA_METADATA_VALUE,
  MEDIA_NCS,
  MEDIA_UNDEPLOY,
  MEDIA_USAGE_SPEC,
  captureBody,
  child,
  childrenOf,
  descendants,
  edgeLookup,
  edgeServicesBody,
  instantiate,
  instantiateBody,
  leaseBody,
  lookups,
  metadataBody,
  metadataValueBody,
  ncsBody,
  startHarness,
  undeployBody,
  usageSpecBody,
  waitTask,
  type Harness,
} from './sim-harness';

const VERSION_INFO = /<VersionInfo\b[^>]*>[\s\S]*?<\/VersionInfo>/g;
const versionOf = (info: string): number =>
  Number.parseFloat(/<Version>([^<]*)<\/Version>/.exec(info)?.[1] ?? '');

/**
 * A SupportedVersions document as VCD ≥ 36 serves it: the 36.0 XSD (which requires `ProviderLoginUrl`) describes the
 * entries of 36.0 and later; older entries keep their pre-36 shape (legacy `LoginUrl`, no `ProviderLoginUrl`), as a real
 * VCD 10.4 answers (`vcd-fixtures/go-vcloud-director`). So the new entries are validated against the XSD and the old ones
 * are checked for that shape.
 */
function validateVersions(documents: { name: string; xml: string }[]): XsdResult[] {
  const legacyProblems: XsdResult[] = [];
  const asOf36 = documents.map(({ name, xml }) => {
    const errors: string[] = [];
    for (const info of xml.match(VERSION_INFO) ?? []) {
      const version = versionOf(info);
      const login = /<LoginUrl>([^<]*)<\/LoginUrl>/.exec(info)?.[1] ?? '';
      if (version >= 36) {
        if (!login.endsWith('/cloudapi/1.0.0/sessions')) {
          errors.push(`${version}: tenant LoginUrl ${login}`);
        }
      } else if (!login.endsWith('/api/sessions') || info.includes('ProviderLoginUrl')) {
        errors.push(`${version}: not the pre-36 shape`);
      }
    }
    if (!(xml.match(VERSION_INFO) ?? []).some((info) => versionOf(info) >= 36)) {
      errors.push('no version ≥ 36.0');
    }
    legacyProblems.push({ name, errors });
    return { name, xml: xml.replace(VERSION_INFO, (info) => (versionOf(info) >= 36 ? info : '')) };
  });
  return [...legacyProblems, ...validateAgainstXsd(asOf36, 'etc/schemas/versioning/versions.xsd')];
}

describe('vcdsim crawl', () => {
  let h: Harness;

  it('checks /api/versions the way a real VCD 10.4 answer passes', () => {
    const xml = readFileSync(
      path.join(
        __dirname,
        '../../../shared/vcd-fixtures/go-vcloud-director/TestSamlAdfsAuthenticate_RESP_api_versions.xml',
      ),
      'utf8',
    );
    expect(validateVersions([{ name: 'real 10.4', xml }]).filter((r) => r.errors.length > 0)).toEqual([]);
    // and the check can fail: a ≥ 36 entry without ProviderLoginUrl is refused by the XSD
    const broken = xml.replace(/<ProviderLoginUrl>[^<]*<\/ProviderLoginUrl>/, '');
    expect(
      validateVersions([{ name: 'broken', xml: broken }]).filter((r) => r.errors.length > 0),
    ).toHaveLength(1);
  });

  beforeAll(async () => {
    // The legacy edge's configureServices is part of the crawl, whichever edge is the default.
    h = await startHarness({ edge: { kind: 'nsxv' } });
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

  it('answers the networking, metrics, lease and capture endpoints, and their errors, with schema-valid documents', async () => {
    // Small quotas and a low task limit, so the quota and limit errors are part of the crawl.
    const q = await startHarness({
      edge: { kind: 'nsxv' },
      speedFactor: 100,
      maxConcurrentTasks: 4,
      vdcs: [{ name: 'lab-vdc', memoryLimitMb: 24 * 1024, storageLimitMb: 1200 * 1024 }],
    });
    try {
      const { api, clock, sim } = q;
      await api.login();
      const requests: { name: string; xml: string }[] = [];
      const sent = (name: string, xml: string): string => {
        requests.push({ name: `request ${name}`, xml });
        return xml;
      };
      const { vdcHref, networks, templates } = await lookups(api);
      for (const format of ['records', 'idrecords', 'references']) {
        expect((await api.get(`/api/query?type=edgeGateway&format=${format}`)).status).toBe(200);
      }

      // Networks and catalog as the org links them.
      const org = await api.get((await api.get('/api/org')).xml?.children[0]?.attributes['href'] ?? '');
      for (const l of childrenOf(org.xml, 'Link')) {
        expect((await api.get(l.attributes['href'] ?? '')).status).toBe(200);
      }
      const { href: edgeHref, interfaces } = await edgeLookup(api);
      expect((await api.get(interfaces.get('Management') ?? '')).status).toBe(200);
      expect((await api.get(interfaces.get('ext-internet') ?? '')).status).toBe(403);
      const catalogHref =
        childrenOf(org.xml, 'Link').find(
          (l) => l.attributes['type'] === 'application/vnd.vmware.vcloud.catalog+xml',
        )?.attributes['href'] ?? '';
      const catalog = await api.get(catalogHref);
      const itemHref = descendants(catalog.xml, 'CatalogItem')[0]?.attributes['href'] ?? '';
      expect((await api.get(itemHref)).status).toBe(200);

      // Edge: configure, read while busy (embedded task) and after, and the single-writer error.
      const uplink = interfaces.get('ext-internet') ?? '';
      const services = sent(
        'EdgeGatewayServiceConfiguration',
        edgeServicesBody({
          firewall: {
            rules: [{ description: 'https', sourceIp: 'Any', destinationIp: '203.0.113.10', port: '443' }],
          },
          nat: [
            {
              type: 'DNAT',
              interfaceHref: uplink,
              originalIp: '203.0.113.10',
              originalPort: '443',
              translatedIp: '10.10.0.10',
              translatedPort: '443',
              protocol: 'tcp',
            },
            { type: 'SNAT', interfaceHref: uplink, originalIp: '10.10.0.0/16', translatedIp: '203.0.113.10' },
          ],
        }),
      );
      const configure = await api.post(`${edgeHref}/action/configureServices`, services, MEDIA_EDGE_SERVICES);
      expect(configure.status).toBe(202);
      expect((await api.get(edgeHref)).status).toBe(200);
      expect(
        (await api.post(`${edgeHref}/action/configureServices`, services, MEDIA_EDGE_SERVICES)).status,
      ).toBe(400);
      await waitTask(api, clock, configure.headers.get('location') ?? '', 100);
      expect(descendants((await api.get(edgeHref)).xml, 'NatRule')).toHaveLength(2);
      const badNat = await api.post(
        `${edgeHref}/action/configureServices`,
        edgeServicesBody({
          nat: [{ type: 'DNAT', interfaceHref: uplink, originalIp: '192.0.2.1', translatedIp: '10.10.0.10' }],
        }),
        MEDIA_EDGE_SERVICES,
      );
      expect(badNat.status).toBe(400);

      // A running lab: VM with metrics links, its NICs, metrics, lease.
      const created = await instantiate(
        api,
        vdcHref,
        instantiateBody({
          name: 'lab-net',
          templateHref: templates.get('esxi8-single') ?? '',
          networks,
          powerOn: true,
        }),
      );
      await waitTask(api, clock, created.taskHref, 100);
      const vmHref = descendants((await api.get(created.vAppHref)).xml, 'Vm')[0]?.attributes['href'] ?? '';
      expect((await api.get(vmHref)).status).toBe(200);
      const ncs = `${vmHref}/networkConnectionSection/`;
      expect((await api.get(ncs)).status).toBe(200);
      const nicUpdate = await api.put(
        ncs,
        sent(
          'NetworkConnectionSection',
          ncsBody(
            [
              { network: 'Management', index: 0, mode: 'POOL', adapter: 'VMXNET3' },
              { network: 'VM Network', index: 1, mode: 'DHCP', adapter: 'E1000' },
              {
                network: 'VM Network',
                index: 2,
                mode: 'MANUAL',
                ip: '10.20.99.9',
                mac: '00:50:56:3f:00:01',
                adapter: 'E1000',
              },
              { network: 'none', index: 3, mode: 'NONE', connected: false, adapter: 'E1000' },
            ],
            0,
          ),
        ),
        MEDIA_NCS,
      );
      expect(nicUpdate.status).toBe(202);
      expect((await api.get(vmHref)).status).toBe(200);
      await waitTask(api, clock, nicUpdate.headers.get('location') ?? '', 100);
      expect((await api.get(ncs)).status).toBe(200);
      expect((await api.get(`${vmHref}/metrics/current`)).status).toBe(200);
      const spec = sent('CurrentUsageSpec', usageSpecBody(['cpu.*', 'mem.usage.average']));
      expect((await api.post(`${vmHref}/metrics/current`, spec, MEDIA_USAGE_SPEC)).status).toBe(200);
      const lease = `${created.vAppHref}/leaseSettingsSection/`;
      const leaseUpdate = await api.put(
        lease,
        sent('LeaseSettingsSection', leaseBody(600, 7 * 86400)),
        MEDIA_LEASE,
      );
      expect(leaseUpdate.status).toBe(202);
      await waitTask(api, clock, leaseUpdate.headers.get('location') ?? '', 100);
      const leaseSection = await api.get(lease);
      const expiresAt = Date.parse(child(leaseSection.xml, 'DeploymentLeaseExpiration')?.text ?? '');

      // Capture the running lab: task owned by the template, template read while capturing and after.
      const capture = await api.post(
        `${catalogHref}/action/captureVApp`,
        sent('CaptureVAppParams', captureBody('golden-net', created.vAppHref)),
        MEDIA_CAPTURE,
      );
      expect(capture.status).toBe(202);
      const templateHref = child(capture.xml, 'Owner')?.attributes['href'] ?? '';
      expect((await api.get(templateHref)).status).toBe(200);
      expect((await api.get('/api/query?type=vAppTemplate&format=records')).status).toBe(200);
      expect(
        (
          await api.post(
            `${catalogHref}/action/captureVApp`,
            captureBody('golden-net', created.vAppHref),
            MEDIA_CAPTURE,
          )
        ).status,
      ).toBe(400);
      await waitTask(api, clock, capture.headers.get('location') ?? '', 100);
      expect((await api.get(templateHref)).status).toBe(200);
      expect((await api.get(catalogHref)).status).toBe(200);

      // Quota and limit errors: out of storage, out of memory (a task with an Error), too many tasks at once.
      const tooBig = await instantiate(
        api,
        vdcHref,
        instantiateBody({ name: 'lab-big', templateHref: templates.get('vsphere8-lab') ?? '', networks }),
      );
      expect(tooBig.reply.status).toBe(400);
      const second = await instantiate(
        api,
        vdcHref,
        instantiateBody({
          name: 'lab-mem',
          templateHref: templates.get('esxi7-single') ?? '',
          networks,
          powerOn: true,
        }),
      );
      expect(second.reply.status).toBe(201);
      for (const name of ['t1', 't2', 't3']) {
        await instantiate(
          api,
          vdcHref,
          instantiateBody({ name, templateHref: templates.get('esxi7-single') ?? '', networks }),
        );
      }
      const limited = await instantiate(
        api,
        vdcHref,
        instantiateBody({ name: 't4', templateHref: templates.get('esxi7-single') ?? '', networks }),
      );
      expect(limited.reply.xml?.attributes['minorErrorCode']).toBe('OPERATION_LIMITS_EXCEEDED');
      const failed = await waitTask(api, clock, second.taskHref, 100);
      expect(child(failed, 'Error')).toBeDefined();

      // Injected faults that answer with a body; the runtime lease expiry's own task.
      sim.faults.configure({
        errors: [
          { operation: 'vApp.get', error: 500, times: 1 },
          { operation: 'vApp.get', error: 'BUSY_ENTITY', times: 1 },
        ],
      });
      expect((await api.get(created.vAppHref)).status).toBe(500);
      expect((await api.get(created.vAppHref)).status).toBe(400);
      clock.current = expiresAt + 1;
      const stopped = await api.get(created.vAppHref);
      const stopTask = child(child(stopped.xml, 'Tasks'), 'Task')?.attributes['href'] ?? '';
      expect((await api.get(stopTask)).xml?.attributes['operationName']).toBe('vappUndeployPowerOff');
      clock.advance(60_000);
      expect((await api.get(`${vmHref}/metrics/current`)).status).toBe(200);

      const isVersions = (d: { xml: string }): boolean => d.xml.includes('<SupportedVersions');
      const documents = [...api.collected.filter((d) => !isVersions(d)), ...requests];
      const names = new Set(
        documents.map((d) => /<(\w+)[\s>]/.exec(d.xml.replace(/<\?xml[^>]*\?>\s*/, ''))?.[1]),
      );
      for (const element of [
        'EdgeGateway',
        'OrgVdcNetwork',
        'Catalog',
        'CatalogItem',
        'NetworkConnectionSection',
        'CurrentUsage',
        'LeaseSettingsSection',
        'VAppTemplate',
        'Task',
        'Error',
        'QueryResultRecords',
        'EdgeGatewayReferences',
        'EdgeGatewayServiceConfiguration',
        'CaptureVAppParams',
        'CurrentUsageSpec',
      ]) {
        expect(names).toContain(element);
      }
      const failures = validateAgainstXsd(documents).filter((r) => r.errors.length > 0);
      expect(failures).toEqual([]);
    } finally {
      await q.close();
    }
  });
});
