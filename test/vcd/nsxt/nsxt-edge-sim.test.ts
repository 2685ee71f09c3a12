/**
 * The NSX-T writer through VcdCloud against the simulator's CloudAPI over real HTTP, on one fake clock: rules land as
 * NSX-T objects, the person's seeded rules are never touched, teardown leaves the edge exactly as it was, and every
 * JSON body labbot sends validates against the 37.2 Swagger.
 */
import { type LabEdgeRules } from '../../../src/labs/ports';
import { VcdHttp, type VcdRequest } from '../../../src/vcd/vcd-http';
import { findNetworkByCloudApi } from '../../../src/vcd/nsxt/edge-lookup';
import { VcdCloud } from '../../../src/vcd/vcd-cloud';
import { startVcdSim, type EdgeOptions, type VcdSim } from '../../../src/vcdsim/vcd-sim';
import { cloudApiErrors } from '../../helpers/cloudapi-schema';
import { startVcdProxy, type VcdProxy } from '../../reliability/vcd-proxy';
import { recordingLogger } from '../../helpers/logger';

let sim: VcdSim;
let cloud: VcdCloud;
let now: number;
let sent: VcdRequest[];
let proxy: VcdProxy | undefined;

async function start(
  edge: EdgeOptions,
  beforeForward?: (call: { method: string; url: string }) => void,
): Promise<void> {
  now = Date.parse('2026-12-02T09:00:00Z');
  sim = await startVcdSim({ port: 0, now: () => now, speedFactor: 10, edge });
  proxy = beforeForward === undefined ? undefined : await startVcdProxy(sim.url, beforeForward);
  cloud = new VcdCloud({
    url: proxy?.url ?? sim.url,
    org: 'lab',
    vdc: 'lab-vdc',
    catalog: 'labs',
    auth: { kind: 'token', apiToken: 'simulated-api-token' },
    simulated: true,
    logger: recordingLogger(),
    clock: { now: () => new Date(now) },
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  });
}

