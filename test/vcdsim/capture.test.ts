/**
 * Capture to catalog: POST captureVApp (202 + vdcCaptureTemplate task owned by the new template), the template listed
 * in the catalog and the query service, instantiable once captured; a deployed vApp's capture keeps its memory state.
 */
import {
  MEDIA_CAPTURE,
  captureBody,
  child,
  childrenOf,
  descendants,
  instantiate,
  instantiateBody,
  linkHref,
  lookups,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

describe('vcdsim capture to catalog', () => {
  let h: Harness;
  let vdcHref: string;
  let networks: { name: string; href: string }[];
  let templates: Map<string, string>;
  let catalogHref: string;

  beforeEach(async () => {
    h = await startHarness({ speedFactor: 100 });
    await h.api.login();
    ({ vdcHref, networks, templates } = await lookups(h.api));
    const org = await h.api.get((await h.api.get('/api/org')).xml?.children[0]?.attributes['href'] ?? '');
    catalogHref =
      childrenOf(org.xml, 'Link').find(
        (l) => l.attributes['type'] === 'application/vnd.vmware.vcloud.catalog+xml',
      )?.attributes['href'] ?? '';
  });

  afterEach(async () => {
    await h.close();
  });

  async function lab(name: string, powerOn: boolean): Promise<string> {
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name, templateHref: templates.get('esxi8-single') ?? '', networks, powerOn }),
    );
    await waitTask(h.api, h.clock, created.taskHref, 100);
    return created.vAppHref;
  }

  async function capture(name: string, vAppHref: string): Promise<ReturnType<Harness['api']['post']>> {
    const catalog = await h.api.get(catalogHref);
    const action = childrenOf(catalog.xml, 'Link').find(
      (l) => l.attributes['rel'] === 'add' && l.attributes['type'] === MEDIA_CAPTURE,
    )?.attributes['href'];
    expect(action).toBe(`${catalogHref}/action/captureVApp`);
    return h.api.post(action ?? '', captureBody(name, vAppHref), MEDIA_CAPTURE);
  }

  it('captures a powered-off vApp into a template that is listed, busy until done, then instantiable', async () => {
    const source = await lab('lab-source', false);
    const res = await capture('golden-esxi', source);
    expect(res.status).toBe(202);
    expect(res.xml?.attributes).toMatchObject({ operationName: 'vdcCaptureTemplate' });
    expect(res.xml?.attributes['operation']).toMatch(/^Capturing Virtual Application Template golden-esxi\(/);
    const owner = child(res.xml, 'Owner');
    expect(owner?.attributes).toMatchObject({
      type: 'application/vnd.vmware.vcloud.vAppTemplate+xml',
      name: 'golden-esxi',
    });
    const templateHref = owner?.attributes['href'] ?? '';

    // While it runs: the template is listed but unresolved and busy, the source vApp busy too.
    const listed = await h.api.get('/api/query?type=vAppTemplate&filter=name==golden-esxi');
    expect(child(listed.xml, 'VAppTemplateRecord')?.attributes).toMatchObject({
      status: 'UNRESOLVED',
      isBusy: 'true',
      catalogName: 'labs',
    });
    const template = await h.api.get(templateHref);
    expect(template.xml?.attributes['status']).toBe('0');
    expect(child(child(template.xml, 'Tasks'), 'Task')?.attributes['operationName']).toBe(
      'vdcCaptureTemplate',
    );
    const early = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'too-early', templateHref, networks }),
    );
    expect(early.reply.xml?.attributes['minorErrorCode']).toBe('BUSY_ENTITY');
    expect((await h.api.post(`${source}/power/action/powerOn`)).xml?.attributes['minorErrorCode']).toBe(
      'BUSY_ENTITY',
    );

    const done = await waitTask(h.api, h.clock, res.headers.get('location') ?? '', 100);
    expect(done.attributes['status']).toBe('success');
    expect((await h.api.get(templateHref)).xml?.attributes['status']).toBe('8');

    // The catalog lists it; its catalog item points at it.
    const catalog = await h.api.get(catalogHref);
    const item = childrenOf(child(catalog.xml, 'CatalogItems'), 'CatalogItem').find(
      (i) => i.attributes['name'] === 'golden-esxi',
    );
    const itemDoc = await h.api.get(item?.attributes['href'] ?? '');
    expect(child(itemDoc.xml, 'Entity')?.attributes['href']).toBe(templateHref);
    expect(linkHref((await h.api.get(templateHref)).xml, 'up')).toBeDefined();

    // Instantiating it gives the captured VM, NIC layout included.
    const copy = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-copy', templateHref, networks }),
    );
    expect(copy.reply.status).toBe(201);
    await waitTask(h.api, h.clock, copy.taskHref, 100);
    const vApp = await h.api.get(copy.vAppHref);
    expect(vApp.xml?.attributes['status']).toBe('8');
    const vm = descendants(vApp.xml, 'Vm')[0];
    expect(vm?.attributes['name']).toBe('esxi-01');
    expect(descendants(vm, 'NetworkAdapterType').map((n) => n.text)).toEqual(['VMXNET3', 'E1000', 'E1000']);
  });

  it('keeps the memory state of a deployed vApp: its copies start suspended on isolated networks', async () => {
    const source = await lab('lab-running', true);
    const res = await capture('running-esxi', source);
    expect(res.status).toBe(202);
    await waitTask(h.api, h.clock, res.headers.get('location') ?? '', 100);
    // The source keeps running.
    expect((await h.api.get(source)).xml?.attributes).toMatchObject({ status: '4', deployed: 'true' });

    const templateHref = child(res.xml, 'Owner')?.attributes['href'] ?? '';
    const copy = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-resumed', templateHref, networks, powerOn: true }),
    );
    await waitTask(h.api, h.clock, copy.taskHref, 100);
    const vApp = await h.api.get(copy.vAppHref);
    expect(vApp.xml?.attributes).toMatchObject({ status: '3', deployed: 'false' });
    const fenceModes = descendants(child(vApp.xml, 'NetworkConfigSection'), 'FenceMode').map((f) => f.text);
    expect(fenceModes).toEqual(['isolated', 'isolated']);
    expect(descendants(vApp.xml, 'ParentNetwork')).toEqual([]);
  });

  it('refuses duplicate names, sources that are not vApps, busy sources and unknown catalogs', async () => {
    const source = await lab('lab-source', false);
    const duplicate = await capture('esxi8-single', source);
    expect(duplicate.xml?.attributes).toMatchObject({
      majorErrorCode: '400',
      minorErrorCode: 'DUPLICATE_NAME',
    });
    const notVApp = await capture('x', templates.get('esxi7-single') ?? '');
    expect(notVApp.xml?.attributes['minorErrorCode']).toBe('INVALID_REFERENCE');
    const powering = await h.api.post(`${source}/power/action/powerOn`);
    expect((await capture('y', source)).xml?.attributes['minorErrorCode']).toBe('BUSY_ENTITY');
    await waitTask(h.api, h.clock, powering.headers.get('location') ?? '', 100);
    const unknown = await h.api.post(
      catalogHref.replace(/[0-9a-f-]{36}$/, '00000000-0000-0000-0000-000000000000') + '/action/captureVApp',
      captureBody('z', source),
      MEDIA_CAPTURE,
    );
    expect(unknown.status).toBe(403);
    const nameless = await h.api.post(
      `${catalogHref}/action/captureVApp`,
      captureBody('z', source).replace(' name="z"', ''),
      MEDIA_CAPTURE,
    );
    expect(nameless.status).toBe(400);
  });

  it('overwrites a catalog item named as TargetCatalogItem once the capture succeeds', async () => {
    const source = await lab('lab-source', false);
    const first = await capture('golden', source);
    await waitTask(h.api, h.clock, first.headers.get('location') ?? '', 100);
    const catalog = await h.api.get(catalogHref);
    const itemHref =
      childrenOf(child(catalog.xml, 'CatalogItems'), 'CatalogItem').find(
        (i) => i.attributes['name'] === 'golden',
      )?.attributes['href'] ?? '';
    const second = await h.api.post(
      `${catalogHref}/action/captureVApp`,
      captureBody('golden', source, itemHref),
      MEDIA_CAPTURE,
    );
    expect(second.status).toBe(202);
    await waitTask(h.api, h.clock, second.headers.get('location') ?? '', 100);
    const item = await h.api.get(itemHref);
    expect(child(item.xml, 'Entity')?.attributes['href']).toBe(
      child(second.xml, 'Owner')?.attributes['href'],
    );
    const golden = await h.api.get('/api/query?type=vAppTemplate&filter=name==golden');
    expect(childrenOf(golden.xml, 'VAppTemplateRecord')).toHaveLength(1);
  });

  it('removes the template when the capture task fails', async () => {
    const source = await lab('lab-source', false);
    h.sim.state.failNextTask('vdcCaptureTemplate', { message: 'Simulated: datastore full.' });
    const res = await capture('doomed', source);
    const done = await waitTask(h.api, h.clock, res.headers.get('location') ?? '', 100);
    expect(done.attributes['status']).toBe('error');
    const listed = await h.api.get('/api/query?type=vAppTemplate&filter=name==doomed');
    expect(childrenOf(listed.xml, 'VAppTemplateRecord')).toEqual([]);
  });
});
