/**
 * The simulator's other edges and the CloudAPI plumbing: both paging styles with Link headers, page size limits,
 * DISTRIBUTED_ONLY and NSX-V edges, a VDC-group owner, IP Space floating IPs, and fault injection on CloudAPI routes.
 */
import { cloudApiErrors } from '../helpers/cloudapi-schema';
import { validateAgainstXsd } from '../helpers/xsd';
import { links, startNsxt, values } from './nsxt-harness';
import { startHarness } from './sim-harness';
import { CloudApi } from './nsxt-harness';
import { edgeOptionsFromFlags } from '../../src/vcdsim/standalone';
import { DEFAULT_EDGE } from '../../src/vcdsim/vcd-sim';

beforeAll(() => cloudApiErrors('Error', { minorErrorCode: 'X', message: 'x' }));

describe('paging', () => {
  it('pages NAT rules with cursors in Link headers, and port profiles with page numbers', async () => {
    const { h, cloud, edgeId } = await startNsxt();
    try {
      const first = await cloud.call('GET', `/edgeGateways/${edgeId}/nat/rules?pageSize=1`);
      const next = links(first.headers).find((l) => l.rel === 'nextPage');
      expect(next?.url).toMatch(/cursor=\d+,1$/);
      const second = await cloud.call('GET', next?.url ?? '');
      expect(values(second.json)).toHaveLength(1);
      expect(links(second.headers).find((l) => l.rel === 'nextPage')).toBeUndefined();
      expect([...values(first.json), ...values(second.json)].map((r) => r.name)).toEqual([
        'ops jump host ssh',
        'ops jump host egress',
      ]);

      // A filter with a comma (FIQL OR) is repeated as sent in every link.
      const filter = 'filter=(name==HTTP,name==HTTPS,name==SSH)';
      const page1 = await cloud.get(
        `/applicationPortProfiles?${filter}&pageSize=2`,
        'ApplicationPortProfiles',
      );
      expect(page1).toMatchObject({ resultTotal: 3, pageCount: 2, page: 1, pageSize: 2 });
      const reply = await cloud.call('GET', `/applicationPortProfiles?${filter}&pageSize=2`);
      const nextPage = links(reply.headers).find((l) => l.rel === 'nextPage');
      expect(nextPage?.url).toContain('filter=(name==HTTP,name==HTTPS,name==SSH)');
      const page2 = await cloud.get(nextPage?.url ?? '', 'ApplicationPortProfiles');
      expect(page2).toMatchObject({ page: 2 });
      expect([...values(page1), ...values(page2)].map((p) => p.name).sort()).toEqual([
        'HTTP',
        'HTTPS',
        'SSH',
      ]);

      for (const path of ['/edgeGateways?pageSize=129', `/edgeGateways/${edgeId}/nat/rules?pageSize=200`]) {
        const refused = await cloud.call('GET', path);
        expect(refused.status).toBe(400);
        expect(refused.json).toMatchObject({ minorErrorCode: 'BAD_REQUEST' });
      }
      expect((await cloud.call('GET', '/edgeGateways?pageSize=128')).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('edge kinds and owners', () => {
  it('DISTRIBUTED_ONLY: no NAT and no firewall, refused as VCD 10.6 refuses them', async () => {
    const { h, cloud, edgeId } = await startNsxt({
      edge: { kind: 'nsxt', deploymentMode: 'DISTRIBUTED_ONLY' },
    });
    try {
      expect(await cloud.get(`/edgeGateways/${edgeId}`, 'EdgeGateway')).toMatchObject({
        deploymentMode: 'DISTRIBUTED_ONLY',
      });
      for (const [method, path, body] of [
        ['GET', `/edgeGateways/${edgeId}/nat/rules`, undefined],
        [
          'POST',
          `/edgeGateways/${edgeId}/nat/rules`,
          { name: 'x', type: 'DNAT', externalAddresses: '203.0.113.10', internalAddresses: '10.10.0.9' },
        ],
        ['PUT', `/edgeGateways/${edgeId}/firewall/rules`, { userDefinedRules: [] }],
      ] as const) {
        const refused = await cloud.call(method, path, body);
        expect(refused.status).toBe(403);
        expect(refused.json).toMatchObject({ minorErrorCode: 'ACCESS_TO_RESOURCE_IS_FORBIDDEN' });
      }
    } finally {
      await h.close();
    }
  });

  it('startVcdSim serves DEFAULT_EDGE when no edge is given', async () => {
    const h = await startHarness();
    try {
      expect(h.sim.state.nsxt.kind).toBe(DEFAULT_EDGE.kind);
    } finally {
      await h.close();
    }
  });

  it('the legacy NSX-V edge: NSXV_BACKED, no CloudAPI NAT', async () => {
    const h = await startHarness({ edge: { kind: 'nsxv' } });
    try {
      await h.api.login();
      const cloud = new CloudApi(h);
      const edge = await cloud.get(`/edgeGateways/urn:vcloud:gateway:${h.sim.state.edge.id}`, 'EdgeGateway');
      expect(edge).toMatchObject({ gatewayBacking: { gatewayType: 'NSXV_BACKED' } });
      expect(
        (await cloud.call('GET', `/edgeGateways/urn:vcloud:gateway:${h.sim.state.edge.id}/nat/rules`)).status,
      ).toBe(400);
      const query = await h.api.get('/api/query?type=edgeGateway&format=records');
      expect(query.text).toContain('edgeGatewayType="NSXV_BACKED"');
    } finally {
      await h.close();
    }
  });

  it('a VDC group owns the edge and the networks', async () => {
    const { h, cloud, edgeId } = await startNsxt({ edge: { kind: 'nsxt', vdcGroup: 'lab-group' } });
    try {
      const group = `urn:vcloud:vdcGroup:${h.sim.state.nsxt.vdcGroup?.id ?? ''}`;
      const edge = await cloud.get(`/edgeGateways?filter=ownerRef.id==${group}`, 'EdgeGateways');
      expect(values(edge)[0]).toMatchObject({ id: edgeId, ownerRef: { id: group, name: 'lab-group' } });
      expect(values(edge)[0]).not.toHaveProperty('orgVdc');
      const networks = await cloud.get(`/orgVdcNetworks?filter=ownerRef.id==${group}`, 'VdcNetworks');
      expect(values(networks)).toHaveLength(2);
      expect(values(networks)[0]).not.toHaveProperty('orgVdc');
      const vdc = `urn:vcloud:vdc:${h.sim.state.vdc.id}`;
      const groups = await cloud.get(`/vdcGroups?filter=participatingOrgVdcs.vdcRef.id==${vdc}`, 'VdcGroups');
      expect(values(groups).map((g) => g.id)).toEqual([group]);
      await cloud.get(`/vdcGroups/${group}`, 'VdcGroup');
    } finally {
      await h.close();
    }
  });

  it('IP Space: floating IPs are allocated by a task whose result carries the address, and released', async () => {
    const { h, cloud, edgeId } = await startNsxt({ edge: { kind: 'nsxt', ipSpace: true } });
    try {
      const edge = await cloud.get(`/edgeGateways/${edgeId}`, 'EdgeGateway');
      expect((edge.edgeGatewayUplinks as Record<string, unknown>[])[0]).toMatchObject({ usingIpSpace: true });
      const space = values(await cloud.get('/ipSpaces/summaries', 'IpSpaceSummaries'))[0];
      const spacePath = `/ipSpaces/${String(space?.id)}`;
      await cloud.get(spacePath, 'IpSpace');
      // The person's address is already allocated; an unallocated one cannot be used in NAT.
      const nat = {
        name: 'lab',
        type: 'DNAT',
        externalAddresses: '203.0.113.10',
        internalAddresses: '10.10.0.20',
      };
      expect((await cloud.call('POST', `/edgeGateways/${edgeId}/nat/rules`, nat)).status).toBe(400);
      const done = await cloud.finish(
        await cloud.call('POST', `${spacePath}/allocate`, { type: 'FLOATING_IP', quantity: 1 }),
      );
      expect(done.status).toBe('success');
      const result = JSON.parse(done.result ?? '[]') as { id: string; value: string }[];
      expect(result).toEqual([
        {
          id: expect.stringMatching(/^urn:vcloud:ipSpaceIpAllocation:/),
          value: '203.0.113.10',
          suggestedValue: '',
        },
      ]);
      const allocations = await cloud.get(
        `${spacePath}/allocations?filter=value==203.0.113.10`,
        'IpSpaceIpAllocations',
      );
      expect(values(allocations)).toEqual([
        expect.objectContaining({ id: result[0]?.id, usageState: 'UNUSED' }),
      ]);
      await cloud.finish(await cloud.call('POST', `/edgeGateways/${edgeId}/nat/rules`, nat));
      const allocation = `${spacePath}/allocations/${result[0]?.id ?? ''}`;
      expect(await cloud.get(allocation, 'IpSpaceIpAllocation')).toMatchObject({ usageState: 'USED' });
      expect((await cloud.call('DELETE', allocation)).status).toBe(400);
      const rule = values(await cloud.get(`/edgeGateways/${edgeId}/nat/rules`, 'EdgeNatRules')).find(
        (r) => r.name === 'lab',
      );
      await cloud.finish(await cloud.call('DELETE', `/edgeGateways/${edgeId}/nat/rules/${String(rule?.id)}`));
      expect(await cloud.finish(await cloud.call('DELETE', allocation))).toMatchObject({ status: 'success' });
      expect(
        values(await cloud.get(`${spacePath}/allocations`, 'IpSpaceIpAllocations')).map((a) => a.value),
      ).toEqual(['203.0.113.60']);
    } finally {
      await h.close();
    }
  });
});

describe('faults on CloudAPI routes', () => {
  it('injects VCD errors as JSON, load-balancer 5xx without a body, and lost answers after the change', async () => {
    const { h, cloud, edgeId } = await startNsxt({
      faults: {
        errors: [
          { operation: 'cloudapi.nat.list', error: 500, times: 1 },
          { operation: 'cloudapi.edgeGateway.get', error: 503, times: 1 },
          { operation: 'cloudapi.firewall.get', error: 'BUSY_ENTITY', times: 1 },
        ],
        drops: [{ operation: 'cloudapi.nat.create', times: 1, afterProcessing: true }],
      },
    });
    try {
      const failed = await cloud.call('GET', `/edgeGateways/${edgeId}/nat/rules`);
      expect(failed.status).toBe(500);
      expect(failed.json).toMatchObject({ minorErrorCode: 'INTERNAL_SERVER_ERROR' });
      const lb = await cloud.call('GET', `/edgeGateways/${edgeId}`);
      expect([lb.status, lb.text]).toEqual([503, '']);
      const busy = await cloud.call('GET', `/edgeGateways/${edgeId}/firewall/rules`);
      expect(busy.json).toMatchObject({ minorErrorCode: 'BUSY_ENTITY' });
      expect(String(busy.json.message)).toContain(h.sim.state.edge.id);
      await expect(
        cloud.call('POST', `/edgeGateways/${edgeId}/nat/rules`, {
          name: 'lost',
          type: 'DNAT',
          externalAddresses: '203.0.113.10',
          internalAddresses: '10.10.0.9',
        }),
      ).rejects.toThrow();
      h.clock.advance(10_000);
      expect(h.sim.state.nsxtSnapshot().natRules.map((r) => r.name)).toContain('lost');
    } finally {
      await h.close();
    }
  });
});

describe('XML beside the CloudAPI', () => {
  it('serves schema-valid XML on an NSX-T simulator: query record, legacy edge, tasks with a Result, errors', async () => {
    const { h, cloud, edgeId } = await startNsxt({ edge: { kind: 'nsxt', ipSpace: true } });
    try {
      const edgeUuid = h.sim.state.edge.id;
      await h.api.get('/api/query?type=edgeGateway&format=records');
      const legacy = await h.api.get(`/api/admin/edgeGateway/${edgeUuid}`);
      expect(legacy.status).toBe(200);
      expect(legacy.text).toContain('<EdgeGatewayType>NSXT_BACKED</EdgeGatewayType>');
      expect(legacy.text).not.toContain('configureServices');
      await h.api.post(
        `/api/admin/edgeGateway/${edgeUuid}/action/configureServices`,
        '<EdgeGatewayServiceConfiguration xmlns="http://www.vmware.com/vcloud/v1.5"/>',
        'application/vnd.vmware.admin.edgeGatewayServiceConfiguration+xml',
      );
      const space = values(await cloud.get('/ipSpaces/summaries', 'IpSpaceSummaries'))[0];
      const allocate = await cloud.call('POST', `/ipSpaces/${String(space?.id)}/allocate`, {
        type: 'FLOATING_IP',
        quantity: 2,
      });
      await h.api.get(allocate.headers.get('location') ?? '');
      expect((await cloud.finish(allocate)).result).toContain('203.0.113.11');
      const nat = await cloud.call('POST', `/edgeGateways/${edgeId}/nat/rules`, {
        name: 'x',
        type: 'SNAT',
        externalAddresses: '203.0.113.10',
        internalAddresses: '10.20.0.0/16',
      });
      await h.api.get(nat.headers.get('location') ?? '');
      await cloud.finish(nat);
      expect(h.api.collected.length).toBeGreaterThanOrEqual(6);
      expect(validateAgainstXsd(h.api.collected).filter((r) => r.errors.length > 0)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('labbot vcdsim edge flags', () => {
  it('parse into edge options and refuse NSX-T refinements of an NSX-V edge', () => {
    expect(
      edgeOptionsFromFlags(['--edge', 'nsxt', '--vdc-group', 'g', '--ip-space', '--distributed-only']),
    ).toEqual({
      kind: 'nsxt',
      vdcGroup: 'g',
      ipSpace: true,
      deploymentMode: 'DISTRIBUTED_ONLY',
    });
    expect(edgeOptionsFromFlags([])).toMatchObject({ kind: DEFAULT_EDGE.kind });
    expect(edgeOptionsFromFlags(['--edge', 'nsx'])).toBe('--edge "nsx" is not nsxt or nsxv');
    expect(edgeOptionsFromFlags(['--edge', 'nsxv', '--ip-space'])).toMatch(/need --edge nsxt/);
    expect(edgeOptionsFromFlags(['--edge', 'nsxt', '--vdc-group'])).toMatch(/needs a name/);
  });
});
