/**
 * VDC quotas and org limits: storage checked when something is stored, compute when VMs power on (the task fails with
 * vCenter's admission-control message), several VDCs with their own quotas, and the org's limit on simultaneous tasks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseXml } from '../../src/vcd/wire/xml';
import {
  child,
  childrenOf,
  instantiate,
  instantiateBody,
  lookups,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

const FIXTURES = path.resolve(__dirname, '../../../shared/vcd-fixtures');

describe('vcdsim quotas and limits', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  async function setup(
    options: Parameters<typeof startHarness>[0],
  ): Promise<Awaited<ReturnType<typeof lookups>>> {
    h = await startHarness({ speedFactor: 100, ...options });
    await h.api.login();
    return lookups(h.api);
  }

  it('refuses an instantiation the VDC cannot store, with the message VCD gives', async () => {
    // esxi8-single has a 100 GB disk; the catalog's own templates already use 620 GB of the VDC.
    const { vdcHref, networks, templates } = await setup({
      vdcs: [{ name: 'lab-vdc', storageLimitMb: 700 * 1024 }],
    });
    const templateHref = templates.get('esxi8-single') ?? '';
    const refused = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-big', templateHref, networks }),
    );
    expect(refused.reply.status).toBe(400);
    expect(refused.reply.xml?.attributes['minorErrorCode']).toBe('BAD_REQUEST');
    expect(refused.reply.xml?.attributes['message']).toMatch(
      /\] The requested operation will exceed the VDC's storage quota: storage policy "Standard"/,
    );
    expect(h.sim.state.vApps()).toEqual([]);
    const small = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-small', templateHref: templates.get('esxi7-single') ?? '', networks }),
    );
    expect(small.reply.status).toBe(201);
    const vdc = await h.api.get(vdcHref);
    const storage = child(vdc.xml, 'StorageCapacity');
    expect([child(storage, 'Limit')?.text, child(storage, 'Used')?.text]).toEqual([
      String(700 * 1024),
      String((620 + 80) * 1024),
    ]);
  });

  it('accepts a power-on the VDC has no memory for, and fails its task as vCenter admission control does', async () => {
    // Two ESXi 8 hosts need 32 GB; the VDC allows 24 GB.
    const { vdcHref, networks, templates } = await setup({
      vdcs: [{ name: 'lab-vdc', memoryLimitMb: 24 * 1024, cpuLimitMhz: 0 }],
    });
    const templateHref = templates.get('esxi8-single') ?? '';
    const one = await instantiate(h.api, vdcHref, instantiateBody({ name: 'lab-1', templateHref, networks }));
    const two = await instantiate(h.api, vdcHref, instantiateBody({ name: 'lab-2', templateHref, networks }));
    await waitTask(h.api, h.clock, one.taskHref, 100);
    await waitTask(h.api, h.clock, two.taskHref, 100);

    const first = await h.api.post(`${one.vAppHref}/power/action/powerOn`);
    const second = await h.api.post(`${two.vAppHref}/power/action/powerOn`);
    expect(second.status).toBe(202);
    expect(
      (await waitTask(h.api, h.clock, first.headers.get('location') ?? '', 100)).attributes['status'],
    ).toBe('success');
    const failed = await waitTask(h.api, h.clock, second.headers.get('location') ?? '', 100);
    expect(failed.attributes['status']).toBe('error');
    expect(child(failed, 'Error')?.attributes).toMatchObject({
      majorErrorCode: '500',
      minorErrorCode: 'INTERNAL_SERVER_ERROR',
      message:
        'The available Memory resources in the parent resource pool are insufficient for the operation.',
    });
    expect((await h.api.get(two.vAppHref)).xml?.attributes).toMatchObject({ status: '8', deployed: 'false' });
    const record = child((await h.api.get('/api/query?type=orgVdc')).xml, 'OrgVdcRecord');
    expect(record?.attributes).toMatchObject({ memoryLimitMB: String(24 * 1024), memoryUsedMB: '16384' });

    // Once the first is off, the second fits.
    const off = await h.api.post(`${one.vAppHref}/power/action/powerOff`);
    await waitTask(h.api, h.clock, off.headers.get('location') ?? '', 100);
    const retry = await h.api.post(`${two.vAppHref}/power/action/powerOn`);
    expect(
      (await waitTask(h.api, h.clock, retry.headers.get('location') ?? '', 100)).attributes['status'],
    ).toBe('success');
  });

  it('counts vCPUs at the VDC speed against its CPU limit, also for instantiate with powerOn', async () => {
    // vsphere8-lab has 12 vCPUs = 24 GHz at 2000 MHz each; the VDC allows 16 GHz.
    const { vdcHref, networks, templates } = await setup({
      vdcs: [{ name: 'lab-vdc', cpuLimitMhz: 16_000 }],
    });
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({
        name: 'lab-cpu',
        templateHref: templates.get('vsphere8-lab') ?? '',
        networks,
        powerOn: true,
      }),
    );
    expect(created.reply.status).toBe(201);
    const task = await waitTask(h.api, h.clock, created.taskHref, 100);
    expect(child(task, 'Error')?.attributes['message']).toBe(
      'The available CPU resources in the parent resource pool are insufficient for the operation.',
    );
    // The vApp exists, powered off, as VCD leaves it when only the power-on part failed.
    expect((await h.api.get(created.vAppHref)).xml?.attributes).toMatchObject({
      status: '8',
      deployed: 'false',
    });
  });

  it('serves several VDCs, each with its own quota, all using the shared org networks', async () => {
    const { networks, templates } = await setup({
      vdcs: [{ name: 'lab-vdc' }, { name: 'classroom-vdc', memoryLimitMb: 8192, storageLimitMb: 0 }],
    });
    const vdcs = childrenOf((await h.api.get('/api/query?type=orgVdc')).xml, 'OrgVdcRecord');
    expect(vdcs.map((v) => [v.attributes['name'], v.attributes['memoryLimitMB']])).toEqual([
      ['lab-vdc', '1048576'],
      ['classroom-vdc', '8192'],
    ]);
    const classroom = vdcs[1]?.attributes['href'] ?? '';
    const created = await instantiate(
      h.api,
      classroom,
      instantiateBody({
        name: 'class-1',
        templateHref: templates.get('esxi8-single') ?? '',
        networks,
        powerOn: true,
      }),
    );
    const task = await waitTask(h.api, h.clock, created.taskHref, 100);
    expect(task.attributes['status']).toBe('error');
    const record = childrenOf((await h.api.get('/api/query?type=vApp')).xml, 'VAppRecord')[0];
    expect(record?.attributes).toMatchObject({ name: 'class-1', vdcName: 'classroom-vdc', vdc: classroom });
    expect((await h.api.get(classroom)).xml?.attributes['name']).toBe('classroom-vdc');
  });

  it('answers 400 OPERATION_LIMITS_EXCEEDED, in the words of the real fixture, past the org limit of simultaneous tasks', async () => {
    const { vdcHref, networks, templates } = await setup({ maxConcurrentTasks: 3 });
    const templateHref = templates.get('esxi8-single') ?? '';
    for (const name of ['a', 'b', 'c']) {
      expect(
        (await instantiate(h.api, vdcHref, instantiateBody({ name, templateHref, networks }))).reply.status,
      ).toBe(201);
    }
    const refused = await instantiate(h.api, vdcHref, instantiateBody({ name: 'd', templateHref, networks }));
    expect(refused.reply.status).toBe(400);
    const fixture = parseXml(
      readFileSync(
        path.join(FIXTURES, 'jclouds-vcloud-director/error400-operationLimitsExceeded.xml'),
        'utf8',
      ),
    );
    const ours = refused.reply.xml;
    expect(Object.keys(ours?.attributes ?? {}).sort()).toEqual(
      Object.keys(fixture.attributes)
        .filter((a) => a !== 'schemaLocation')
        .sort(),
    );
    expect(ours?.attributes['minorErrorCode']).toBe(fixture.attributes['minorErrorCode']);
    const shape = (message: string): string => message.replace(/"[^"]*"/g, '"…"');
    expect(shape((ours?.attributes['message'] ?? '').replace(/^\[ [0-9a-f-]+ \] /, ''))).toBe(
      shape(fixture.attributes['message'] ?? ''),
    );
    expect(ours?.attributes['message']).toContain('for user "admin" on organization "lab"');
    // Nothing was created, and a slot frees up when a task ends.
    expect(h.sim.state.vApps().map((v) => v.name)).toEqual(['a', 'b', 'c']);
    h.clock.advance(1000);
    expect(
      (await instantiate(h.api, vdcHref, instantiateBody({ name: 'd', templateHref, networks }))).reply
        .status,
    ).toBe(201);
  });
});
