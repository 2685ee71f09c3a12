/**
 * Leases: LeaseSettingsSection GET/PUT (202 + task), expirations computed from the injected clock, and the runtime
 * lease running out, when the simulator stops the vApp itself as VCD does.
 */
import { type XmlNode } from '../../src/vcd/wire/xml';
import {
  MEDIA_LEASE,
  MEDIA_METADATA_VALUE,
  child,
  childrenOf,
  instantiate,
  instantiateBody,
  leaseBody,
  lookups,
  metadataValueBody,
  rels,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

const START = Date.parse('2026-11-24T09:00:00Z');

function lease(xml: XmlNode | undefined): Record<string, string | undefined> {
  return Object.fromEntries(
    [
      'DeploymentLeaseInSeconds',
      'StorageLeaseInSeconds',
      'DeploymentLeaseExpiration',
      'StorageLeaseExpiration',
    ].map((name) => [name, child(xml, name)?.text]),
  );
}

describe('vcdsim leases', () => {
  let h: Harness;
  let vAppHref: string;

  async function create(options: { powerOn: boolean; leaseSeconds: number }): Promise<string> {
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({
        name: 'lab-lease',
        templateHref: templates.get('esxi8-single') ?? '',
        networks,
        powerOn: options.powerOn,
        deploymentLeaseSeconds: options.leaseSeconds,
      }),
    );
    // The instantiation (8 s) and power-on (4 s) end exactly 12 s after START.
    h.clock.advance(12_000);
    await waitTask(h.api, h.clock, created.taskHref);
    return created.vAppHref;
  }

  beforeEach(async () => {
    h = await startHarness({ sessionIdleTimeoutMs: 7 * 24 * 3600_000 });
    await h.api.login();
  });

  afterEach(async () => {
    await h.close();
  });

  it('computes the expirations from when the vApp was deployed and when its storage lease began', async () => {
    vAppHref = await create({ powerOn: true, leaseSeconds: 7200 });
    const res = await h.api.get(`${vAppHref}/leaseSettingsSection/`);
    expect(rels(res.xml)).toEqual(['edit']);
    expect(lease(res.xml)).toEqual({
      DeploymentLeaseInSeconds: '7200',
      StorageLeaseInSeconds: '86400',
      DeploymentLeaseExpiration: new Date(START + 12_000 + 7200_000).toISOString(),
      StorageLeaseExpiration: new Date(START + 86400_000).toISOString(),
    });
  });

  it('saves new leases with a PUT and a vappUpdateVApp task, which renews them from its end', async () => {
    vAppHref = await create({ powerOn: true, leaseSeconds: 7200 });
    h.clock.advance(3600_000);
    const put = await h.api.put(`${vAppHref}/leaseSettingsSection/`, leaseBody(14400), MEDIA_LEASE);
    expect(put.status).toBe(202);
    expect(put.xml?.attributes).toMatchObject({ operationName: 'vappUpdateVApp', status: 'running' });
    expect(put.headers.get('location')).toBe(put.xml?.attributes['href']);
    expect(rels((await h.api.get(`${vAppHref}/leaseSettingsSection/`)).xml)).toEqual([]);
    const done = await waitTask(h.api, h.clock, put.headers.get('location') ?? '', 100);
    const endedAt = Date.parse(done.attributes['endTime'] ?? '');
    expect(lease((await h.api.get(`${vAppHref}/leaseSettingsSection/`)).xml)).toMatchObject({
      DeploymentLeaseInSeconds: '14400',
      // Not sent: kept.
      StorageLeaseInSeconds: '86400',
      DeploymentLeaseExpiration: new Date(endedAt + 14400_000).toISOString(),
      StorageLeaseExpiration: new Date(endedAt + 86400_000).toISOString(),
    });

    const negative = await h.api.put(`${vAppHref}/leaseSettingsSection/`, leaseBody(-1), MEDIA_LEASE);
    expect(negative.status).toBe(400);
    const unordered = leaseBody(1, 2).replace(
      /(<DeploymentLeaseInSeconds>1<\/DeploymentLeaseInSeconds>)\s*(<StorageLeaseInSeconds>2<\/StorageLeaseInSeconds>)/,
      '$2$1',
    );
    expect((await h.api.put(`${vAppHref}/leaseSettingsSection/`, unordered, MEDIA_LEASE)).status).toBe(400);
  });

  it('stops the vApp when its runtime lease runs out, with a task of its own, and shows no expiration after', async () => {
    vAppHref = await create({ powerOn: true, leaseSeconds: 3600 });
    h.clock.advance(3600_000 - 1);
    expect((await h.api.get(vAppHref)).xml?.attributes).toMatchObject({ status: '4', deployed: 'true' });
    h.clock.advance(2);
    // VCD's own undeploy is running: the vApp is busy and still deployed.
    const stopping = await h.api.get(vAppHref);
    const task = child(child(stopping.xml, 'Tasks'), 'Task');
    expect(task?.attributes).toMatchObject({ operationName: 'vappUndeployPowerOff', status: 'running' });
    expect(child(task, 'User')?.attributes['name']).toBe('system');
    h.clock.advance(3000);
    const stopped = await h.api.get(vAppHref);
    expect(stopped.xml?.attributes).toMatchObject({ status: '8', deployed: 'false' });
    expect(lease((await h.api.get(`${vAppHref}/leaseSettingsSection/`)).xml).DeploymentLeaseExpiration).toBe(
      undefined,
    );
    // The stop shows in the records as the vApp's last task.
    const record = childrenOf((await h.api.get('/api/query?type=vApp')).xml, 'VAppRecord')[0];
    expect(record?.attributes).toMatchObject({
      status: 'POWERED_OFF',
      isDeployed: 'false',
      taskStatusName: 'vappUndeployPowerOff',
      taskStatus: 'success',
    });
  });

  it('stops it even when nobody looks until long after, and waits for a running task first', async () => {
    vAppHref = await create({ powerOn: true, leaseSeconds: 60 });
    // The lease runs out 60 s after deployment, while this metadata update (500 ms) is still running.
    h.clock.advance(59_800);
    const put = await h.api.put(
      `${vAppHref}/metadata/labbot.id`,
      metadataValueBody('x'),
      MEDIA_METADATA_VALUE,
    );
    expect(put.status).toBe(202);
    h.clock.advance(3 * 24 * 3600_000);
    const after = await h.api.get(vAppHref);
    expect(after.xml?.attributes).toMatchObject({ status: '8', deployed: 'false' });
    const [update, stop] = h.sim.state.tasks().slice(-2);
    expect([update?.operationName, update?.finalStatus]).toEqual(['metadataUpdate', 'success']);
    expect([stop?.operationName, stop?.finalStatus, stop?.system]).toEqual([
      'vappUndeployPowerOff',
      'success',
      true,
    ]);
    expect(stop?.createdAt).toBe(update?.endedAt);
  });

  it('suspends instead when the org says so, and a lease of 0 never runs out', async () => {
    await h.close();
    h = await startHarness({ runtimeLeaseExpiryAction: 'suspend', sessionIdleTimeoutMs: 7 * 24 * 3600_000 });
    await h.api.login();
    vAppHref = await create({ powerOn: true, leaseSeconds: 600 });
    h.clock.advance(700_000);
    expect((await h.api.get(vAppHref)).xml?.attributes).toMatchObject({ status: '3', deployed: 'false' });

    await h.api.delete(vAppHref);
    h.clock.advance(10_000);
    vAppHref = await create({ powerOn: true, leaseSeconds: 0 });
    h.clock.advance(30 * 24 * 3600_000);
    // A month of silence also ended the session.
    await h.api.login();
    expect((await h.api.get(vAppHref)).xml?.attributes).toMatchObject({ status: '4', deployed: 'true' });
  });
});
