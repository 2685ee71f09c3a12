import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { CloudError } from '../../src/labs/errors';
import { type Lab } from '../../src/labs/lab';
import { LabService } from '../../src/labs/lab-service';
import { type LabEvent, type LabNotifier } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { FakeCloud } from '../helpers/fake-cloud';
import { MemoryAudit } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

class AdminInbox implements LabNotifier {
  readonly admins: string[] = [];
  labChanged(_lab: Lab, _event: LabEvent): Promise<void> {
    return Promise.resolve();
  }
  tellAdmins(message: string): Promise<void> {
    this.admins.push(message);
    return Promise.resolve();
  }
}

const FIVE_MINUTES = 5 * 60_000;

/** A controller of installation `install-a` over a fake cloud, with labs deployed and ready. */
async function world(labs = 1, installationId = 'install-a') {
  const store = new MemoryLabStore();
  const cloud = new FakeCloud();
  const clock = new ManualClock();
  const notifier = new AdminInbox();
  const audit = new MemoryAudit();
  const policy = { ...DEFAULT_POLICY, limits: { maxLabsPerUser: 50, maxHourlySpendPerUser: 1000 } };
  const controller = new LabController({
    installationId,
    store,
    cloud,
    notifier,
    clock,
    sleep: () => Promise.resolve(),
    logger: createSilentLogger(),
    policy,
    audit,
  });
  const service = new LabService({
    store,
    waker: controller,
    clock,
    random: sequenceRandom([0.11, 0.42, 0.73, 0.24, 0.95, 0.36, 0.57, 0.68, 0.19]),
    policy,
    audit,
  });
  const ids: string[] = [];
  for (let i = 0; i < labs; i++) {
    ids.push((await service.deploy({ user: `U${i}`, kind: 'demo' })).lab.id);
  }
  await controller.idle();
  const phases = async () => Promise.all(ids.map(async (id) => (await store.get(id))?.phase));
  return { store, cloud, clock, notifier, audit, controller, service, ids, phases };
}

