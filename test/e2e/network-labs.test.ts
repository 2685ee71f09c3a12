import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labReply } from '../../src/commands/lab-reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController } from '../../src/controller/lab-controller';
import { type Lab } from '../../src/labs/lab';
import { LabService } from '../../src/labs/lab-service';
import { type LabEvent, type LabNotifier } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { renderReplyText } from '../../src/shell/render-text';
import { createStore, type Store } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { startVcdSim, type EdgeOptions, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { cloudApiErrors } from '../helpers/cloudapi-schema';
import { ManualClock } from '../helpers/clock';
import { validateAgainstXsd } from '../helpers/xsd';
import { startVcdProxy, type VcdProxy } from '../reliability/vcd-proxy';

/** One kind of edge the suite runs on: the simulator's options, and how to read the edge's lab-relevant state. */
interface EdgeKind {
  name: string;
  edge: EdgeOptions;
  /** Sim operations whose answers a third of the time are BUSY_ENTITY (the writes that change the edge). */
  busyOperations: string[];
  /** Every call that changes the edge's rules in one batch (one per batch). */
  batchCall: (c: { method: string; url: string }) => boolean;
}

const KINDS: EdgeKind[] = [
  {
    name: 'NSX-V (legacy configureServices)',
    edge: { kind: 'nsxv' },
    busyOperations: ['edgeGateway.configureServices'],
    batchCall: (c) => c.method === 'POST' && c.url.includes('/action/configureServices'),
  },
  {
    name: 'NSX-T (CloudAPI)',
    edge: { kind: 'nsxt' },
    busyOperations: ['cloudapi.nat.create', 'cloudapi.firewall.put'],
    batchCall: (c) => c.method === 'PUT' && c.url.includes('/firewall/rules'),
  },
  {
    name: 'NSX-T with an IP Space',
    edge: { kind: 'nsxt', ipSpace: true },
    busyOperations: ['cloudapi.nat.create', 'cloudapi.firewall.put'],
    batchCall: (c) => c.method === 'PUT' && c.url.includes('/firewall/rules'),
  },
];

/** The Swagger definition of a CloudAPI write, by method and path. */
function definitionOf(url: string): string | undefined {
  const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '';
  const rules: [RegExp, string][] = [
    [/\/nat\/rules(\/[^/]+)?$/, 'EdgeNatRule'],
    [/\/firewall\/rules$/, 'EdgeFirewallRules'],
    [/\/firewallGroups(\/[^/]+)?$/, 'FirewallGroupDetails'],
    [/\/applicationPortProfiles(\/[^/]+)?$/, 'ApplicationPortProfile'],
    [/\/ipSpaces\/[^/]+\/allocate$/, 'IpSpaceIpAllocationRequest'],
  ];
  return rules.find(([pattern]) => pattern.test(path))?.[1];
}

/** One lab's NAT rules on the edge in the words of the legacy ones (type, public address and port, target). */
interface SeenNat {
  type: string;
  publicIp: string;
  publicPort?: string;
  target: string;
}

/**
 * Issue 8, must show 1-3 and reconciliation, and issue 13 on both edge kinds: ten labs deployed at once by two
 * replicas sharing one SQLite store, each with its own real VCD client, against the simulator (whose edge answers
 * BUSY_ENTITY while a change runs).
 */
describe.each(KINDS)('e2e: nested-ESXi networking for ten labs at once on $name', (kind) => {
  const nsxt = kind.edge.kind === 'nsxt';

  /** Everything on the edge labbot may touch: NAT, firewall, IP sets, port profiles, floating IPs. */
  function edgeState(): unknown {
    if (!nsxt) {
      return structuredClone({ nat: sim.state.edge.nat, firewall: sim.state.edge.firewall });
    }
    const world = sim.state.nsxt;
    return structuredClone({
      nat: world.natRules,
      firewall: world.userRules,
      groups: world.groups,
      profiles: world.profiles.filter((p) => p.scope === 'TENANT'),
      allocations: world.ipSpace?.allocations ?? [],
    });
  }

  function ruleCount(): number {
    return nsxt
      ? sim.state.nsxt.natRules.length + sim.state.nsxt.userRules.length
      : sim.state.edge.nat.rules.length + sim.state.edge.firewall.rules.length;
  }

  function labNat(labId: string): SeenNat[] {
    const tag = `labbot:${labId}:`;
    if (nsxt) {
      return sim.state.nsxt.natRules
        .filter((r) => r.name.startsWith(tag))
        .map((r) =>
          r.type === 'DNAT'
            ? {
                type: 'DNAT',
                publicIp: r.externalAddresses,
                publicPort: r.dnatExternalPort,
                target: r.internalAddresses,
              }
            : { type: r.type, publicIp: r.externalAddresses, target: r.internalAddresses },
        );
    }
    return sim.state.edge.nat.rules
      .filter((r) => r.description?.startsWith(tag))
      .map((r) =>
        r.ruleType === 'DNAT'
          ? {
              type: 'DNAT',
              publicIp: r.originalIp ?? '',
              publicPort: r.originalPort,
              target: r.translatedIp ?? '',
            }
          : { type: r.ruleType ?? '', publicIp: r.translatedIp ?? '', target: r.originalIp ?? '' },
      );
  }

  function labHasFirewall(labId: string): boolean {
    const tag = `labbot:${labId}:`;
    return nsxt
      ? sim.state.nsxt.userRules.some((r) => r.name.startsWith(tag))
      : sim.state.edge.firewall.rules.some((r) => r.description?.startsWith(tag));
  }

  let dataDir: string;
  let db: LabbotDatabase;
  let sim: VcdSim;
  let proxy: VcdProxy;

  afterEach(async () => {
    await proxy.close();
    await sim.close();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  class Notifier implements LabNotifier {
    readonly events: { lab: Lab; event: LabEvent }[] = [];
    labChanged(lab: Lab, event: LabEvent): Promise<void> {
      this.events.push({ lab, event });
      return Promise.resolve();
    }
    tellAdmins(): Promise<void> {
      return Promise.resolve();
    }
  }

  async function setup() {
    const clock = new ManualClock();
    sim = await startVcdSim({
      speedFactor: 1,
      now: () => clock.now().getTime(),
      maxConcurrentTasks: 0,
      // Besides the real busy edge (a change while another runs), a third of the changes are refused as busy, so
      // the retry path is walked in every run whatever the timing of the two replicas.
      faults: {
        errors: kind.busyOperations.map((operation) => ({
          operation,
          error: 'BUSY_ENTITY' as const,
          rate: 0.33,
        })),
      },
      seed: 8,
      edge: kind.edge,
    });
    proxy = await startVcdProxy(sim.url);
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-net-'));
    db = await openDatabase({ kind: 'sqlite', dataDir });
    await migrateToLatest(db);
    const logger = createSilentLogger();
    const sleep = (ms: number) => {
      clock.advance(ms);
      return Promise.resolve();
    };
    const policy = { ...DEFAULT_POLICY, limits: { maxLabsPerUser: 50, maxHourlySpendPerUser: 100 } };
    const notifier = new Notifier();
    const replica = (holder: string) => {
      const store: Store = createStore(db, { holder, now: () => clock.now() });
      const cloud = new VcdCloud({
        url: proxy.url,
        org: 'lab',
        vdc: 'lab-vdc',
        catalog: 'labs',
        networks: policy.networks,
        auth: { kind: 'token', apiToken: 'simulated-api-token' },
        simulated: true,
        logger,
        clock,
        sleep,
      });
      const controller = new LabController({
        installationId: 'install-test',
        store: store.labs,
        cloud,
        notifier,
        clock,
        sleep,
        logger,
        policy,
        claims: { store: store.claims, holder },
        publicIps: store.publicIps,
        maxConcurrentLabs: 10,
      });
      return { store, cloud, controller };
    };
    const replicas = [replica('replica-a'), replica('replica-b')];
    const first = replicas[0] as ReturnType<typeof replica>;
    let seed = 7;
    const service = new LabService({
      store: first.store.labs,
      waker: { wake: () => undefined },
      clock,
      random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
      policy,
    });
    const drive = async () => {
      await Promise.all(replicas.map((r) => r.controller.resumeAll()));
      await Promise.all(replicas.map((r) => r.controller.idle()));
    };
    return {
      clock,
      service,
      replicas,
      first,
      drive,
      notifier,
      context: { now: clock.now(), rates: policy.rates, simulated: true },
    };
  }

  it('wires ten labs (NICs, public IPs, rules, MAC tables), tears them down to the edge as it was, and validates every body', async () => {
    const { service, first, drive, notifier, context } = await setup();
    const edgeBefore = edgeState();
    const templates = [
      'esxi7',
      'esxi7',
      'esxi7',
      'esxi7',
      'esxi8',
      'esxi8',
      'esxi8',
      'esxi8',
      'vsphere8',
      'vsphere8',
    ];
    const ids: string[] = [];
    for (const [i, template] of templates.entries()) {
      ids.push((await service.deploy({ user: `U0USER${i}`, kind: 'demo', template })).lab.id);
    }

    await drive();

    const labs = await Promise.all(ids.map(async (id) => (await first.store.labs.get(id)) as Lab));
    expect(labs.map((l) => [l.id, l.phase, l.failureReason])).toEqual(
      ids.map((id) => [id, 'ready', undefined]),
    );
    // A distinct public IP per lab, from the pool.
    const ips = labs.map((l) => l.network?.publicIp ?? '');
    expect(new Set(ips).size).toBe(10);
    expect(ips.every((ip) => /^203\.0\.113\.(1\d|[2-5]\d|60)$/.test(ip))).toBe(true);
    expect((await first.store.publicIps.list()).map((a) => a.ip).sort()).toEqual([...ips].sort());

    for (const lab of labs) {
      const vapp = sim.state.findVAppByName(lab.vappName);
      const network = lab.network;
      expect(network).toBeDefined();
      // NICs: vmnic0 on Management, two E1000 on VM Network, connected, with MACs; in the simulator and in the lab.
      for (const host of network?.esxiVms ?? []) {
        const simVm = vapp?.vms.find((v) => v.name === host);
        expect(simVm?.nics.map((n) => [n.index, n.network, n.connected])).toEqual([
          [0, 'Management', true],
          [1, 'VM Network', true],
          [2, 'VM Network', true],
        ]);
        expect(simVm?.nics.slice(1).every((n) => n.adapterType === 'E1000' && /^00:50:56/.test(n.mac))).toBe(
          true,
        );
        const labVm = lab.vms.find((v) => v.name === host);
        expect(labVm?.nics.map((n) => [n.index, n.mac, n.network, n.ipAddress])).toEqual(
          simVm?.nics.map((n) => [n.index, n.mac, n.network, n.ip]),
        );
      }
      // Rules on the edge, tagged with the lab id; DNAT to the right VM's management address.
      const tagged = labNat(lab.id);
      const dnat = tagged.filter((r) => r.type === 'DNAT');
      expect(dnat.map((r) => r.publicIp)).toEqual(dnat.map(() => network?.publicIp));
      for (const point of network?.access ?? []) {
        const target = vapp?.vms
          .find((v) => v.name === point.vm)
          ?.nics.find((n) => n.network === 'Management')?.ip;
        expect(dnat).toContainEqual(
          expect.objectContaining({ publicPort: String(point.publicPort), target }),
        );
      }
      expect(tagged.some((r) => r.type === 'SNAT')).toBe(true);
      expect(labHasFirewall(lab.id)).toBe(true);
      if (kind.edge.ipSpace === true) {
        expect(sim.state.nsxt.ipSpace?.allocations.map((a) => a.value)).toContain(network?.publicIp);
      }
      // The ready message carries the MAC table exactly as the simulator's VMs have it.
      const ready = notifier.events.find((e) => e.lab.id === lab.id && e.event.type === 'ready');
      const text = renderReplyText(labReply(ready?.lab ?? lab, context, { type: 'ready' }));
      for (const host of network?.esxiVms ?? []) {
        for (const nic of vapp?.vms.find((v) => v.name === host)?.nics ?? []) {
          expect(text).toMatch(new RegExp(`vmnic${nic.index} +${nic.mac} +${nic.network}`));
        }
      }
      expect(text).toContain(`https://${network?.publicIp ?? ''}:443`);
    }
    // Batched: fewer edge changes than labs, although every lab needed one (two replicas: about one batch each).
    const batches = proxy.calls.filter(kind.batchCall);
    expect(batches.filter((c) => c.status === 202).length).toBeLessThan(10);
    // The edge answered BUSY_ENTITY, and no user saw it: every lab above is ready without a failure reason.
    expect(
      proxy.calls.filter(
        (c) => c.method !== 'GET' && c.status === 400 && (c.responseBody ?? '').includes('BUSY_ENTITY'),
      ).length,
    ).toBeGreaterThan(0);
    expect(notifier.events.filter((e) => JSON.stringify(e.event).includes('BUSY_ENTITY'))).toEqual([]);

    for (const lab of labs) {
      await service.teardown(lab.owner, lab.id);
    }
    await drive();

    for (const id of ids) {
      expect((await first.store.labs.get(id))?.phase).toBe('deleted');
    }
    expect(edgeState()).toEqual(edgeBefore);
    expect(await first.store.publicIps.list()).toEqual([]);

    // Every JSON body labbot sent validates against the 37.2 Swagger.
    const json = proxy.calls.filter(
      (c) => c.url.includes('/cloudapi/') && c.method !== 'GET' && (c.requestBody ?? '') !== '',
    );
    expect(json.length > 0).toBe(nsxt);
    for (const call of json) {
      expect(
        cloudApiErrors(definitionOf(call.url) ?? `unknown ${call.url}`, JSON.parse(call.requestBody ?? '')),
      ).toEqual([]);
    }

    // Every NetworkConnectionSection and edge configuration the client built, and every such document served.
    const built = proxy.calls.filter(
      (c) =>
        (c.method === 'PUT' && c.url.includes('/networkConnectionSection')) ||
        (c.method === 'POST' && c.url.includes('/action/configureServices')),
    );
    const served = proxy.calls.filter(
      (c) =>
        c.method === 'GET' &&
        c.status === 200 &&
        (c.url.includes('/networkConnectionSection') || /\/api\/admin\/edgeGateway\/[^/]+$/.test(c.url)),
    );
    expect(built.filter((c) => c.method === 'PUT').length).toBeGreaterThanOrEqual(4);
    expect(served.length).toBeGreaterThan(nsxt ? 4 : 10);
    const documents = [
      ...built.map((c, i) => ({ name: `built ${i} ${c.method} ${c.url}`, xml: c.requestBody ?? '' })),
      ...served.map((c, i) => ({ name: `served ${i} ${c.url}`, xml: c.responseBody ?? '' })),
    ];
    expect(validateAgainstXsd(documents).filter((r) => r.errors.length > 0)).toEqual([]);
  });

  it('never gives a lab a public address that a rule on the edge already uses, even one the store does not know', async () => {
    const { service, first, drive } = await setup();
    // Rules of a lab whose allocation the store lost (restored from an old backup): 203.0.113.10 is in use.
    await first.cloud.claimPublicIp('edge-01', 'demo-lost', '203.0.113.10');
    await first.cloud.setLabEdgeRules('edge-01', 'demo-lost', {
      nat: [
        {
          name: 'ui',
          type: 'DNAT',
          originalIp: '203.0.113.10',
          originalPort: '443',
          translatedIp: '10.10.0.99',
          translatedPort: '443',
          protocol: 'tcp',
        },
      ],
      firewall: [],
    });
    expect(await first.store.publicIps.list()).toEqual([]);

    const { lab } = await service.deploy({ user: 'U0NEW', kind: 'demo', template: 'esxi8' });
    await drive();

    expect((await first.store.labs.get(lab.id))?.network?.publicIp).toBe('203.0.113.11');
  });

  it('reconciliation leaves an unknown lab’s rules, its IP and foreign rules alone', async () => {
    const { first } = await setup();
    const rulesBefore = ruleCount();
    const orphanIp = await first.store.publicIps.allocate('demo-orphan', {
      start: '203.0.113.10',
      end: '203.0.113.60',
    });
    await first.cloud.claimPublicIp('edge-01', 'demo-orphan', orphanIp);
    await first.cloud.setLabEdgeRules('edge-01', 'demo-orphan', {
      nat: [
        {
          name: 'ui',
          type: 'DNAT',
          originalIp: orphanIp,
          originalPort: '443',
          translatedIp: '10.10.0.99',
          translatedPort: '443',
          protocol: 'tcp',
        },
      ],
      firewall: [
        { name: 'ui', sourceIp: 'Any', destinationIp: orphanIp, destinationPort: '443', protocol: 'tcp' },
      ],
    });
    expect(await first.cloud.listEdgeRuleLabs('edge-01')).toEqual(['demo-orphan']);
    expect(ruleCount()).toBe(rulesBefore + 2);

    const edgeWithOrphan = edgeState();

    const report = await first.controller.reconcile();

    // Issue 14: a lab this store does not know may be another installation's on the same edge; its rules used to be
    // removed. They stay, and the admins are told; its address stays with them (freed, it could be handed to a new lab
    // while the kept DNAT still points elsewhere, and an IP Space refuses to release a floating IP a rule uses).
    expect(report.edgeRulesRemoved).toEqual([]);
    expect(report.foreignEdgeRules).toEqual(['demo-orphan']);
    expect(report.publicIpsFreed).toEqual([]);
    expect(edgeState()).toEqual(edgeWithOrphan);
    expect(await first.store.publicIps.list()).toEqual([{ labId: 'demo-orphan', ip: orphanIp }]);
    expect(rulesBefore).toBeGreaterThan(0);
  });
});
