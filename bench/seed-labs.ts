/**
 * Seeds a VCD simulator and a store with thousands of labbot labs without deploying them through the API, for the
 * reaper and memory benchmarks. One vApp per template is instantiated for real (networks, NICs, MACs and pool
 * addresses as the simulator makes them); the others are copies of it with their own ids, name, MACs and metadata,
 * registered straight in the simulator's state. Copies carry no task history: the simulator keeps every task
 * forever and some of its reads scan them all, so thousands of finished seeding tasks would measure the simulator
 * rather than labbot.
 */
import { randomUUID } from 'node:crypto';
import { type Lab } from '../src/labs/lab';
import { type ManagedVcd } from '../src/labs/ports';
import { createStore } from '../src/store/create-store';
import { openDatabase } from '../src/store/database';
import { migrateToLatest } from '../src/store/migrate';
import { STATUS } from '../src/vcdsim/media-types';
import { type SimMetadataEntry, type SimVApp } from '../src/vcdsim/model';
import { instantiateVApp } from '../src/vcdsim/operations/instantiate-vapp';
import { setStatus } from '../src/vcdsim/power-state';
import { type VcdSim } from '../src/vcdsim/vcd-sim';

export interface SeedOptions {
  count: number;
  /** Base URL the bot reaches VCD at (the proxy's): the labs' vApp hrefs are written on it. */
  vcdUrl: string;
  /** Share of labs that are suspended (the rest are powered on). Default 0.25. */
  suspendedShare?: number;
  /** vApps in the VDC that are not labbot's (no metadata), as a share of `count`. Default 0.05. */
  foreignShare?: number;
  /** Every `vsphereEvery`-th lab is a 4-VM vSphere lab, the others 1-VM ESXi hosts. Default 3. */
  vsphereEvery?: number;
  now?: Date;
}

export interface SeededLabs {
  labs: Lab[];
  poweredOnLabs: number;
  suspendedLabs: number;
  /** VMs of labbot's powered-on labs: the metrics reads a reaper pass needs. */
  poweredOnVms: number;
  foreign: number;
}

/** 00:50:56:xx:xx:xx addresses above the simulator's own allocations. */
function macs(): () => string {
  let next = 0x800000;
  return () => {
    const n = next++;
    return `00:50:56:${[16, 8, 0].map((shift) => ((n >> shift) & 0xff).toString(16).padStart(2, '0')).join(':')}`;
  };
}

function metadata(entries: Record<string, string>): Map<string, SimMetadataEntry> {
  return new Map(
    Object.entries(entries).map(([key, value]) => [
      `GENERAL:${key}`,
      { domain: 'GENERAL', visibility: 'READWRITE', key, type: 'MetadataStringValue', value },
    ]),
  );
}

/**
 * Fills the simulator with `count` labbot vApps (and the foreign ones) and returns the labs to store.
 * @throws Error when the simulator lacks the `esxi8-single` or `vsphere8-lab` template.
 */