describe('controller: reconciliation guards (issue 14)', () => {
  it('closes nothing when listing the vApps answers 403 or 5xx', async () => {
    const w = await world(2);
    w.cloud.vapps.clear();
    w.cloud.failNext(
      'listManagedVApps',
      new CloudError('api', 'GET /api/query failed: 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN'),
    );
    w.cloud.failNext('listManagedVApps', new CloudError('unavailable', 'VCD answered 503'));

    await expect(w.controller.reconcile()).rejects.toThrow(/403/);
    w.clock.advance(FIVE_MINUTES);
    await expect(w.controller.reconcile()).rejects.toThrow(/503/);

    expect(await w.phases()).toEqual(['ready', 'ready']);
    expect(w.audit.actions().filter((a) => a.includes('close-vanished'))).toEqual([]);
  });

  it('closes nothing when checking a missing vApp answers 403 or 5xx, on any number of passes', async () => {
    const w = await world(1);
    w.cloud.vapps.clear();
    for (const error of [
      new CloudError('api', 'GET /api/query failed: 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN'),
      new CloudError('unavailable', 'VCD answered 502'),
      new CloudError('api', 'GET /api/query failed: 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN'),
    ]) {
      w.cloud.failNext('isVAppGone', error);
      const report = await w.controller.reconcile();
      expect(report).toMatchObject({ closedVanished: [], unchecked: w.ids });
      w.clock.advance(FIVE_MINUTES);
    }
    expect(await w.phases()).toEqual(['ready']);
  });

  it('does not close a lab whose vApp was missing on one pass only, and forgets that sighting', async () => {
    const w = await world(1);
    const [vapp] = [...w.cloud.vapps.values()];
    w.cloud.vapps.clear();
    expect((await w.controller.reconcile()).vanishing).toEqual(w.ids);
    // Back on the next pass (a VCD hiccup, a listing that missed it): the sighting is forgotten…
    w.cloud.vapps.set(vapp!.href, vapp!);
    w.clock.advance(FIVE_MINUTES);
    expect((await w.controller.reconcile()).closedVanished).toEqual([]);
    // …so a later single miss starts the wait over instead of closing at once.
    w.cloud.vapps.clear();
    w.clock.advance(FIVE_MINUTES);
    const report = await w.controller.reconcile();

    expect(report).toMatchObject({ closedVanished: [], vanishing: w.ids });
    expect(await w.phases()).toEqual(['ready']);
    expect(w.audit.actions().filter((a) => a.includes('vanish-sighted'))).toHaveLength(2);
  });

  it('does not close on two passes closer together than the confirmation delay', async () => {
    const w = await world(1);
    w.cloud.vapps.clear();
    await w.controller.reconcile();
    w.clock.advance(FIVE_MINUTES - 1);
    expect((await w.controller.reconcile()).closedVanished).toEqual([]);
    w.clock.advance(1);
    expect((await w.controller.reconcile()).closedVanished).toEqual(w.ids);
    const entry = w.audit.entries.find((e) => e.action === 'close-vanished');
    expect(entry?.detail).toMatch(
      /not found in VCD on passes at 2026-11-24T09:00:00\.000Z and 2026-11-24T09:05:00\.000Z/,
    );
  });

  it('closes nothing when more labs vanished than the cap allows, and tells the admins', async () => {
    const w = await world(7);
    w.cloud.vapps.clear();
    await w.controller.reconcile();
    w.clock.advance(FIVE_MINUTES);

    const report = await w.controller.reconcile();

    expect(report.closedVanished).toEqual([]);
    expect([...report.held].sort()).toEqual([...w.ids].sort());
    expect(new Set(await w.phases())).toEqual(new Set(['ready']));
    expect(w.notifier.admins.at(-1)).toMatch(
      /Reconciliation did nothing this pass: 7 vanished lab\(s\) to close and 0 ended lab\(s\) to delete exceed the cap of 5 per pass.*wrong VCD/,
    );
    expect(w.audit.actions().filter((a) => a.includes('reconcile-held'))).toHaveLength(7);

    // Held again on the next pass: still nothing done, and the admins are not told the same thing every minute.
    const told = w.notifier.admins.length;
    w.clock.advance(60_000);
    expect((await w.controller.reconcile()).closedVanished).toEqual([]);
    expect(w.notifier.admins).toHaveLength(told);
  });

  it('closes vanished labs up to the cap', async () => {
    const w = await world(5);
    w.cloud.vapps.clear();
    await w.controller.reconcile();
    w.clock.advance(FIVE_MINUTES);

    const report = await w.controller.reconcile();

    expect([...report.closedVanished].sort()).toEqual([...w.ids].sort());
    expect(new Set(await w.phases())).toEqual(new Set(['deleted']));
  });

  it('never adopts, closes, deletes or retags a vApp of another installation', async () => {
    const w = await world(0);
    const theirs = w.cloud.plant(
      'lab-demo-theirs',
      { 'labbot.installation': 'install-b', 'labbot.id': 'demo-theirs', 'labbot.owner': 'U9' },
      'powered_off',
    );
    const before = w.cloud.calls.length;

    for (let pass = 0; pass < 3; pass++) {
      const report = await w.controller.reconcile();
      expect(report).toMatchObject({ adopted: [], foreign: [theirs.href], retagged: [] });
      w.clock.advance(2 * 60 * 60_000);
    }
    await w.controller.idle();

    expect(await w.store.get('demo-theirs')).toBeUndefined();
    expect(w.cloud.vapps.get(theirs.href)?.powerState).toBe('powered_off');
    expect(w.cloud.calls.slice(before).filter((c) => c.includes(theirs.href))).toEqual([]);
  });

  it('does not adopt a vApp without an installation id that it has no lab for, and tells the admins once', async () => {
    const w = await world(0);
    const legacy = w.cloud.plant(
      'lab-demo-old',
      { 'labbot.id': 'demo-old', 'labbot.owner': 'U9' },
      'powered_off',
    );

    const first = await w.controller.reconcile();
    const second = await w.controller.reconcile();

    expect(first).toMatchObject({ adopted: [], unclaimed: [legacy.href] });
    expect(second.unclaimed).toEqual([legacy.href]);
    expect(await w.store.get('demo-old')).toBeUndefined();
    expect(w.notifier.admins).toHaveLength(1);
    expect(w.notifier.admins[0]).toMatch(
      /lab-demo-old .* no installation id.* set its metadata labbot\.installation to install-a/,
    );
    expect(w.cloud.vapps.get(legacy.href)?.powerState).toBe('powered_off');
  });

  it('retags a vApp created before installation ids whose lab this store has', async () => {
    const w = await world(1);
    const [vapp] = [...w.cloud.vapps.values()];
    const { 'labbot.installation': _dropped, ...legacy } = w.cloud.metadata.get(vapp!.href) ?? {};
    w.cloud.metadata.set(vapp!.href, legacy);

    const report = await w.controller.reconcile();

    expect(report.retagged).toEqual(w.ids);
    expect(w.cloud.metadata.get(vapp!.href)?.['labbot.installation']).toBe('install-a');
    expect(w.audit.entries.find((e) => e.action === 'retag')?.detail).toMatch(/labbot\.installation/);
  });

  it('adopts a powered-off vApp of this installation as suspended, deletes nothing, and asks the admins', async () => {
    const w = await world(0);
    const lost = w.cloud.plant(
      'lab-demo-lost',
      {
        'labbot.installation': 'install-a',
        'labbot.id': 'demo-lost',
        'labbot.owner': 'U9',
        'labbot.kind': 'demo',
      },
      'powered_off',
    );

    const report = await w.controller.reconcile();
    await w.controller.idle();

    expect(report.adopted).toEqual(['demo-lost']);
    expect(await w.store.get('demo-lost')).toMatchObject({ phase: 'suspended', desired: 'suspended' });
    expect(w.cloud.vapps.has(lost.href)).toBe(true);
    expect(w.cloud.calls.filter((c) => /startDelete|startUndeploy/.test(c))).toEqual([]);
    expect(w.notifier.admins[0]).toMatch(
      /Adopted lab demo-lost .*keeps it as suspended.*\/lab teardown demo-lost/,
    );
  });

  it('deletes an ended lab’s remaining vApp only after the grace, warning the admins once', async () => {
    const w = await world(2);
    for (const id of w.ids) {
      await w.store.update({ ...(await w.store.get(id))!, phase: 'deleted', endedAt: w.clock.now() });
    }
    const first = await w.controller.reconcile();
    expect([...first.ending].sort()).toEqual([...w.ids].sort());
    expect(w.notifier.admins.filter((m) => /still exists and bills/.test(m))).toHaveLength(2);
    w.clock.advance(30 * 60_000);
    expect((await w.controller.reconcile()).reopened).toEqual([]);
    w.clock.advance(30 * 60_000);

    const report = await w.controller.reconcile();
    await w.controller.idle();

    expect([...report.reopened].sort()).toEqual([...w.ids].sort());
    expect(w.cloud.vapps.size).toBe(0);
    expect(w.notifier.admins.filter((m) => /still exists and bills/.test(m))).toHaveLength(2);
    expect(w.audit.entries.find((e) => e.action === 'reopen')?.detail).toMatch(/grace of 60 minutes over/);
  });
});
