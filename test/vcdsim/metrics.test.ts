/**
 * VM metrics: CurrentUsage with VCD's metric names and units, a subset with CurrentUsageSpec, and the usage curves
 * (busy, idle, abandoned after N minutes) that tests steer through SimState and the admin endpoint.
 */
import { type XmlNode } from '../../src/vcd/wire/xml';
import {
  MEDIA_USAGE_SPEC,
  childrenOf,
  descendants,
  instantiate,
  instantiateBody,
  rels,
  lookups,
  startHarness,
  usageSpecBody,
  waitTask,
  type Harness,
} from './sim-harness';

function metrics(xml: XmlNode | undefined): Record<string, { unit: string; value: number }> {
  return Object.fromEntries(
    childrenOf(xml, 'Metric').map((m) => [
      m.attributes['name'] ?? '',
      { unit: m.attributes['unit'] ?? '', value: Number(m.attributes['value']) },
    ]),
  );
}

describe('vcdsim metrics and usage curves', () => {
  let h: Harness;
  let vAppHref: string;
  let vmHref: string;

  async function cpu(): Promise<number> {
    return metrics((await h.api.get(`${vmHref}/metrics/current`)).xml)['cpu.usage.average']?.value ?? NaN;
  }

  beforeEach(async () => {
    // Hours pass between reads here: keep the session and the lab's runtime lease from running out meanwhile.
    h = await startHarness({ speedFactor: 100, sessionIdleTimeoutMs: 24 * 3600_000 });
    await h.api.login();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({
        name: 'lab-metrics',
        templateHref: templates.get('vsphere8-lab') ?? '',
        networks,
        powerOn: true,
        deploymentLeaseSeconds: 0,
      }),
    );
    await waitTask(h.api, h.clock, created.taskHref, 100);
    vAppHref = created.vAppHref;
    vmHref = descendants((await h.api.get(vAppHref)).xml, 'Vm')[0]?.attributes['href'] ?? '';
  });

  afterEach(async () => {
    await h.close();
  });

  it('reports the metrics VCD names, with their units, and links to them only while the VM runs', async () => {
    const vm = await h.api.get(vmHref);
    expect(rels(vm.xml)).toEqual(['down', 'metrics', 'down', 'metrics', 'up']);
    const res = await h.api.get(`${vmHref}/metrics/current`);
    expect(res.headers.get('content-type')).toBe(
      'application/vnd.vmware.vcloud.metrics.currentUsage+xml;version=36.0',
    );
    const all = metrics(res.xml);
    expect(Object.fromEntries(Object.entries(all).map(([name, m]) => [name, m.unit]))).toEqual({
      'cpu.usage.average': 'PERCENT',
      'cpu.usage.maximum': 'PERCENT',
      'cpu.usagemhz.average': 'MEGAHERTZ',
      'mem.usage.average': 'PERCENT',
      'disk.provisioned.latest': 'KILOBYTE',
      'disk.used.latest': 'KILOBYTE',
      'disk.read.average': 'KILOBYTES_PER_SECOND',
      'disk.write.average': 'KILOBYTES_PER_SECOND',
    });
    // esxi-01: 4 vCPUs at the VDC's 2000 MHz, a 100 GB disk.
    expect(all['disk.provisioned.latest']?.value).toBe(100 * 1024 * 1024);
    const pct = all['cpu.usage.average']?.value ?? 0;
    expect(all['cpu.usagemhz.average']?.value).toBeCloseTo((pct / 100) * 4 * 2000, 0);

    const subset = await h.api.post(
      `${vmHref}/metrics/current`,
      usageSpecBody(['*.average', 'disk.used.*']),
      MEDIA_USAGE_SPEC,
    );
    expect(Object.keys(metrics(subset.xml)).sort()).toEqual([
      'cpu.usage.average',
      'cpu.usagemhz.average',
      'disk.read.average',
      'disk.used.latest',
      'disk.write.average',
      'mem.usage.average',
    ]);

    const off = await h.api.post(`${vAppHref}/power/action/powerOff`);
    await waitTask(h.api, h.clock, off.headers.get('location') ?? '', 100);
    expect(rels((await h.api.get(vmHref)).xml)).toEqual(['up']);
    expect(childrenOf((await h.api.get(`${vmHref}/metrics/current`)).xml, 'Metric')).toEqual([]);
  });

  it('follows the default curve: busy for an hour after power-on, then idle at a few percent, never zero', async () => {
    expect(await cpu()).toBeGreaterThan(40);
    h.clock.advance(59 * 60_000);
    expect(await cpu()).toBeGreaterThan(40);
    h.clock.advance(2 * 60_000);
    for (let i = 0; i < 30; i += 1) {
      const idle = await cpu();
      expect(idle).toBeGreaterThan(1);
      expect(idle).toBeLessThan(6);
      h.clock.advance(20_000);
    }
  });

  it('keeps a value for a whole 20 s sample and changes it with the next', async () => {
    const first = await h.api.get(`${vmHref}/metrics/current`);
    h.clock.advance(1000);
    const same = await h.api.get(`${vmHref}/metrics/current`);
    expect(metrics(same.xml)).toEqual(metrics(first.xml));
    h.clock.advance(20_000);
    expect(metrics((await h.api.get(`${vmHref}/metrics/current`)).xml)).not.toEqual(metrics(first.xml));
  });

  it('lets tests steer a vApp or one VM through SimState', async () => {
    h.sim.state.setUsage({ vApp: 'lab-metrics' }, { kind: 'idle' });
    expect(await cpu()).toBeLessThan(6);
    h.sim.state.setUsage({ vApp: 'lab-metrics', vm: 'esxi-01' }, { kind: 'busy' });
    h.clock.advance(10 * 3600_000);
    expect(await cpu()).toBeGreaterThan(40);
    h.sim.state.setUsage({ vApp: 'lab-metrics', vm: 'esxi-01' }, { kind: 'abandoned', afterMinutes: 5 });
    expect(await cpu()).toBeGreaterThan(40);
    h.clock.advance(5 * 60_000);
    expect(await cpu()).toBeLessThan(6);
    // The jump host is not a nested hypervisor: it idles even lower.
    const jump = descendants((await h.api.get(vAppHref)).xml, 'Vm')[3]?.attributes['href'] ?? '';
    const jumpCpu =
      metrics((await h.api.get(`${jump}/metrics/current`)).xml)['cpu.usage.average']?.value ?? NaN;
    expect(jumpCpu).toBeGreaterThan(0);
    expect(jumpCpu).toBeLessThan(3);
    expect(() => h.sim.state.setUsage({ vApp: 'no-such-lab' }, { kind: 'idle' })).toThrow('no vApp');
  });

  it('lets anyone steer the curves through POST /_sim/usage and shows them in GET /_sim/state', async () => {
    const post = (body: unknown): Promise<Response> =>
      fetch(`${h.sim.url}/_sim/usage`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post({ vApp: 'lab-metrics', profile: 'idle' })).status).toBe(204);
    expect(await cpu()).toBeLessThan(6);
    expect(
      (await post({ vApp: 'lab-metrics', vm: 'esxi-01', profile: { abandonedAfterMinutes: 30 } })).status,
    ).toBe(204);
    expect(await cpu()).toBeGreaterThan(40);
    const state = (await (await fetch(`${h.sim.url}/_sim/state`)).json()) as {
      vApps: { name: string; vms: { name: string; activity: string; usage: unknown }[] }[];
    };
    const vms = state.vApps.find((v) => v.name === 'lab-metrics')?.vms ?? [];
    expect(vms.map((vm) => [vm.name, vm.activity])).toEqual([
      ['esxi-01', 'busy'],
      ['esxi-02', 'idle'],
      ['vcsa', 'idle'],
      ['jump', 'idle'],
    ]);
    expect(vms[0]?.usage).toEqual({ kind: 'abandoned', afterMinutes: 30 });
    const bad = await post({ vApp: 'lab-metrics', profile: 'sleepy' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('abandonedAfterMinutes');
    expect((await post({ vApp: 'nope', profile: 'idle' })).status).toBe(400);
  });

  it('adds net.usage.average only when asked to, since VCD itself does not report it', async () => {
    await h.close();
    h = await startHarness({ speedFactor: 100, reportNetworkMetrics: true, defaultUsage: { kind: 'idle' } });
    await h.api.login();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({
        name: 'lab-net',
        templateHref: templates.get('esxi7-single') ?? '',
        networks,
        powerOn: true,
      }),
    );
    await waitTask(h.api, h.clock, created.taskHref, 100);
    const vm = descendants((await h.api.get(created.vAppHref)).xml, 'Vm')[0]?.attributes['href'] ?? '';
    const all = metrics((await h.api.get(`${vm}/metrics/current`)).xml);
    expect(all['net.usage.average']?.unit).toBe('KILOBYTES_PER_SECOND');
    expect(all['cpu.usage.average']?.value).toBeLessThan(6);
  });
});