export function seedSimulator(sim: VcdSim, options: SeedOptions): SeededLabs {
  const state = sim.state;
  const now = options.now ?? new Date();
  const suspendedShare = options.suspendedShare ?? 0.25;
  const vsphereEvery = options.vsphereEvery ?? 3;
  const foreign = Math.round(options.count * (options.foreignShare ?? 0.05));
  const prototypes = new Map<string, SimVApp>();
  for (const name of ['esxi8-single', 'vsphere8-lab']) {
    const template = state.templates.find((t) => t.name === name);
    if (template === undefined) {
      throw new Error(`the simulator has no ${name} template`);
    }
    const { vApp, task } = instantiateVApp(state, state.vdc.id, {
      name: `prototype-${name}`,
      deploy: false,
      powerOn: false,
      sourceHref: `${sim.url}/api/vAppTemplate/vappTemplate-${template.id}`,
      sourcedItems: [],
    });
    // Take it out of the world: only its shape is used.
    state.cancelTask(task);
    state.removeVApp(vApp.id);
    prototypes.set(name, vApp);
  }
  const nextMac = macs();
  const copy = (proto: SimVApp, name: string, entries: Record<string, string>): SimVApp => {
    const networks = proto.networks.map((n) => ({ ...n, id: randomUUID() }));
    const vApp: SimVApp = {
      ...proto,
      id: randomUUID(),
      name,
      description: entries['labbot.id'] !== undefined ? `labbot lab ${entries['labbot.id']}` : 'not labbot',
      createdAt: now.getTime() - 30 * 60_000,
      vms: proto.vms.map((vm) => ({
        ...vm,
        id: randomUUID(),
        nics: vm.nics.map((nic) => {
          const { ip: _ip, ipPoolNetworkId: _pool, ...rest } = nic;
          return { ...rest, mac: nextMac() };
        }),
        usage: { ...vm.usage, since: now.getTime() },
      })),
      networks,
      deploymentLeaseSeconds: 0,
      storageLeaseSeconds: 0,
      storageLeaseStartedAt: now.getTime(),
      metadata: metadata(entries),
    };
    state.addVApp(vApp);
    return vApp;
  };

  const labs: Lab[] = [];
  let poweredOnLabs = 0;
  let suspendedLabs = 0;
  let poweredOnVms = 0;
  const suspendEvery = suspendedShare > 0 ? Math.round(1 / suspendedShare) : Infinity;
  for (let i = 0; i < options.count + foreign; i++) {
    const vsphere = i % vsphereEvery === 0;
    const proto = prototypes.get(vsphere ? 'vsphere8-lab' : 'esxi8-single');
    if (proto === undefined) {
      throw new Error('prototype missing');
    }
    if (i >= options.count) {
      const vApp = copy(proto, `someone-elses-${i}`, {});
      setStatus(vApp, STATUS.poweredOn, true, now.getTime());
      continue;
    }
    const id = `bench-${String(i).padStart(5, '0')}`;
    const suspended = i % suspendEvery === suspendEvery - 1;
    const kind = vsphere ? 'demo' : 'repro';
    const owner = `U0OWNER${String(i % 50).padStart(2, '0')}`;
    const expiresAt = new Date(now.getTime() + 4 * 3_600_000);
    const vApp = copy(proto, `lab-${id}`, {
      'labbot.installation': BENCH_INSTALLATION,
      'labbot.id': id,
      'labbot.owner': owner,
      'labbot.kind': kind,
      'labbot.expiresAt': expiresAt.toISOString(),
    });
    setStatus(vApp, suspended ? STATUS.suspended : STATUS.poweredOn, true, now.getTime() - 25 * 60_000);
    if (suspended) {
      suspendedLabs += 1;
    } else {
      poweredOnLabs += 1;
      poweredOnVms += vApp.vms.length;
    }
    labs.push({
      id,
      kind,
      owner,
      template: vsphere ? 'vsphere8' : 'esxi8',
      vappName: vApp.name,
      vappHref: `${options.vcdUrl}/api/vApp/vapp-${vApp.id}`,
      desired: suspended ? 'suspended' : 'running',
      phase: suspended ? 'suspended' : 'ready',
      createdAt: new Date(now.getTime() - 30 * 60_000),
      readyAt: new Date(now.getTime() - 25 * 60_000),
      expiresAt,
      vms: [],
      spec: vsphere
        ? { vcpus: 12, memoryGb: 50, storageGb: 440 }
        : { vcpus: 4, memoryGb: 16, storageGb: 100 },
      extensions: 0,
      poweredOnMs: suspended ? 25 * 60_000 : 0,
      ...(suspended ? {} : { poweredOnSince: new Date(now.getTime() - 25 * 60_000) }),
      // Used a minute ago: a reaper pass keeps every lab, so it measures the reading, not the acting.
      lastActivityAt: new Date(now.getTime() - 60_000),
    });
  }
  return { labs, poweredOnLabs, suspendedLabs, poweredOnVms, foreign };
}

/**
 * The installation id the seeded vApps carry (`labbot.installation`) and, given its VCD, the seeded store records:
 * a bot started on the seed finds its own vApps, rather than tagging every one at start as an upgrade would.
 */
export const BENCH_INSTALLATION = 'bench-installation';

/**
 * Writes the labs into a fresh, migrated SQLite store in `dataDir` (labbot's default database); with `vcd` (the VCD
 * the bot will be configured for), also the installation that created them.
 */
export async function seedStore(dataDir: string, labs: readonly Lab[], vcd?: ManagedVcd): Promise<void> {
  const db = await openDatabase({ kind: 'sqlite', dataDir });
  await migrateToLatest(db);
  const store = createStore(db, { holder: 'bench-seed', now: () => new Date() });
  try {
    if (vcd !== undefined) {
      await store.installation.ensure({ id: BENCH_INSTALLATION, vcd, createdAt: new Date() });
    }
    for (const lab of labs) {
      await store.labs.insert(lab);
    }
  } finally {
    await store.labs.close();
  }
}

/**
 * Makes the simulator's reads O(1) again for a seeded world. It settles (ends due tasks, expires leases) on every
 * lookup by scanning all vApps and tasks, several times per request, so at 5,000 vApps one metrics read costs
 * milliseconds and a reaper pass measures the simulator for an hour. A seeded world has no task in flight and no
 * runtime lease, so settling is a no-op there; this skips it until the first task starts (then every settle is real
 * again). Instance fields only: the simulator's code is untouched.
 */
export function skipIdleSettling(sim: VcdSim): void {
  const state = sim.state;
  if (state.tasks().some((t) => t.finalStatus === undefined)) {
    throw new Error('a task is in flight: settling is not a no-op');
  }
  if (state.vApps().some((v) => v.deployed && v.deploymentLeaseSeconds > 0)) {
    throw new Error('a vApp has a runtime lease: settling is not a no-op');
  }
  const settle = state.settle.bind(state);
  const startTask = state.startTask.bind(state);
  let busy = false;
  state.startTask = (spec) => {
    busy = true;
    return startTask(spec);
  };
  state.settle = () => {
    if (busy) {
      settle();
    }
  };
}
