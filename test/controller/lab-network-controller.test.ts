import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { CloudError } from '../../src/labs/errors';
import { InProcessPublicIps } from '../../src/controller/in-process-public-ips';
import { LabController } from '../../src/controller/lab-controller';
import { LabService } from '../../src/labs/lab-service';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { MemoryAudit } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

function setup() {
  const store = new MemoryLabStore();
  const cloud = new FakeCloud();
  const clock = new ManualClock();
  const publicIps = new InProcessPublicIps();
  const admin: string[] = [];
  const controller = new LabController({
    installationId: 'install-test',
    store,
    cloud,
    notifier: {
      labChanged: () => Promise.resolve(),
      tellAdmins: (m) => {
        admin.push(m);
        return Promise.resolve();
      },
    },
    clock,
    sleep: () => Promise.resolve(),
    logger: createSilentLogger(),
    policy: DEFAULT_POLICY,
    audit: new MemoryAudit(),
    publicIps,
  });
  const service = new LabService({
    store,
    waker: controller,
    clock,
    random: sequenceRandom(),
    policy: DEFAULT_POLICY,
  });
  return { store, cloud, controller, service, publicIps, admin };
}

describe('controller: lab networking', () => {
  it('configures NICs before power-on, then IP and rules; teardown removes the rules and returns the IP first', async () => {
    const { store, cloud, controller, service, publicIps } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();

    const ready = await store.get(lab.id);
    expect(ready?.phase).toBe('ready');
    expect(ready?.vms[0]?.nics.map((n) => [n.index, n.network, n.adapterType ?? ''])).toEqual([
      [0, 'Management', ''],
      [1, 'VM Network', 'E1000'],
      [2, 'VM Network', 'E1000'],
    ]);
    expect(ready?.network).toMatchObject({
      publicIp: '203.0.113.10',
      nicsConfigured: true,
      rulesApplied: true,
      released: false,
    });
    const order = cloud.calls.map((c) => c.split(' ')[0]);
    expect(order.indexOf('configureNics')).toBeLessThan(order.indexOf('setLabEdgeRules'));
    expect(order.indexOf('setLabEdgeRules')).toBeLessThan(order.indexOf('startPowerOn'));
    expect(cloud.edgeRules.get('edge-01')?.get(lab.id)?.nat[0]).toMatchObject({
      type: 'DNAT',
      translatedIp: '10.10.0.11',
    });

    await service.teardown('U1', lab.id);
    await controller.idle();

    expect((await store.get(lab.id))?.phase).toBe('deleted');
    expect(cloud.edgeRules.get('edge-01')?.has(lab.id)).toBe(false);
    expect(await publicIps.list()).toEqual([]);
    const teardown = cloud.calls.slice(cloud.calls.indexOf(`startPowerOn ${ready?.vappHref ?? ''}`) + 1);
    expect(teardown.findIndex((c) => c.startsWith('setLabEdgeRules'))).toBeLessThan(
      teardown.findIndex((c) => c.startsWith('startUndeploy')),
    );
  });

  it('asks the edge which public addresses are in use before allocating one', async () => {
    const { store, cloud, controller, service } = setup();
    cloud.foreignEdgeAddresses.push('203.0.113.10');
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();

    expect((await store.get(lab.id))?.network?.publicIp).toBe('203.0.113.11');
    expect(cloud.calls).toContain(`edgeAddressesInUse edge-01 ${lab.id}`);
  });

  it('cleans up rules and IP when the deploy fails after they were added', async () => {
    const { store, cloud, controller, service, publicIps } = setup();
    cloud.failingTasks.push('powerOn');
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();

    const failed = await store.get(lab.id);
    expect(failed?.phase).toBe('failed');
    expect(failed?.failureReason).toMatch(/edge rules removed and public IP returned\.$/);
    expect(cloud.edgeRules.get('edge-01')?.size ?? 0).toBe(0);
    expect(await publicIps.list()).toEqual([]);
  });

  it('fails with words when the public IP pool is used up, and leaves nothing behind', async () => {
    const { store, controller, service, publicIps } = setup();
    for (let i = 10; i <= 60; i++) {
      await publicIps.allocate(`other-${i}`, DEFAULT_POLICY.edge?.publicIps ?? { start: '', end: '' });
    }
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();

    const failed = await store.get(lab.id);
    expect(failed?.failureReason).toMatch(
      /allocating a public IP: no public IP is free in 203\.0\.113\.10-203\.0\.113\.60/,
    );
    expect((await publicIps.list()).some((a) => a.labId === lab.id)).toBe(false);
  });

  it('reconciles: frees IPs of unknown labs without rules, leaves rules (another installation’s?) with their IPs and live labs’ alone', async () => {
    const { cloud, controller, service, publicIps, admin } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();
    await cloud.setLabEdgeRules('edge-01', 'demo-gone', {
      nat: [],
      firewall: [
        { name: 'x', sourceIp: 'Any', destinationIp: '203.0.113.50', destinationPort: '22', protocol: 'tcp' },
      ],
    });
    await publicIps.allocate('demo-gone', { start: '203.0.113.50', end: '203.0.113.50' });
    await publicIps.allocate('demo-lost', { start: '203.0.113.51', end: '203.0.113.51' });

    const report = await controller.reconcile();

    // Issue 14: rules tagged with a lab this store does not know used to be removed; on an edge shared by two
    // installations they are the other one's, so they stay and admins are told (once).
    expect(report.edgeRulesRemoved).toEqual([]);
    expect(report.foreignEdgeRules).toEqual(['demo-gone']);
    // The kept rules keep their address (freed, it could go to a new lab while the old DNAT still points elsewhere);
    // an unknown lab's address with no rules left is a leftover, and is freed.
    expect(report.publicIpsFreed).toEqual(['demo-lost']);
    expect([...(cloud.edgeRules.get('edge-01')?.keys() ?? [])].sort()).toEqual([lab.id, 'demo-gone'].sort());
    expect((await publicIps.list()).map((a) => a.labId).sort()).toEqual([lab.id, 'demo-gone'].sort());
    expect(admin.some((m) => /rules tagged with lab demo-gone/.test(m))).toBe(true);
    expect(admin.at(-1)).toMatch(/leftover .*: demo-lost\./);
    const again = await controller.reconcile();
    expect(again.foreignEdgeRules).toEqual(['demo-gone']);
    expect(admin.filter((m) => /rules tagged with lab demo-gone/.test(m))).toHaveLength(1);
  });

  it('reconciles: removes the rules of a lab that ended', async () => {
    const { cloud, controller, service, store } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();
    const ready = await store.get(lab.id);
    // Ended in the store (a teardown that crashed after the vApp went), its rules still on the edge.
    cloud.vapps.delete(ready?.vappHref ?? '');
    await store.update({ ...ready!, phase: 'deleted', endedAt: new Date() });

    const report = await controller.reconcile();

    expect(report.edgeRulesRemoved).toEqual([lab.id]);
    expect([...(cloud.edgeRules.get('edge-01')?.keys() ?? [])]).toEqual([]);
  });

  it('claims the public IP on the edge after the pool records it, and releases it after the rules are gone', async () => {
    const { store, cloud, controller, service, publicIps } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();
    const order = cloud.calls.map((c) => c.split(' ')[0]);
    expect(cloud.calls).toContain(`claimPublicIp edge-01 ${lab.id} 203.0.113.10`);
    expect(order.indexOf('claimPublicIp')).toBeLessThan(order.indexOf('setLabEdgeRules'));
    expect(cloud.floatingIps.get('edge-01')?.get('203.0.113.10')).toBe(lab.id);

    await service.teardown('U1', lab.id);
    await controller.idle();
    expect((await store.get(lab.id))?.phase).toBe('deleted');
    const removal = cloud.calls.lastIndexOf(`setLabEdgeRules edge-01 ${lab.id} 0`);
    const release = cloud.calls.indexOf(`releasePublicIp edge-01 ${lab.id} 203.0.113.10`);
    expect(removal).toBeGreaterThanOrEqual(0);
    expect(release).toBeGreaterThan(removal);
    expect(cloud.floatingIps.get('edge-01')?.size).toBe(0);
    expect(await publicIps.list()).toEqual([]);
  });

  it('when the claim is lost on the way, retries it with the address the pool recorded: one address, one claim', async () => {
    const { store, cloud, controller, service, publicIps } = setup();
    cloud.failNext('claimPublicIp', new CloudError('unavailable', 'connection reset'));
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await controller.idle();

    expect((await store.get(lab.id))?.phase).toBe('ready');
    expect(cloud.calls.filter((c) => c.startsWith('claimPublicIp'))).toEqual([
      `claimPublicIp edge-01 ${lab.id} 203.0.113.10`,
      `claimPublicIp edge-01 ${lab.id} 203.0.113.10`,
    ]);
    expect([...(cloud.floatingIps.get('edge-01') ?? [])]).toEqual([['203.0.113.10', lab.id]]);
    expect(await publicIps.list()).toEqual([{ labId: lab.id, ip: '203.0.113.10' }]);
  });

  it('reconciles: releases the floating IP of a lab that ended with its address still in the pool', async () => {
    const { cloud, controller, publicIps } = setup();
    await publicIps.allocate('demo-gone', { start: '203.0.113.50', end: '203.0.113.50' });
    await cloud.claimPublicIp('edge-01', 'demo-gone', '203.0.113.50');

    const report = await controller.reconcile();

    expect(report.publicIpsFreed).toEqual(['demo-gone']);
    expect(cloud.calls).toContain('releasePublicIp edge-01 demo-gone 203.0.113.50');
    expect(cloud.floatingIps.get('edge-01')?.size).toBe(0);
  });
});
