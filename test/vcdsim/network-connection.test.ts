/** A VM's NetworkConnectionSection: read it, replace it with a PUT (202 + vappUpdateVm task), and what VCD checks. */
import { type XmlNode } from '../../src/vcd/wire/xml';
import {
  MEDIA_NCS,
  child,
  childrenOf,
  descendants,
  instantiate,
  instantiateBody,
  lookups,
  ncsBody,
  rels,
  startHarness,
  waitTask,
  type Harness,
  type NicInput,
} from './sim-harness';

interface Nic {
  network: string;
  index: number;
  ip?: string;
  mac?: string;
  mode?: string;
  adapter?: string;
  connected?: string;
}

function nics(section: XmlNode | undefined): Nic[] {
  return childrenOf(section, 'NetworkConnection').map((c) => ({
    network: c.attributes['network'] ?? '',
    index: Number(child(c, 'NetworkConnectionIndex')?.text),
    ip: child(c, 'IpAddress')?.text,
    mac: child(c, 'MACAddress')?.text,
    mode: child(c, 'IpAddressAllocationMode')?.text,
    adapter: child(c, 'NetworkAdapterType')?.text,
    connected: child(c, 'IsConnected')?.text,
  }));
}

describe('vcdsim NetworkConnectionSection', () => {
  let h: Harness;
  let vAppHref: string;
  let vmHref: string;
  let section: string;

  beforeEach(async () => {
    h = await startHarness();
    await h.api.login();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-nics', templateHref: templates.get('esxi8-single') ?? '', networks }),
    );
    await waitTask(h.api, h.clock, created.taskHref);
    vAppHref = created.vAppHref;
    vmHref = descendants((await h.api.get(vAppHref)).xml, 'Vm')[0]?.attributes['href'] ?? '';
    section = `${vmHref}/networkConnectionSection/`;
  });

  afterEach(async () => {
    await h.close();
  });

  async function put(body: string): Promise<{ status: number; xml?: XmlNode; taskHref: string }> {
    const res = await h.api.put(section, body, MEDIA_NCS);
    return { status: res.status, xml: res.xml, taskHref: res.headers.get('location') ?? '' };
  }

  async function apply(input: NicInput[], primary?: number): Promise<Nic[]> {
    const res = await put(ncsBody(input, primary));
    expect(res.status).toBe(202);
    const task = await waitTask(h.api, h.clock, res.taskHref);
    expect(task.attributes['status']).toBe('success');
    return nics((await h.api.get(section)).xml);
  }

  it('shows the nested-ESXi layout with an edit link, and answers a PUT with 202, a vappUpdateVm task and Location', async () => {
    const before = await h.api.get(section);
    expect(before.headers.get('content-type')).toBe(
      'application/vnd.vmware.vcloud.networkConnectionSection+xml;version=36.0',
    );
    expect(child(before.xml, 'PrimaryNetworkConnectionIndex')?.text).toBe('0');
    expect(rels(before.xml)).toEqual(['edit']);
    const current = nics(before.xml);
    expect(current.map((n) => [n.index, n.network, n.adapter, n.mode])).toEqual([
      [0, 'Management', 'VMXNET3', 'POOL'],
      [1, 'VM Network', 'E1000', 'POOL'],
      [2, 'VM Network', 'E1000', 'POOL'],
    ]);

    const res = await put(
      ncsBody(
        current.map((n) => ({ network: n.network, index: n.index, mode: 'POOL', ip: n.ip, mac: n.mac })),
      ),
    );
    expect(res.status).toBe(202);
    expect(res.xml?.attributes).toMatchObject({ operationName: 'vappUpdateVm', status: 'queued' });
    expect(res.xml?.attributes['operation']).toMatch(/^Updating Virtual Machine esxi-01\(/);
    expect(child(res.xml, 'Owner')?.attributes).toMatchObject({
      href: vmHref,
      type: 'application/vnd.vmware.vcloud.vm+xml',
    });
    expect(res.taskHref).toBe(res.xml?.attributes['href']);
    // While the task runs the section is not editable and the vApp is busy.
    expect(rels((await h.api.get(section)).xml)).toEqual([]);
    expect((await put(ncsBody([]))).xml?.attributes['minorErrorCode']).toBe('BUSY_ENTITY');
    expect((await h.api.post(`${vAppHref}/power/action/powerOn`)).xml?.attributes['minorErrorCode']).toBe(
      'BUSY_ENTITY',
    );
    await waitTask(h.api, h.clock, res.taskHref);
    expect(nics((await h.api.get(section)).xml)).toEqual(current);
  });

  it('adds NICs with MACs from the 00:50:56 range, takes a manual MAC, and changes adapter types while off', async () => {
    const before = nics((await h.api.get(section)).xml);
    const after = await apply([
      { network: 'Management', index: 0, mode: 'POOL', adapter: 'VMXNET3' },
      { network: 'VM Network', index: 1, mode: 'POOL', adapter: 'E1000E' },
      { network: 'VM Network', index: 2, mode: 'POOL', adapter: 'E1000', mac: '00:50:56:3F:00:2A' },
      { network: 'VM Network', index: 3, mode: 'POOL', adapter: 'E1000' },
    ]);
    expect(after.map((n) => n.adapter)).toEqual(['VMXNET3', 'E1000E', 'E1000', 'E1000']);
    // Existing NICs keep their MACs and addresses unless told otherwise; a given MAC is taken as is.
    expect(after[0]).toMatchObject({ mac: before[0]?.mac, ip: before[0]?.ip });
    expect(after[1]).toMatchObject({ mac: before[1]?.mac, ip: before[1]?.ip });
    expect(after[2]?.mac).toBe('00:50:56:3f:00:2a');
    expect(after[3]?.mac).toMatch(/^00:50:56:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
    expect(new Set(after.map((n) => n.mac)).size).toBe(4);
    expect(after[3]?.ip).toMatch(/^10\.20\.0\.\d+$/);

    // The VM document shows the same NICs as hardware items.
    const vm = await h.api.get(vmHref);
    const addresses = descendants(vm.xml, 'Address').map((a) => a.text);
    expect(addresses).toEqual(expect.arrayContaining(after.map((n) => n.mac)));
  });

  it('honours POOL, DHCP, MANUAL and NONE, and gives pool addresses back', async () => {
    const pooled = nics((await h.api.get(section)).xml);
    const after = await apply(
      [
        { network: 'Management', index: 0, mode: 'MANUAL', ip: '10.10.200.7' },
        { network: 'VM Network', index: 1, mode: 'DHCP' },
        { network: 'none', index: 2, mode: 'NONE', connected: false },
      ],
      1,
    );
    expect(after).toEqual([
      expect.objectContaining({ network: 'Management', ip: '10.10.200.7', mode: 'MANUAL' }),
      expect.objectContaining({ network: 'VM Network', ip: undefined, mode: 'DHCP' }),
      expect.objectContaining({ network: 'none', ip: undefined, mode: 'NONE', connected: 'false' }),
    ]);
    expect(child((await h.api.get(section)).xml, 'PrimaryNetworkConnectionIndex')?.text).toBe('1');

    // The pool addresses the NICs had are free again: another lab gets the lowest one back.
    const { vdcHref, networks, templates } = await lookups(h.api);
    const other = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-next', templateHref: templates.get('esxi8-single') ?? '', networks }),
    );
    await waitTask(h.api, h.clock, other.taskHref);
    const otherVm = descendants((await h.api.get(other.vAppHref)).xml, 'Vm')[0]?.attributes['href'] ?? '';
    const otherNics = nics((await h.api.get(`${otherVm}/networkConnectionSection/`)).xml);
    expect(otherNics[0]?.ip).toBe(pooled[0]?.ip);
  });

  it('refuses what VCD refuses, and changes nothing', async () => {
    const before = nics((await h.api.get(section)).xml);
    const refused = async (input: NicInput[], primary?: number): Promise<string> => {
      const res = await put(ncsBody(input, primary));
      expect(res.status).toBe(400);
      return res.xml?.attributes['message'] ?? '';
    };
    expect(await refused([{ network: 'Nowhere', index: 0, mode: 'POOL' }])).toContain(
      'The network "Nowhere" is not a network of vApp "lab-nics"',
    );
    expect(await refused([{ network: 'Management', index: 0, mode: 'MANUAL' }])).toContain('MANUAL');
    expect(await refused([{ network: 'Management', index: 0, mode: 'MANUAL', ip: '192.168.1.5' }])).toContain(
      'not in the subnet',
    );
    expect(
      await refused([
        { network: 'Management', index: 0, mode: 'MANUAL', ip: before[0]?.ip ?? '' },
        { network: 'Management', index: 1, mode: 'MANUAL', ip: before[0]?.ip ?? '' },
      ]),
    ).toContain('already in use');
    expect(
      await refused([{ network: 'Management', index: 0, mode: 'POOL', mac: '01:00:5e:00:00:01' }]),
    ).toContain('multicast');
    expect(await refused([{ network: 'Management', index: 0, mode: 'POOL' }], 4)).toContain(
      'PrimaryNetworkConnectionIndex 4',
    );
    const misordered = ncsBody([{ network: 'Management', index: 0, mode: 'POOL' }]).replace(
      '<IsConnected>true</IsConnected>',
      '',
    );
    const bad = await put(misordered);
    expect(bad.xml?.attributes['message']).toContain('cvc-complex-type.2.4');
    expect((await h.api.put(section, ncsBody([]), 'application/xml')).status).toBe(415);
    expect(nics((await h.api.get(section)).xml)).toEqual(before);
  });

  it('refuses an adapter type change on a powered-on VM but lets it add a NIC', async () => {
    const on = await h.api.post(`${vAppHref}/power/action/powerOn`);
    await waitTask(h.api, h.clock, on.headers.get('location') ?? '');
    const current = nics((await h.api.get(section)).xml);
    const keep = current.map((n) => ({ network: n.network, index: n.index, mode: 'POOL' as const }));
    const changed = await put(ncsBody(keep.map((n) => (n.index === 0 ? { ...n, adapter: 'E1000' } : n))));
    expect(changed.status).toBe(400);
    expect(changed.xml?.attributes['message']).toContain('cannot be changed while the VM is powered on');
    const added = await apply([
      ...keep,
      { network: 'VM Network', index: 3, mode: 'POOL', adapter: 'VMXNET3' },
    ]);
    expect(added).toHaveLength(4);
  });
});
