/** The vApp state machine as a client sees it over HTTP: links, busy entities, power, undeploy, delete. */
import {
  MEDIA_INSTANTIATE,
  MEDIA_UNDEPLOY,
  child,
  childrenOf,
  descendants,
  instantiate,
  instantiateBody,
  linkHref,
  lookups,
  rels,
  startHarness,
  undeployBody,
  waitTask,
  type Harness,
} from './sim-harness';

const ACTIONS = [
  'power:powerOn',
  'power:powerOff',
  'power:reboot',
  'power:reset',
  'power:shutdown',
  'power:suspend',
  'deploy',
  'undeploy',
  'edit',
  'remove',
];

function actions(links: string[]): string[] {
  return links.filter((rel) => ACTIONS.includes(rel)).sort();
}

describe('vcdsim vApp lifecycle', () => {
  let h: Harness;
  let vdcHref: string;
  let networks: { name: string; href: string }[];
  let templates: Map<string, string>;

  beforeEach(async () => {
    h = await startHarness();
    await h.api.login();
    ({ vdcHref, networks, templates } = await lookups(h.api));
  });

  afterEach(async () => {
    await h.close();
  });

  async function create(
    name: string,
    options: { powerOn?: boolean; template?: string } = {},
  ): Promise<string> {
    const templateHref = templates.get(options.template ?? 'esxi8-single') ?? '';
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name, templateHref, networks, powerOn: options.powerOn }),
    );
    expect(created.reply.status).toBe(201);
    await waitTask(h.api, h.clock, created.taskHref);
    return created.vAppHref;
  }

  async function act(href: string, action: string): Promise<void> {
    const res =
      action === 'undeploy'
        ? await h.api.post(`${href}/action/undeploy`, undeployBody(), MEDIA_UNDEPLOY)
        : await h.api.post(`${href}/power/action/${action}`);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(res.xml?.attributes['href']);
    await waitTask(h.api, h.clock, res.headers.get('location') ?? '');
  }

  it('answers instantiation with 201, an UNRESOLVED vApp and its running task, and no actions yet', async () => {
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-a1', templateHref: templates.get('esxi8-single') ?? '', networks }),
    );

    expect(created.reply.status).toBe(201);
    expect(created.reply.headers.get('location')).toBe(created.vAppHref);
    expect(created.reply.headers.get('content-type')).toBe(
      'application/vnd.vmware.vcloud.vApp+xml;version=36.0',
    );
    expect(created.reply.xml?.attributes).toMatchObject({ status: '0', deployed: 'false', name: 'lab-a1' });
    const task = child(child(created.reply.xml, 'Tasks'), 'Task');
    expect(task?.attributes).toMatchObject({ status: 'running', operationName: 'vdcInstantiateVapp' });
    expect(child(task, 'Owner')?.attributes['href']).toBe(created.vAppHref);
    expect(actions(rels(created.reply.xml))).toEqual([]);
    expect(child(created.reply.xml, 'Children')).toBeUndefined();
  });

  it('advertises exactly the actions each state allows', async () => {
    const href = await create('lab-links');
    const off = await h.api.get(href);
    expect(off.xml?.attributes).toMatchObject({ status: '8', deployed: 'false' });
    expect(actions(rels(off.xml))).toEqual(['deploy', 'edit', 'power:powerOn', 'remove']);

    const powering = await h.api.post(`${href}/power/action/powerOn`);
    const busy = await h.api.get(href);
    expect(actions(rels(busy.xml))).toEqual([]);
    expect(child(child(busy.xml, 'Tasks'), 'Task')?.attributes['href']).toBe(
      powering.xml?.attributes['href'],
    );
    await waitTask(h.api, h.clock, powering.xml?.attributes['href'] ?? '');

    const on = await h.api.get(href);
    expect(on.xml?.attributes).toMatchObject({ status: '4', deployed: 'true' });
    expect(child(on.xml, 'Tasks')).toBeUndefined();
    expect(actions(rels(on.xml))).toEqual([
      'edit',
      'power:powerOff',
      'power:reboot',
      'power:reset',
      'power:shutdown',
      'power:suspend',
      'undeploy',
    ]);

    await act(href, 'powerOff');
    const stopped = await h.api.get(href);
    expect(stopped.xml?.attributes).toMatchObject({ status: '8', deployed: 'true' });
    expect(actions(rels(stopped.xml))).toEqual(['edit', 'power:powerOn', 'undeploy']);

    await act(href, 'undeploy');
    const undeployed = await h.api.get(href);
    expect(undeployed.xml?.attributes).toMatchObject({ status: '8', deployed: 'false' });
    expect(actions(rels(undeployed.xml))).toEqual(['deploy', 'edit', 'power:powerOn', 'remove']);
  });

  it('moves a task from queued to running to success on the injected clock only', async () => {
    const href = await create('lab-clock');
    const res = await h.api.post(`${href}/power/action/powerOn`);
    const taskHref = res.xml?.attributes['href'] ?? '';
    expect(res.xml?.attributes).toMatchObject({ status: 'queued', operationName: 'vappDeploy' });
    expect(linkHref(res.xml, 'task:cancel')).toBe(`${taskHref}/action/cancel`);

    h.clock.advance(1000);
    const running = await h.api.get(taskHref);
    expect(running.xml?.attributes['status']).toBe('running');
    const progress = Number(child(running.xml, 'Progress')?.text);
    expect(progress).toBeGreaterThan(0);
    expect(progress).toBeLessThan(100);

    h.clock.advance(3000);
    const done = await h.api.get(taskHref);
    const started = Date.parse(res.xml?.attributes['startTime'] ?? '');
    expect(done.xml?.attributes).toMatchObject({
      status: 'success',
      endTime: new Date(started + 4000).toISOString(),
    });
    expect(child(done.xml, 'Progress')?.text).toBe('100');
    expect(linkHref(done.xml, 'task:cancel')).toBeUndefined();
  });

  it('divides task durations by the speed factor', async () => {
    await h.close();
    h = await startHarness({ speedFactor: 100 });
    await h.api.login();
    ({ vdcHref, networks, templates } = await lookups(h.api));
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'fast', templateHref: templates.get('esxi7-single') ?? '', networks }),
    );

    h.clock.advance(79);
    expect((await h.api.get(created.taskHref)).xml?.attributes['status']).toBe('running');
    h.clock.advance(1);
    expect((await h.api.get(created.taskHref)).xml?.attributes['status']).toBe('success');
  });

  it('refuses changes to a busy vApp with 400 BUSY_ENTITY and accepts them once the task ends', async () => {
    const href = await create('lab-busy');
    const powering = await h.api.post(`${href}/power/action/powerOn`);
    const taskId = (powering.xml?.attributes['href'] ?? '').split('/').at(-1) ?? '';
    const vAppId = href.split('vapp-')[1] ?? '';

    const refused = await h.api.post(`${href}/power/action/powerOff`);

    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toBe('application/vnd.vmware.vcloud.error+xml;version=36.0');
    expect(refused.xml?.attributes['minorErrorCode']).toBe('BUSY_ENTITY');
    expect(refused.xml?.attributes['message']).toBe(
      `[ ${refused.headers.get('x-vmware-vcloud-request-id') ?? ''} ] The entity Ref: com.vmware.vcloud.entity.vapp:${vAppId} ` +
        `is busy completing an operation VAPP_DEPLOY(com.vmware.vcloud.entity.task:${taskId}).`,
    );
    expect((await h.api.delete(href)).xml?.attributes['minorErrorCode']).toBe('BUSY_ENTITY');
    expect((await h.api.get(href)).status).toBe(200);

    h.clock.advance(4000);
    expect((await h.api.post(`${href}/power/action/powerOff`)).status).toBe(202);
  });

  it('powers the vApp on at the end of instantiation when powerOn="true"', async () => {
    const href = await create('lab-on', { powerOn: true });
    const vApp = await h.api.get(href);
    expect(vApp.xml?.attributes).toMatchObject({ status: '4', deployed: 'true' });
    expect(descendants(vApp.xml, 'Vm').map((vm) => vm.attributes['status'])).toEqual(['4']);
  });

  it('refuses power actions the state does not allow', async () => {
    const href = await create('lab-state');
    const off = await h.api.post(`${href}/power/action/powerOff`);
    expect(off.status).toBe(400);
    expect(off.xml?.attributes['minorErrorCode']).toBe('BAD_REQUEST');
    expect(off.xml?.attributes['message']).toContain(
      'The requested operation could not be executed since vApp "lab-state" is not powered on.',
    );
    const undeploy = await h.api.post(`${href}/action/undeploy`, undeployBody(), MEDIA_UNDEPLOY);
    expect(undeploy.xml?.attributes['message']).toContain('is not deployed');
  });

  it('refuses to delete a deployed vApp, then deletes it after undeploy and frees its addresses', async () => {
    const href = await create('lab-del', { powerOn: true });
    const refused = await h.api.delete(href);
    expect(refused.status).toBe(400);
    expect(refused.xml?.attributes['message']).toMatch(
      /The requested operation could not be executed on vApp "lab-del"\. Stop the vApp and try again\.$/,
    );

    await act(href, 'undeploy');
    const deletion = await h.api.delete(href);
    expect(deletion.status).toBe(202);
    expect(deletion.xml?.attributes['operationName']).toBe('vdcDeleteVapp');
    expect(h.sim.state.findVAppByName('lab-del')).toBeDefined();
    await waitTask(h.api, h.clock, deletion.xml?.attributes['href'] ?? '');

    const gone = await h.api.get(href);
    expect(gone.status).toBe(403);
    expect(gone.xml?.attributes['minorErrorCode']).toBe('ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    expect(h.sim.state.findVAppByName('lab-del')).toBeUndefined();
    const query = await h.api.get('/api/query?type=vApp&filter=name==lab-del');
    expect(query.xml?.attributes['total']).toBe('0');
    const net = await h.api.get('/api/query?type=orgVdcNetwork');
    expect(childrenOf(net.xml, 'OrgVdcNetworkRecord').map((r) => r.attributes['usedIpCount'])).toEqual([
      '0',
      '0',
    ]);
  });

  it('suspends on undeploy with powerAction suspend and resumes on powerOn', async () => {
    const href = await create('lab-susp', { powerOn: true });
    const res = await h.api.post(`${href}/action/undeploy`, undeployBody('suspend'), MEDIA_UNDEPLOY);
    expect(res.xml?.attributes['operationName']).toBe('vappUndeploySuspend');
    await waitTask(h.api, h.clock, res.xml?.attributes['href'] ?? '');
    expect((await h.api.get(href)).xml?.attributes).toMatchObject({ status: '3', deployed: 'false' });

    await act(href, 'powerOn');
    expect((await h.api.get(href)).xml?.attributes).toMatchObject({ status: '4', deployed: 'true' });
  });

  it('gives nested ESXi VMs the seed article NIC layout with pool IPs and unique VMware MACs', async () => {
    const one = await h.api.get(await create('lab-nic1'));
    const two = await h.api.get(await create('lab-nic2', { template: 'vsphere8-lab' }));

    const vm = descendants(one.xml, 'Vm')[0];
    expect(vm?.attributes).toMatchObject({ name: 'esxi-01', nestedHypervisorEnabled: 'true' });
    const nics = descendants(vm, 'NetworkConnection').map((n) => ({
      network: n.attributes['network'],
      index: child(n, 'NetworkConnectionIndex')?.text,
      adapter: child(n, 'NetworkAdapterType')?.text,
      mode: child(n, 'IpAddressAllocationMode')?.text,
      connected: child(n, 'IsConnected')?.text,
    }));
    expect(nics).toEqual([
      { network: 'Management', index: '0', adapter: 'VMXNET3', mode: 'POOL', connected: 'true' },
      { network: 'VM Network', index: '1', adapter: 'E1000', mode: 'POOL', connected: 'true' },
      { network: 'VM Network', index: '2', adapter: 'E1000', mode: 'POOL', connected: 'true' },
    ]);
    const ips = descendants(vm, 'IpAddress').map((n) => n.text);
    expect(ips[0]).toMatch(/^10\.10\.\d+\.\d+$/);
    expect(ips[1]).toMatch(/^10\.20\.\d+\.\d+$/);
    expect(descendants(two.xml, 'Vm').map((v) => v.attributes['name'])).toEqual([
      'esxi-01',
      'esxi-02',
      'vcsa',
      'jump',
    ]);
    const macs = [...descendants(one.xml, 'MACAddress'), ...descendants(two.xml, 'MACAddress')].map(
      (n) => n.text,
    );
    expect(macs).toHaveLength(3 + 3 + 3 + 1 + 1);
    expect(new Set(macs).size).toBe(macs.length);
    for (const mac of macs) {
      expect(mac).toMatch(/^00:50:56:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
    }
    const cpus = descendants(vm, 'Item').find((i) => child(i, 'ResourceType')?.text === '3');
    expect(child(cpus, 'VirtualQuantity')?.text).toBe('4');
  });

  it('applies SourcedItem overrides: VM name, adapter types and a fixed MAC', async () => {
    const template = await h.api.get(templates.get('esxi8-single') ?? '');
    const vmHref = descendants(template.xml, 'Vm')[0]?.attributes['href'] ?? '';
    const body = instantiateBody({
      name: 'lab-src',
      templateHref: templates.get('esxi8-single') ?? '',
      networks,
    }).replace(
      '  <AllEULAsAccepted>',
      `  <SourcedItem>
    <Source href="${vmHref}"/>
    <VmGeneralParams><Name>esxi-custom</Name></VmGeneralParams>
    <InstantiationParams>
      <NetworkConnectionSection>
        <ovf:Info>NICs</ovf:Info>
        <PrimaryNetworkConnectionIndex>0</PrimaryNetworkConnectionIndex>
        <NetworkConnection network="Management"><NetworkConnectionIndex>0</NetworkConnectionIndex><IsConnected>true</IsConnected><IpAddressAllocationMode>POOL</IpAddressAllocationMode><NetworkAdapterType>VMXNET3</NetworkAdapterType></NetworkConnection>
        <NetworkConnection network="VM Network"><NetworkConnectionIndex>1</NetworkConnectionIndex><IsConnected>true</IsConnected><MACAddress>00:50:56:aa:bb:cc</MACAddress><IpAddressAllocationMode>DHCP</IpAddressAllocationMode><NetworkAdapterType>E1000E</NetworkAdapterType></NetworkConnection>
      </NetworkConnectionSection>
    </InstantiationParams>
  </SourcedItem>
  <AllEULAsAccepted>`,
    );
    const created = await instantiate(h.api, vdcHref, body);
    expect(created.reply.status).toBe(201);
    await waitTask(h.api, h.clock, created.taskHref);

    const vm = descendants((await h.api.get(created.vAppHref)).xml, 'Vm')[0];
    expect(vm?.attributes['name']).toBe('esxi-custom');
    const second = descendants(vm, 'NetworkConnection')[1];
    expect(child(second, 'MACAddress')?.text).toBe('00:50:56:aa:bb:cc');
    expect(child(second, 'NetworkAdapterType')?.text).toBe('E1000E');
    expect(child(second, 'IpAddress')).toBeUndefined();
    expect(descendants(vm, 'NetworkConnection')).toHaveLength(2);
  });

  it('reports instantiation errors with VCD codes', async () => {
    const esxi8 = templates.get('esxi8-single') ?? '';
    await create('lab-dup');
    const dup = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-dup', templateHref: esxi8, networks }),
    );
    expect(dup.reply.status).toBe(400);
    expect(dup.reply.xml?.attributes['minorErrorCode']).toBe('DUPLICATE_NAME');

    const unknown = esxi8.replace(/vappTemplate-.*/, 'vappTemplate-11111111-2222-3333-4444-555555555555');
    const missing = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'x1', templateHref: unknown, networks }),
    );
    expect(missing.reply.status).toBe(403);
    expect(missing.reply.xml?.attributes['minorErrorCode']).toBe('ACCESS_TO_RESOURCE_IS_FORBIDDEN');

    const wrongKind = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'x2', templateHref: vdcHref, networks }),
    );
    expect(wrongKind.reply.xml?.attributes['minorErrorCode']).toBe('INVALID_REFERENCE');

    const misordered = instantiateBody({ name: 'x3', templateHref: esxi8, networks })
      .replace('  <AllEULAsAccepted>true</AllEULAsAccepted>\n', '')
      .replace('  <Source ', '  <AllEULAsAccepted>true</AllEULAsAccepted>\n  <Source ');
    const bad = await instantiate(h.api, vdcHref, misordered);
    expect(bad.reply.status).toBe(400);
    expect(bad.reply.xml?.attributes['message']).toContain(
      "cvc-complex-type.2.4.a: Invalid content was found starting with element 'AllEULAsAccepted'.",
    );

    const malformed = await h.api.post(
      `${vdcHref}/action/instantiateVAppTemplate`,
      '<InstantiateVAppTemplateParams',
      MEDIA_INSTANTIATE,
    );
    expect(malformed.xml?.attributes).toMatchObject({ majorErrorCode: '400', minorErrorCode: 'BAD_REQUEST' });

    const wrongType = await h.api.post(
      `${vdcHref}/action/instantiateVAppTemplate`,
      instantiateBody({ name: 'x4', templateHref: esxi8, networks }),
      'application/xml',
    );
    expect(wrongType.status).toBe(415);
    expect(h.sim.state.vApps().map((v) => v.name)).toEqual(['lab-dup']);
  });

  it('ends a canceled task as canceled and an injected fault as error with an Error element', async () => {
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-cancel', templateHref: templates.get('esxi8-single') ?? '', networks }),
    );
    expect((await h.api.post(`${created.taskHref}/action/cancel`)).status).toBe(204);
    expect((await h.api.get(created.taskHref)).xml?.attributes['status']).toBe('canceled');
    expect((await h.api.get(created.vAppHref)).xml?.attributes['status']).toBe('-1');

    const href = await create('lab-fault');
    h.sim.state.failNextTask('vappDeploy', {
      majorErrorCode: 500,
      minorErrorCode: 'INTERNAL_SERVER_ERROR',
      message: 'no capacity',
    });
    const res = await h.api.post(`${href}/power/action/powerOn`);
    const task = await waitTask(h.api, h.clock, res.xml?.attributes['href'] ?? '');
    expect(task.attributes['status']).toBe('error');
    expect(child(task, 'Error')?.attributes).toMatchObject({ majorErrorCode: '500', message: 'no capacity' });
    expect((await h.api.get(href)).xml?.attributes['status']).toBe('8');
  });
});
