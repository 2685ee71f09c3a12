/**
 * The client against the simulator over real HTTP, on one fake clock shared by both: the client's sleeps move
 * the simulator's time, so tasks finish without any test waiting on the wall clock.
 */
import { VcdTaskFailedError } from '../../src/vcd/errors';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { captureVApp } from './helpers/capture-vapp';
import { VcdHttp, type VcdRequest } from '../../src/vcd/vcd-http';
import { toNetworkConnectionInput } from '../../src/vcd/wire/network-connection';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { recordingLogger } from '../helpers/logger';

let sim: VcdSim;
let cloud: VcdCloud;
let now: number;

beforeEach(async () => {
  now = Date.parse('2026-11-24T09:00:00Z');
  sim = await startVcdSim({ port: 0, now: () => now, speedFactor: 10 });
  cloud = newCloud();
});

afterEach(async () => {
  cloud.close();
  await sim.close();
});

function newCloud(
  auth: { kind: 'token'; apiToken: string } = { kind: 'token', apiToken: 'simulated-api-token' },
) {
  return new VcdCloud({
    url: sim.url,
    org: 'lab',
    vdc: 'lab-vdc',
    catalog: 'labs',
    auth,
    simulated: true,
    logger: recordingLogger(),
    clock: { now: () => new Date(now) },
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  });
}

async function deploy(name: string): Promise<string> {
  const { vappHref, task } = await cloud.startDeploy({
    vappName: name,
    description: `lab ${name}`,
    templateName: 'esxi8-single',
    runtimeLeaseSeconds: 4 * 3600,
  });
  await cloud.waitForTask(task);
  return vappHref;
}