beforeEach(() => {
  sent = [];
  const original = VcdHttp.prototype.request;
  jest.spyOn(VcdHttp.prototype, 'request').mockImplementation(function (this: VcdHttp, request: VcdRequest) {
    sent.push(request);
    return original.call(this, request);
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  cloud.close();
  await proxy?.close();
  await sim.close();
});

/** The Swagger definition of a CloudAPI write, by method and path. */
function definitionOf(request: VcdRequest): string | undefined {
  const path = request.path.replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '';
  const rules: [RegExp, string][] = [
    [/\/nat\/rules(\/[^/]+)?$/, 'EdgeNatRule'],
    [/\/firewall\/rules$/, 'EdgeFirewallRules'],
    [/\/firewallGroups(\/[^/]+)?$/, 'FirewallGroupDetails'],
    [/\/applicationPortProfiles(\/[^/]+)?$/, 'ApplicationPortProfile'],
    [/\/ipSpaces\/[^/]+\/allocate$/, 'IpSpaceIpAllocationRequest'],
  ];
  return rules.find(([pattern]) => pattern.test(path))?.[1];
}

function expectBodiesValid(): void {
  const writes = sent.filter((r) => r.path.includes('/cloudapi/') && r.body !== undefined);
  expect(writes.length).toBeGreaterThan(0);
  for (const request of writes) {
    const definition = definitionOf(request);
    expect([request.method, request.path, definition]).toEqual([
      request.method,
      request.path,
      expect.any(String),
    ]);
    expect(cloudApiErrors(definition ?? '', JSON.parse(request.body ?? '{}'))).toEqual([]);
  }
}

/** Everything on the edge labbot may change, ids and versions left out, to diff before and after. */
function edgeState(): unknown {
  const world = sim.state.nsxt;
  const strip = <T extends object>(o: T): Partial<T> => {
    const { id: _id, version: _version, ...rest } = o as T & { id?: string; version?: number };
    return rest as Partial<T>;
  };
  return {
    nat: world.natRules.map(strip),
    firewall: world.userRules.map(strip),
    groups: world.groups.map(strip),
    profiles: world.profiles.filter((p) => p.scope === 'TENANT').map(strip),
    allocations: (world.ipSpace?.allocations ?? []).map((a) => a.value),
  };
}

function personRules(): unknown {
  const world = sim.state.nsxt;
  return {
    nat: world.natRules.filter((r) => r.origin === 'person'),
    firewall: world.userRules.filter((r) => r.origin === 'person'),
    groups: world.groups.filter((g) => g.origin === 'person'),
  };
}

function labRules(
  publicIp: string,
  internal: string,
  sources = ['198.51.100.0/24', '192.0.2.7'],
): LabEdgeRules {
  return {
    nat: [
      {
        name: 'https',
        type: 'DNAT',
        originalIp: publicIp,
        originalPort: '443',
        translatedIp: internal,
        translatedPort: '443',
        protocol: 'tcp',
      },
      {
        name: 'ssh',
        type: 'DNAT',
        originalIp: publicIp,
        originalPort: '2222',
        translatedIp: internal,
        translatedPort: '22',
        protocol: 'tcp',
      },
      { name: 'out', type: 'SNAT', originalIp: '10.20.0.11', translatedIp: publicIp, protocol: 'any' },
    ],
    firewall: [
      ...sources.map((sourceIp) => ({
        name: 'https',
        sourceIp,
        destinationIp: publicIp,
        destinationPort: '443',
        protocol: 'tcp' as const,
      })),
      { name: 'ssh', sourceIp: 'Any', destinationIp: publicIp, destinationPort: '2222', protocol: 'tcp' },
      { name: 'out', sourceIp: '10.20.0.11', destinationIp: 'Any', destinationPort: 'Any', protocol: 'any' },
    ],
  };
}

const EMPTY: LabEdgeRules = { nat: [], firewall: [] };

describe('NSX-T edge through the CloudAPI', () => {
  it('finds the edge as NSX-T, writes two labs in one batch, and teardown leaves the edge exactly as it was', async () => {
    await start({ kind: 'nsxt' });
    expect(await cloud.inspector.describeEdge('edge-01')).toMatchObject({ kind: 'nsxt', name: 'edge-01' });
    const before = edgeState();
    const person = personRules();
    await Promise.all([
      cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11')),
      cloud.setLabEdgeRules('edge-01', 'demo-bbb', labRules('203.0.113.11', '10.10.0.12')),
    ]);
    expect(await cloud.listEdgeRuleLabs('edge-01')).toEqual(['demo-aaa', 'demo-bbb']);
    const world = sim.state.nsxt;
    const https = world.natRules.find((r) => r.name === 'labbot:demo-aaa:https');
    expect(https).toMatchObject({
      type: 'DNAT',
      externalAddresses: '203.0.113.10',
      internalAddresses: '10.10.0.11',
      dnatExternalPort: '443',
      firewallMatch: 'MATCH_EXTERNAL_ADDRESS',
    });
    expect(world.profile(https?.applicationPortProfileId ?? '')?.name).toBe('labbot-tcp-443');
    // One profile per port, shared by both labs (443 public and internal; 2222 public; 22 internal).
    expect(
      world.profiles
        .filter((p) => p.scope === 'TENANT')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['labbot-tcp-22', 'labbot-tcp-2222', 'labbot-tcp-443']);
    // The person's rules stay first, in their order, unchanged.
    expect(personRules()).toEqual(person);
    const firstLab = world.userRules.findIndex((r) => r.name.startsWith('labbot:'));
    expect(world.userRules.slice(0, firstLab).every((r) => r.origin === 'person')).toBe(true);
    const source = world.group(
      world.userRules.find((r) => r.name === 'labbot:demo-aaa:https')?.sourceGroupIds[0] ?? '',
    );
    expect(source?.ipAddresses).toEqual(['192.0.2.7', '198.51.100.0/24']);

    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', EMPTY);
    expect(await cloud.listEdgeRuleLabs('edge-01')).toEqual(['demo-bbb']);
    // demo-bbb still uses every profile: none was deleted under it.
    expect(world.profiles.filter((p) => p.scope === 'TENANT')).toHaveLength(3);
    await cloud.setLabEdgeRules('edge-01', 'demo-bbb', EMPTY);
    expect(edgeState()).toEqual(before);
    expectBodiesValid();
  });

  it('reads in full only the IP sets of the labs it changes, however many labs the edge holds', async () => {
    await start({ kind: 'nsxt' });
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    await cloud.setLabEdgeRules('edge-01', 'demo-bbb', labRules('203.0.113.11', '10.10.0.12'));
    const aaaSets = sim.state.nsxt.groups
      .filter((g) => g.name.startsWith('labbot:demo-aaa:'))
      .map((g) => g.id);
    expect(aaaSets.length).toBeGreaterThan(0);
    // demo-ccc has sets already and changes its sources: its own sets must be read in full (to compare their
    // addresses); a new lab's sets are not read at all, their ids come from the create tasks.
    await cloud.setLabEdgeRules('edge-01', 'demo-ccc', labRules('203.0.113.12', '10.10.0.13'));
    sent.length = 0;

    await cloud.setLabEdgeRules('edge-01', 'demo-ccc', labRules('203.0.113.12', '10.10.0.13', ['192.0.2.9']));

    const setReads = sent.filter((r) => r.method === 'GET' && /\/firewallGroups\/[^/?]+$/.test(r.path));
    expect(setReads.length).toBeGreaterThan(0);
    expect(setReads.filter((r) => aaaSets.some((id) => r.path.includes(encodeURIComponent(id))))).toEqual([]);
    expect(await cloud.listEdgeRuleLabs('edge-01')).toEqual(['demo-aaa', 'demo-bbb', 'demo-ccc']);
  });

  it('adds a new lab with one read of each list, one write per object and only the firewall read back', async () => {
    await start({ kind: 'nsxt' });
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    sent.length = 0;

    await cloud.setLabEdgeRules('edge-01', 'demo-bbb', labRules('203.0.113.11', '10.10.0.12'));

    const shape = (r: VcdRequest): string =>
      `${r.method} ${(r.path.split('?')[0] ?? '').replace(/^.*\/cloudapi\/1\.0\.0/, '').replace(/urn(:|%3A)[^/]+/gi, '*')}`;
    const calls = sent.filter((r) => r.path.includes('/cloudapi/')).map(shape);
    expect(calls.filter((c) => c.startsWith('GET')).sort()).toEqual([
      'GET /applicationPortProfiles',
      // Before the change, and once after the whole-list write.
      'GET /edgeGateways/*/firewall/rules',
      'GET /edgeGateways/*/firewall/rules',
      'GET /edgeGateways/*/nat/rules',
      'GET /firewallGroups/summaries',
    ]);
    // Three IP sets (the sources of https, the public IP https and ssh share, the SNAT source), three NAT rules.
    expect(calls.filter((c) => !c.startsWith('GET'))).toEqual([
      'POST /firewallGroups',
      'POST /firewallGroups',
      'POST /firewallGroups',
      'POST /edgeGateways/*/nat/rules',
      'POST /edgeGateways/*/nat/rules',
      'POST /edgeGateways/*/nat/rules',
      'PUT /edgeGateways/*/firewall/rules',
    ]);
    expect(await cloud.listEdgeRuleLabs('edge-01')).toEqual(['demo-aaa', 'demo-bbb']);
    expectBodiesValid();
  });

  it('is idempotent, updates a moved rule in place by id and version, and never writes what is already there', async () => {
    await start({ kind: 'nsxt' });
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    const ids = sim.state.nsxt.natRules.filter((r) => r.name.startsWith('labbot:')).map((r) => r.id);
    sent = [];
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.99', ['192.0.2.8']));
    const after = sim.state.nsxt.natRules.filter((r) => r.name.startsWith('labbot:'));
    expect(after.map((r) => r.id)).toEqual(ids);
    expect(after.find((r) => r.name === 'labbot:demo-aaa:https')).toMatchObject({
      internalAddresses: '10.10.0.99',
      version: 1,
    });
    expect(sent.some((r) => r.method === 'PUT' && r.path.includes('/nat/rules/'))).toBe(true);
    expectBodiesValid();
  });

  it('loses no change a person makes to the firewall while labbot writes it: the stale write is refused and redone', async () => {
    let edits = 0;
    await start({ kind: 'nsxt' }, (call) => {
      // A person edits their own rule just before labbot's whole-list PUT arrives (once).
      if (call.method === 'PUT' && call.url.includes('/firewall/rules') && edits === 0) {
        edits += 1;
        const rules = sim.state.nsxt.userRules;
        const index = rules.findIndex((r) => r.origin === 'person');
        const rule = rules[index];
        if (rule !== undefined) {
          rules[index] = { ...rule, comments: 'widened by hand', version: rule.version + 1 };
        }
      }
    });
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    expect(edits).toBe(1);
    const puts = proxy?.calls.filter((c) => c.method === 'PUT' && c.url.includes('/firewall/rules')) ?? [];
    expect(puts.map((c) => c.status)).toEqual([400, 202]);
    expect(sim.state.nsxt.userRules.find((r) => r.origin === 'person')?.comments).toBe('widened by hand');
    expect(sim.state.nsxt.userRules.some((r) => r.name === 'labbot:demo-aaa:https')).toBe(true);
  });

  it('reports addresses in use on the edge but the lab’s own', async () => {
    await start({ kind: 'nsxt' });
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    const forOther = (await cloud.edgeAddressesInUse('edge-01', 'demo-bbb')).map((r) => r.start);
    const forOwn = (await cloud.edgeAddressesInUse('edge-01', 'demo-aaa')).map((r) => r.start);
    expect(forOther).toContain('203.0.113.10');
    expect(forOwn).not.toContain('203.0.113.10');
    // The person's DNAT address is in use for everyone.
    expect(forOwn).toContain('203.0.113.60');
  });

  it('allocates a floating IP per lab on an IP-Space edge, once, and releases it at teardown', async () => {
    await start({ kind: 'nsxt', ipSpace: true });
    const before = edgeState();
    await cloud.claimPublicIp('edge-01', 'demo-aaa', '203.0.113.10');
    await cloud.claimPublicIp('edge-01', 'demo-aaa', '203.0.113.10');
    expect(sim.state.nsxt.ipSpace?.allocations.filter((a) => a.value === '203.0.113.10')).toHaveLength(1);
    expect((await cloud.edgeAddressesInUse('edge-01', 'demo-bbb')).map((r) => r.start)).toContain(
      '203.0.113.10',
    );
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', EMPTY);
    await cloud.releasePublicIp('edge-01', 'demo-aaa', '203.0.113.10');
    expect(edgeState()).toEqual(before);
    expectBodiesValid();
  });

  it('finds an edge and networks owned by a VDC group', async () => {
    await start({ kind: 'nsxt', vdcGroup: 'lab-group' });
    const network = await findNetworkByCloudApi(
      cloud.inspector.cloudapi,
      await cloud.inspector.getVdc(),
      'Management',
    );
    expect(network?.href).toBe(
      (await cloud.inspector.findOrgVdcNetwork('Management'))?.href.replace(
        '/api/network/',
        '/api/admin/network/',
      ),
    );
    const target = await cloud.inspector.describeEdge('edge-01');
    expect(target.kind === 'nsxt' ? target.gateway.ownerRef?.id : undefined).toMatch(/^urn:vcloud:vdcGroup:/);
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    expect(await cloud.listEdgeRuleLabs('edge-01')).toEqual(['demo-aaa']);
  });

  it('refuses a DISTRIBUTED_ONLY edge with the fix', async () => {
    await start({ kind: 'nsxt', deploymentMode: 'DISTRIBUTED_ONLY' });
    await expect(cloud.inspector.describeEdge('edge-01')).rejects.toMatchObject({
      minorErrorCode: 'EDGE_DISTRIBUTED_ONLY',
      message: expect.stringContaining('ACTIVE_STANDBY') as unknown,
    });
    await expect(cloud.setLabEdgeRules('edge-01', 'demo-aaa', EMPTY)).rejects.toMatchObject({
      minorErrorCode: 'EDGE_DISTRIBUTED_ONLY',
    });
  });

  it('keeps the legacy writer for an NSX-V edge', async () => {
    await start({ kind: 'nsxv' });
    expect(await cloud.inspector.describeEdge('edge-01')).toMatchObject({ kind: 'nsxv' });
    await cloud.setLabEdgeRules('edge-01', 'demo-aaa', labRules('203.0.113.10', '10.10.0.11'));
    expect(await cloud.listEdgeRuleLabs('edge-01')).toEqual(['demo-aaa']);
    await cloud.claimPublicIp('edge-01', 'demo-aaa', '203.0.113.10');
    expect(sent.filter((r) => r.path.includes('/cloudapi/1.0.0/ipSpaces'))).toEqual([]);
  });
});
