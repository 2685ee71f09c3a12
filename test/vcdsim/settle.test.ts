/**
 * Settling without a scan of the world (SimState with its LeaseWatch): runtime leases end in the order they ran out,
 * the older vApp first on a tie, also after waiting for a task; new lease settings move the end; a deleted vApp's
 * lease ends nothing. In process, on an injected clock.
 */
import { STATUS } from '../../src/vcdsim/media-types';
import { type SimTask, type SimVApp } from '../../src/vcdsim/model';
import { instantiateVApp } from '../../src/vcdsim/operations/instantiate-vapp';
import { updateLeaseSettings } from '../../src/vcdsim/operations/lease-operations';
import { updateMetadata } from '../../src/vcdsim/operations/metadata-operations';
import { SimState } from '../../src/vcdsim/sim-state';

const START = Date.parse('2026-11-24T09:00:00Z');

function world(speedFactor = 1): { state: SimState; clock: { ms: number } } {
  const clock = { ms: START };
  const state = new SimState({
    orgName: 'lab',
    vdcs: [{ name: 'lab-vdc', cpuLimitMhz: 0, memoryLimitMb: 0, storageLimitMb: 0 }],
    catalogName: 'labs',
    userName: 'admin',
    password: 'admin',
    apiToken: 'token',
    speedFactor,
    now: () => clock.ms,
    maxConcurrentTasks: 0,
  });
  return { state, clock };
}

/** A powered-on vApp of `esxi8-single` with this runtime lease, started now (ready when its task ends). */
function start(state: SimState, name: string, leaseSeconds: number): { vApp: SimVApp; task: SimTask } {
  const template = state.templates.find((t) => t.name === 'esxi8-single');
  return instantiateVApp(state, state.vdc.id, {
    name,
    deploy: true,
    powerOn: true,
    sourceHref: `https://sim/api/vAppTemplate/vappTemplate-${template?.id ?? ''}`,
    sourcedItems: [],
    deploymentLeaseSeconds: leaseSeconds,
  });
}

/** The system tasks that stopped vApps, in the order they started: vApp name and start. */
function stops(state: SimState): [string, number][] {
  return state
    .tasks()
    .filter((t) => t.system)
    .map((t) => [t.ownerName, t.createdAt]);
}

describe('vcdsim settling', () => {
  it('stops vApps whose leases ran out while nobody looked, in the order they ran out', () => {
    const { state, clock } = world();
    const created = ['a', 'b', 'c'].map((name, i) => start(state, name, [300, 100, 200][i] ?? 0));
    const readyAt = (created[0]?.task.createdAt ?? 0) + (created[0]?.task.durationMs ?? 0);
    clock.ms += 3_600_000;
    state.settle();
    expect(stops(state)).toEqual([
      ['b', readyAt + 100_000],
      ['c', readyAt + 200_000],
      ['a', readyAt + 300_000],
    ]);
    expect(state.vApps().map((v) => [v.name, v.status, v.deployed])).toEqual([
      ['a', STATUS.poweredOff, false],
      ['b', STATUS.poweredOff, false],
      ['c', STATUS.poweredOff, false],
    ]);
  });

  it('ends leases that run out together in creation order, also after both waited for a task', () => {
    // Slow tasks: a metadata update takes 500 s, so both leases run out while their vApps are busy.
    const { state, clock } = world(0.001);
    const older = start(state, 'older', 100);
    const younger = start(state, 'younger', 50);
    clock.ms = (older.task.createdAt ?? 0) + older.task.durationMs + 10_000;
    state.settle();
    const entry = {
      domain: 'GENERAL',
      visibility: 'READWRITE',
      type: 'MetadataStringValue',
      value: 'x',
    } as const;
    // The younger vApp's task starts first: its lease ran out first, and its task ends first.
    const first = updateMetadata(state, younger.vApp.id, [{ ...entry, key: 'k' }]);
    updateMetadata(state, older.vApp.id, [{ ...entry, key: 'k' }]);
    clock.ms += 3_600_000;
    state.settle();
    const freed = first.createdAt + first.durationMs;
    expect(stops(state)).toEqual([
      ['older', freed],
      ['younger', freed],
    ]);
  });

  it('ends a lease when its new settings say, not when the old ones did', () => {
    const { state, clock } = world();
    const shortened = start(state, 'shortened', 1000);
    const lengthened = start(state, 'lengthened', 100);
    const readyAt = shortened.task.createdAt + shortened.task.durationMs;
    clock.ms = readyAt + 50_000;
    state.settle();
    const shorten = updateLeaseSettings(state, shortened.vApp.id, { deploymentLeaseSeconds: 200 });
    const lengthen = updateLeaseSettings(state, lengthened.vApp.id, { deploymentLeaseSeconds: 1000 });
    clock.ms = readyAt + 3_600_000;
    state.settle();
    // Saved settings restart the lease from the end of their task.
    expect(stops(state)).toEqual([
      ['shortened', shorten.createdAt + shorten.durationMs + 200_000],
      ['lengthened', lengthen.createdAt + lengthen.durationMs + 1_000_000],
    ]);
  });

  it('ends nothing for a vApp taken out of the world before its lease ran out, and forgets its VMs', () => {
    const { state, clock } = world();
    const { vApp, task } = start(state, 'gone', 100);
    const vmId = vApp.vms[0]?.id ?? '';
    clock.ms = task.createdAt + task.durationMs + 10_000;
    expect(state.vmWithVApp(vmId)?.vApp).toBe(vApp);
    // As a capture's failure or the benchmarks' seeding does it (VCD's delete wants the vApp stopped first).
    state.removeVApp(vApp.id);
    clock.ms += 3_600_000;
    state.settle();
    expect(stops(state)).toEqual([]);
    expect(state.vApp(vApp.id)).toBeUndefined();
    expect(state.vmWithVApp(vmId)).toBeUndefined();
  });
});