describe('vcd/vcd-cloud against the simulator', () => {
  it('reads the catalog once for deploys within a minute, and again for a template it has not seen', async () => {
    const paths: string[] = [];
    const original = VcdHttp.prototype.request;
    jest.spyOn(VcdHttp.prototype, 'request').mockImplementation(function (
      this: VcdHttp,
      request: VcdRequest,
    ) {
      paths.push(request.path);
      return original.call(this, request);
    });
    const templateQueries = () => paths.filter((p) => p.includes('vAppTemplate')).length;
    await deploy('lab-cache-1');
    await deploy('lab-cache-2');
    expect(templateQueries()).toBe(1);

    await expect(
      cloud.startDeploy({
        vappName: 'lab-cache-3',
        description: 'x',
        templateName: 'no-such',
        runtimeLeaseSeconds: 60,
      }),
    ).rejects.toThrow('template "no-such" is not in catalog "labs"');
    expect(templateQueries()).toBe(2);

    now += 61_000;
    await deploy('lab-cache-4');
    expect(templateQueries()).toBe(3);
    jest.restoreAllMocks();
  });

  it('logs in again after the session expires (401 with an empty body) and carries on', async () => {
    const vapp = await deploy('lab-relogin');
    sim.state.expireSessions();

    const found = await cloud.getVApp(vapp);

    expect(found?.name).toBe('lab-relogin');
  });

  it('fails the wait, not the request, when the 201 VApp carries an instantiation task that fails', async () => {
    sim.state.failNextTask('vdcInstantiateVapp', { message: 'Simulated clone failure' });

    const started = await cloud.startDeploy({
      vappName: 'lab-doomed',
      description: '',
      templateName: 'esxi8-single',
      runtimeLeaseSeconds: 3600,
    });
    const failure: unknown = await cloud.waitForTask(started.task).catch((e: unknown) => e);

    expect(started.vappHref).toMatch(/\/api\/vApp\/vapp-/);
    expect(failure).toBeInstanceOf(VcdTaskFailedError);
    expect(failure).toMatchObject({
      status: 'error',
      taskError: { message: expect.stringContaining('Simulated clone failure') as unknown },
    });
  });

  it('reports task progress while it waits', async () => {
    const { task } = await cloud.startDeploy({
      vappName: 'lab-progress',
      description: '',
      templateName: 'vsphere8-lab',
      runtimeLeaseSeconds: 3600,
    });
    const seen: string[] = [];

    await cloud.waitForTask(task, (p) => seen.push(p.status));

    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => ['queued', 'preRunning', 'running', 'postRunning'].includes(s))).toBe(true);
  });

  it('keeps a user-typed a;b,c(d) from changing the filter', async () => {
    await deploy('lab-a');

    await expect(cloud.findVAppByName('lab-a;b,c(d)')).resolves.toBeUndefined();
    await expect(cloud.findVAppByName('lab-a,name==lab-a')).resolves.toBeUndefined();
    await expect(cloud.findVAppByName('lab-a')).resolves.toMatchObject({ name: 'lab-a' });
  });

  it('lists only the vApps carrying labbot.id, with our metadata, busy flag and power state', async () => {
    const ours = await deploy('lab-demo-1');
    await deploy('not-ours');
    const metadata = await cloud.setMetadata(ours, {
      'labbot.id': 'demo-1',
      'labbot.owner': 'U123',
      'labbot.kind': 'demo',
      'labbot.expiresAt': '2026-11-24T13:00:00.000Z',
    });
    await cloud.waitForTask(metadata ?? { href: '' });

    const managed = await cloud.listManagedVApps();

    expect(managed).toEqual([
      expect.objectContaining({
        href: ours,
        name: 'lab-demo-1',
        busy: false,
        powerState: 'powered_off',
        metadata: {
          labId: 'demo-1',
          owner: 'U123',
          kind: 'demo',
          ticket: undefined,
          expiresAt: '2026-11-24T13:00:00.000Z',
        },
      }),
    ]);
    const on = await cloud.startPowerOn(ours);
    expect((await cloud.listManagedVApps())[0]?.busy).toBe(true);
    await cloud.waitForTask(on);
    expect((await cloud.listManagedVApps())[0]).toMatchObject({ busy: false, powerState: 'powered_on' });
  });

  it('lists the running VMs of every vApp from VM records, and reads their usage now and their history (issue 17)', async () => {
    const on = await deploy('lab-running');
    const off = await deploy('lab-stopped');
    await cloud.waitForTask(await cloud.startPowerOn(on));
    const poweredOn = now;

    const running = await cloud.listRunningVms();
    const vms = (await cloud.getVAppDetails(on))?.vms ?? [];
    expect(running).toEqual(vms.map((vm) => ({ href: vm.href, name: vm.name, vappHref: on })));
    expect(running.some((vm) => vm.vappHref === off)).toBe(false);

    const vm = running[0];
    if (vm === undefined) {
      throw new Error('the powered-on lab has a VM');
    }
    expect(await cloud.getVmUsage(vm)).toMatchObject({ vmName: vm.name, cpuPercent: expect.any(Number) });

    // The default curve: busy for an hour after power-on, then idle. Samples every 5 minutes, after `since` only.
    now += 90 * 60_000;
    const since = poweredOn + 30 * 60_000;
    const history = await cloud.getVmUsageHistory(vm.href, new Date(since));
    const first = (Math.floor(since / 300_000) + 1) * 300_000;
    expect(history.map((s) => s.at.getTime())).toEqual(
      Array.from({ length: Math.floor((now - first) / 300_000) + 1 }, (_, i) => first + i * 300_000),
    );
    for (const sample of history) {
      const minutes = (sample.at.getTime() - poweredOn) / 60_000;
      if (minutes >= 60) {
        expect(sample.cpuPercent).toBeLessThan(6);
      } else {
        expect(sample.cpuPercent).toBeGreaterThan(40);
      }
      expect(sample.networkKbps).toBeUndefined();
    }
  });

  it('runs a lab through power, hardware, metrics, lease, NICs and teardown', async () => {
    const vapp = await deploy('lab-tour');
    await cloud.waitForTask(await cloud.startPowerOn(vapp));

    const details = await cloud.getVAppDetails(vapp);
    const vm = details?.vms[0];
    expect(vm).toMatchObject({ powerState: 'powered_on' });
    expect(vm?.cpus).toBeGreaterThan(0);
    expect(vm?.memoryMb).toBeGreaterThan(0);
    expect(vm?.disks.length).toBeGreaterThan(0);
    expect(vm?.disks[0]?.sizeMb).toBeGreaterThan(0);
    expect(vm?.nics.filter((n) => n.adapterType === 'E1000').length).toBeGreaterThanOrEqual(2);
    expect(vm?.nics.every((n) => /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(n.mac ?? ''))).toBe(true);

    const metrics = await cloud.inspector.getVmMetrics(vm?.href ?? '');
    expect(metrics.usage.cpuPercent).toEqual(expect.any(Number));
    const usage = await cloud.getUsage(vapp);
    expect(usage).toHaveLength(details?.vms.length ?? -1);

    const lease = await cloud.inspector.getLeaseSettings(vapp);
    expect(lease.deploymentLeaseInSeconds).toBe(4 * 3600);
    await cloud.waitForTask(await cloud.startSetLease(vapp, { deploymentLeaseSeconds: 8 * 3600 }));
    expect(await cloud.inspector.getLeaseSettings(vapp)).toMatchObject({
      deploymentLeaseInSeconds: 8 * 3600,
      storageLeaseInSeconds: lease.storageLeaseInSeconds,
    });

    await cloud.waitForTask(await cloud.startPowerOff(vapp));
    const section = await cloud.getNetworkConnections(vm?.href ?? '');
    const input = toNetworkConnectionInput(section);
    const last = input.connections.at(-1);
    if (last === undefined) {
      throw new Error('the VM has NICs');
    }
    last.connected = false;
    await cloud.waitForTask(await cloud.startSetNetworkConnections(vm?.href ?? '', input));
    const after = await cloud.getNetworkConnections(vm?.href ?? '');
    expect(after.connections.at(-1)).toMatchObject({ connected: false, mac: last.mac });

    await cloud.waitForTask(await cloud.startUndeploy(vapp));
    await cloud.waitForTask(await cloud.startDelete(vapp));
    await expect(cloud.getVApp(vapp)).resolves.toBeUndefined();
  });

  it('captures a vApp into the catalog and finds the new template there', async () => {
    const vapp = await deploy('lab-golden');

    const template = await captureVApp(cloud, vapp, { name: 'esxi8-golden', description: 'captured' });

    expect(template).toMatchObject({ name: 'esxi8-golden', catalogName: 'labs' });
    expect(template.href).toMatch(/vappTemplate-/i);
    expect((await cloud.listTemplates()).map((t) => t.name)).toContain('esxi8-golden');
  });

  it('finds the task still writing a captured template, and none once the capture is done', async () => {
    const vapp = await deploy('lab-golden');
    const task = await cloud.startCapture(vapp, { name: 'esxi8-golden', description: 'captured' });
    const template = (await cloud.listTemplates()).find((t) => t.name === 'esxi8-golden');
    expect(template).toBeDefined();

    expect(await cloud.findTemplateTask(template?.href ?? '')).toEqual({ href: task.href });
    await cloud.waitForCapture(task, { name: 'esxi8-golden' });
    expect(await cloud.findTemplateTask(template?.href ?? '')).toBeUndefined();
  });

  it('finds the legacy edge gateway and adds a DNAT rule for a lab, keeping the rules already there', async () => {
    // configureServices is the NSX-V API: this one needs the legacy edge (the simulator's default is NSX-T).
    cloud.close();
    await sim.close();
    sim = await startVcdSim({ port: 0, now: () => now, speedFactor: 10, edge: { kind: 'nsxv' } });
    cloud = newCloud();
    const [record] = await cloud.inspector.listEdgeGateways();
    if (record === undefined) {
      throw new Error('the simulator has an edge gateway');
    }
    const before = await cloud.inspector.getEdgeGateway(record.href);
    const uplink = before.uplinks[0];
    const publicIp = uplink?.subnets[0]?.ipRanges[0]?.start ?? '';

    await cloud.updateEdgeGatewayServices(record.href, (current) => ({
      ...current,
      nat: {
        ...current.nat,
        rules: [
          ...current.nat.rules,
          {
            ruleType: 'DNAT',
            enabled: true,
            description: 'labbot demo-1 ssh',
            interfaceHref: uplink?.networkHref ?? '',
            interfaceName: uplink?.networkName,
            originalIp: publicIp,
            originalPort: '2201',
            translatedIp: '10.10.0.10',
            translatedPort: '22',
            protocol: 'tcp',
          },
        ],
      },
    }));

    const after = await cloud.inspector.getEdgeGateway(record.href);
    expect(after.nat?.rules).toHaveLength((before.nat?.rules.length ?? 0) + 1);
    expect(after.nat?.rules.at(-1)).toMatchObject({
      ruleType: 'DNAT',
      originalPort: '2201',
      translatedIp: '10.10.0.10',
    });
    expect(after.firewall?.rules).toHaveLength(before.firewall?.rules.length ?? 0);
  });
});

describe('vcd/vcd-cloud isVAppGone against the simulator (issue 14)', () => {
  it('is false while the vApp exists, true once VCD deleted it (a 403 on the GET, confirmed by the query)', async () => {
    const href = await deploy('lab-gone');
    expect(await cloud.isVAppGone({ href, name: 'lab-gone' })).toBe(false);

    await cloud.waitForTask(await cloud.startDelete(href));

    expect(await cloud.isVAppGone({ href, name: 'lab-gone' })).toBe(true);
  });

  it('is false when the GET says gone but the query still finds a vApp of that name in the VDC', async () => {
    await deploy('lab-renamed-href');
    expect(
      await cloud.isVAppGone({
        href: `${sim.url}/api/vApp/vapp-00000000-0000-0000-0000-000000000000`,
        name: 'lab-renamed-href',
      }),
    ).toBe(false);
  });

  it('throws rather than answer when the query fails: an error proves nothing', async () => {
    const href = await deploy('lab-unsure');
    await cloud.waitForTask(await cloud.startDelete(href));
    sim.faults.configure({ errors: [{ operation: 'query', error: 500 }] });

    await expect(cloud.isVAppGone({ href, name: 'lab-unsure' })).rejects.toThrow(/500/);
  });
});
