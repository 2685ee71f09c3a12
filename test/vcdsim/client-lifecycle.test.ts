/**
 * Issue 4, "must show" 2 and 3: labbot's real client drives the simulator through a whole lab lifecycle fast, and
 * copes with the faults the simulator injects (busy entities and 503s retried, 401 after session expiry answered by a
 * new login, failed tasks reported as VcdTaskFailedError, dropped connections retried or reported as unavailable).
 */
import { performance } from 'node:perf_hooks';
import { VcdTaskFailedError, VcdUnavailableError } from '../../src/vcd/errors';
import { simClient, type SimClient } from './client-harness';
import { startHarness, type Harness } from './sim-harness';

describe('vcdsim with the real VCD client', () => {
  let h: Harness;
  let client: SimClient;

  afterEach(async () => {
    client.cloud.close();
    await h.close();
  });

  async function deployed(name: string): Promise<string> {
    const { vappHref, task } = await client.cloud.startDeploy({
      vappName: name,
      description: 'lab',
      templateName: 'esxi8-single',
      runtimeLeaseSeconds: 4 * 3600,
    });
    await client.cloud.waitForTask(task);
    return vappHref;
  }

  it('runs deploy → metadata → power on → undeploy → delete at speed 50 in well under 10 s', async () => {
    h = await startHarness({ speedFactor: 50 });
    client = simClient(h.sim, h.clock);
    const started = performance.now();

    const { vappHref, task } = await client.cloud.startDeploy({
      vappName: 'lab-demo-4kq',
      description: 'demo lab for U123',
      templateName: 'vsphere8-lab',
      runtimeLeaseSeconds: 4 * 3600,
    });
    await client.cloud.waitForTask(task);
    const metadata = await client.cloud.setMetadata(vappHref, {
      'labbot.id': 'demo-4kq',
      'labbot.owner': 'U123',
      'labbot.kind': 'demo',
    });
    if (metadata !== undefined) {
      await client.cloud.waitForTask(metadata);
    }
    await client.cloud.waitForTask(await client.cloud.startPowerOn(vappHref));
    const running = await client.cloud.getVApp(vappHref);
    expect(running).toMatchObject({ name: 'lab-demo-4kq', powerState: 'powered_on', deployed: true });
    expect(running?.vms.map((vm) => vm.name)).toEqual(['esxi-01', 'esxi-02', 'vcsa', 'jump']);
    const esxi = running?.vms[0];
    expect(esxi?.nics.map((n) => [n.network, n.adapterType])).toEqual([
      ['Management', 'VMXNET3'],
      ['VM Network', 'E1000'],
      ['VM Network', 'E1000'],
    ]);
    expect(esxi?.nics.every((n) => /^00:50:56(:[0-9a-f]{2}){3}$/.test(n.mac))).toBe(true);
    expect(await client.cloud.getMetadata(vappHref)).toMatchObject({ 'labbot.owner': 'U123' });

    await client.cloud.waitForTask(await client.cloud.startUndeploy(vappHref));
    expect(await client.cloud.getVApp(vappHref)).toMatchObject({
      deployed: false,
      powerState: 'powered_off',
    });
    await client.cloud.waitForTask(await client.cloud.startDelete(vappHref));
    expect(await client.cloud.getVApp(vappHref)).toBeUndefined();

    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(10_000);
    // The whole lifecycle took 17 s of simulated time at speed 1; at speed 50 the client waited a fraction of it.
    expect(client.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(17_000 / 10);
    expect(h.sim.state.vApps()).toEqual([]);
  });

  it('retries BUSY_ENTITY and 503 answers until the call succeeds', async () => {
    h = await startHarness({
      speedFactor: 100,
      faults: {
        errors: [
          { operation: 'vApp.power.powerOn', error: 'BUSY_ENTITY', times: 2 },
          { operation: 'vApp.metadata.post', error: 503, times: 1 },
        ],
      },
    });
    client = simClient(h.sim, h.clock);
    const vappHref = await deployed('lab-busy');

    const metadata = await client.cloud.setMetadata(vappHref, { 'labbot.id': 'busy' });
    expect(metadata).toBeDefined();
    await client.cloud.waitForTask(await client.cloud.startPowerOn(vappHref));

    expect((await client.cloud.getVApp(vappHref))?.powerState).toBe('powered_on');
    const retries = client.logger.lines.filter((l) => l.message === 'VCD call will be retried');
    expect(retries).toHaveLength(3);
    expect(h.sim.faults.snapshot().errors?.map((e) => e.times)).toEqual([0, 0]);
  });

  it('retries OPERATION_LIMITS_EXCEEDED from the org limit until a slot frees up', async () => {
    h = await startHarness({ speedFactor: 100, maxConcurrentTasks: 1 });
    client = simClient(h.sim, h.clock);
    const first = await deployed('lab-one');
    // One task in flight fills the org; the next call is refused until the first task ends (on the shared clock).
    const powering = await client.cloud.startPowerOn(first);
    const second = await client.cloud.startDeploy({
      vappName: 'lab-two',
      description: 'lab',
      templateName: 'esxi7-single',
      runtimeLeaseSeconds: 3600,
    });
    await client.cloud.waitForTask(powering);
    await client.cloud.waitForTask(second.task);
    expect(
      client.logger.lines.some(
        (l) =>
          l.message === 'VCD call will be retried' &&
          String((l.fields as { reason?: string }).reason).includes('OPERATION_LIMITS_EXCEEDED'),
      ),
    ).toBe(true);
  });

  it('logs in again after the simulator expires every session, and carries on', async () => {
    h = await startHarness({ speedFactor: 100 });
    client = simClient(h.sim, h.clock);
    const vappHref = await deployed('lab-relogin');
    const loginsBefore = h.sim.state.sessions.opened;

    h.sim.faults.configure({ expireSessions: true });
    expect(h.sim.state.sessions.size).toBe(0);
    expect((await client.cloud.getVApp(vappHref))?.name).toBe('lab-relogin');

    expect(h.sim.state.sessions.opened).toBe(loginsBefore + 1);
    expect(client.logger.lines.some((l) => l.message === 'VCD session rejected; logging in again')).toBe(
      true,
    );
  });

  it('reports a task the simulator fails as VcdTaskFailedError with the task Error', async () => {
    h = await startHarness({
      speedFactor: 100,
      faults: {
        taskFailures: [
          {
            operationName: 'vappDeploy',
            majorErrorCode: 500,
            minorErrorCode: 'INTERNAL_SERVER_ERROR',
            message: 'Simulated: no host can run the VM.',
          },
        ],
      },
    });
    client = simClient(h.sim, h.clock);
    const vappHref = await deployed('lab-fail');

    const failure = await client.cloud
      .waitForTask(await client.cloud.startPowerOn(vappHref))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(VcdTaskFailedError);
    expect(failure).toMatchObject({
      status: 'error',
      operation: 'vappDeploy',
      taskError: { minorErrorCode: 'INTERNAL_SERVER_ERROR', message: 'Simulated: no host can run the VM.' },
    });
    expect((await client.cloud.getVApp(vappHref))?.powerState).toBe('powered_off');
  });

  it('retries a dropped connection, and gives up with VcdUnavailableError when every attempt is dropped', async () => {
    h = await startHarness({ speedFactor: 100 });
    client = simClient(h.sim, h.clock, { retryBudgetMs: 20_000 });
    const vappHref = await deployed('lab-drop');

    h.sim.faults.configure({ drops: [{ operation: 'vApp.get', times: 2 }] });
    expect((await client.cloud.getVApp(vappHref))?.name).toBe('lab-drop');
    expect(h.sim.faults.snapshot().drops?.[0]?.times).toBe(0);

    h.sim.faults.configure({ drops: [{ operation: 'vApp.get' }] });
    const failure = await client.cloud.getVApp(vappHref).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(VcdUnavailableError);
    expect((failure as VcdUnavailableError).code).toBe('ECONNRESET');
  });
});

describe('vcdsim fault randomness', () => {
  it('sees the fault rate the seed decides, the same on every run', async () => {
    const outcomes = async (): Promise<string[]> => {
      const harness = await startHarness({
        seed: 42,
        faults: { errors: [{ operation: 'versions', error: 500, rate: 0.5 }] },
      });
      const seen: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        seen.push(String((await harness.api.get('/api/versions', { anonymous: true })).status));
      }
      await harness.close();
      return seen;
    };
    const first = await outcomes();
    expect(new Set(first)).toEqual(new Set(['200', '500']));
    expect(await outcomes()).toEqual(first);
  });
});
