/**
 * The simulator's NSX-T edge over the CloudAPI: every JSON document it serves (and every body sent) validates against
 * the 37.2 swagger; VCD's semantics for creates (202 + Location, no id), versions, the whole-list firewall, busy edges,
 * and the rules a person made that must stay.
 */
import { cloudApiErrors, expectCloudApi } from '../helpers/cloudapi-schema';
import { child, type Harness } from './sim-harness';
import { startNsxt, values, type CloudApi } from './nsxt-harness';

let h: Harness;
let cloud: CloudApi;
let edgeId: string;

// Compile the swagger once before any simulator runs, so no request waits on it.
beforeAll(() => cloudApiErrors('Error', { minorErrorCode: 'X', message: 'x' }));
beforeEach(async () => {
  ({ h, cloud, edgeId } = await startNsxt());
});
afterEach(() => h.close());

function dnat(name: string, external: string, port: string, internal: string): Record<string, unknown> {
  return {
    name,
    type: 'DNAT',
    externalAddresses: external,
    internalAddresses: internal,
    dnatExternalPort: port,
    firewallMatch: 'MATCH_EXTERNAL_ADDRESS',
    enabled: true,
  };
}

describe('edge gateways', () => {
  it('lists and reads the NSX-T edge with its backing, owner and sub-allocated pool', async () => {
    const list = await cloud.get('/edgeGateways', 'EdgeGateways');
    expect(list).toMatchObject({ resultTotal: 1, pageCount: 1, page: 1, pageSize: 25 });
    const edge = await cloud.get(`/edgeGateways/${edgeId}`, 'EdgeGateway');
    expect(values(list)[0]).toEqual(edge);
    expect(edge).toMatchObject({
      id: edgeId,
      name: 'edge-01',
      gatewayBacking: { gatewayType: 'NSXT_BACKED' },
      ownerRef: { id: `urn:vcloud:vdc:${h.sim.state.vdc.id}` },
      orgVdc: { id: `urn:vcloud:vdc:${h.sim.state.vdc.id}` },
      deploymentMode: 'ACTIVE_STANDBY',
    });
    const uplink = (edge.edgeGatewayUplinks as Record<string, unknown>[])[0];
    expect(uplink).toMatchObject({
      usingIpSpace: false,
      subnets: {
        values: [{ ipRanges: { values: [{ startAddress: '203.0.113.10', endAddress: '203.0.113.60' }] } }],
      },
    });
  });

  it('filters the list with FIQL on the owner', async () => {
    const vdc = `urn:vcloud:vdc:${h.sim.state.vdc.id}`;
    expect(values(await cloud.get(`/edgeGateways?filter=ownerRef.id==${vdc}`, 'EdgeGateways'))).toHaveLength(
      1,
    );
    expect(
      values(await cloud.get(`/edgeGateways?filter=(orgVdc.id==${vdc};name==nope)`, 'EdgeGateways')),
    ).toHaveLength(0);
    const bad = await cloud.call('GET', '/edgeGateways?filter=colour==red');
    expect(bad.status).toBe(400);
  });

  it('answers an unknown edge with a JSON Error and a malformed id with 400', async () => {
    const unknown = await cloud.call(
      'GET',
      '/edgeGateways/urn:vcloud:gateway:00000000-0000-0000-0000-000000000000',
    );
    expect(unknown.status).toBe(403);
    expect(unknown.json).toMatchObject({ minorErrorCode: 'ACCESS_TO_RESOURCE_IS_FORBIDDEN' });
    expect(String(unknown.json.message)).toMatch(/^\[ [0-9a-f-]+ \] /);
    expect((await cloud.call('GET', '/edgeGateways/edge-01')).status).toBe(400);
  });

  it('marks the query record NSXT_BACKED and refuses the legacy configureServices', async () => {
    const query = await h.api.get('/api/query?type=edgeGateway&format=records');
    expect(query.text).toContain('edgeGatewayType="NSXT_BACKED"');
    const refused = await h.api.post(
      `/api/admin/edgeGateway/${h.sim.state.edge.id}/action/configureServices`,
      '<EdgeGatewayServiceConfiguration xmlns="http://www.vmware.com/vcloud/v1.5"/>',
      'application/vnd.vmware.admin.edgeGatewayServiceConfiguration+xml',
    );
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('is not a NSX-V manager');
  });
});

describe('rules a person made', () => {
  it('are seeded: a DNAT, an SNAT, an IP set and two firewall rules', async () => {
    const nat = await cloud.get(`/edgeGateways/${edgeId}/nat/rules`, 'EdgeNatRules');
    expect(values(nat).map((r) => [r.name, r.type, r.externalAddresses, r.dnatExternalPort])).toEqual([
      ['ops jump host ssh', 'DNAT', '203.0.113.60', '2222'],
      ['ops jump host egress', 'SNAT', '203.0.113.60', undefined],
    ]);
    const firewall = await cloud.get(`/edgeGateways/${edgeId}/firewall/rules`, 'EdgeFirewallRules');
    const user = firewall.userDefinedRules as Record<string, unknown>[];
    expect(user.map((r) => r.name)).toEqual(['ops vpn to jump host', 'no telnet']);
    expect(user[0]?.sourceFirewallGroups).toEqual([expect.objectContaining({ name: 'ops-vpn' })]);
    expect((firewall.defaultRules as unknown[]).length).toBe(1);
    const groups = await cloud.get('/firewallGroups/summaries', 'FirewallGroups');
    const group = values(groups)[0];
    expect(group).toMatchObject({ name: 'ops-vpn', typeValue: 'IP_SET', ownerRef: { id: edgeId } });
    await cloud.get(`/firewallGroups/${String(group?.id)}`);
    const used = await cloud.get(`/edgeGateways/${edgeId}/usedIpAddresses`, 'GatewayUsedIpAddresses');
    expect(values(used).map((u) => [u.ipAddress, u.category])).toEqual([
      ['203.0.113.2', 'PRIMARY_IP'],
      ['203.0.113.60', 'DNAT'],
      ['203.0.113.60', 'SNAT'],
    ]);
  });
});

describe('NAT rules', () => {
  it('creates with 202, an empty body and a Location task, and returns no id', async () => {
    const reply = await cloud.call(
      'POST',
      `/edgeGateways/${edgeId}/nat/rules`,
      dnat('lab-1', '203.0.113.10', '443', '10.10.0.20'),
    );
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    expect(reply.headers.get('location')).toMatch(/\/api\/task\/[0-9a-f-]{36}$/);
    expect(await cloud.finish(reply)).toMatchObject({ status: 'success' });
    const rules = values(await cloud.get(`/edgeGateways/${edgeId}/nat/rules`, 'EdgeNatRules'));
    const mine = rules.find((r) => r.name === 'lab-1');
    expect(mine).toMatchObject({
      type: 'DNAT',
      ruleType: 'DNAT',
      dnatExternalPort: '443',
      version: { version: 0 },
    });
    const read = await cloud.get(`/edgeGateways/${edgeId}/nat/rules/${String(mine?.id)}`);
    expect(read).toEqual(mine);
  });

  it('takes an update with the current version and refuses a stale one; DELETE needs none', async () => {
    await cloud.finish(
      await cloud.call(
        'POST',
        `/edgeGateways/${edgeId}/nat/rules`,
        dnat('lab-1', '203.0.113.10', '443', '10.10.0.20'),
      ),
    );
    const [rule] = values(await cloud.get(`/edgeGateways/${edgeId}/nat/rules`, 'EdgeNatRules')).filter(
      (r) => r.name === 'lab-1',
    );
    const path = `/edgeGateways/${edgeId}/nat/rules/${String(rule?.id)}`;
    const changed: Record<string, unknown> = { ...rule, dnatExternalPort: '8443' };
    expect(await cloud.finish(await cloud.call('PUT', path, changed))).toMatchObject({
      status: 'success',
    });
    expect(await cloud.get(path)).toMatchObject({
      dnatExternalPort: '8443',
      version: { version: 1 },
    });
    const stale = await cloud.call('PUT', path, { ...rule, dnatExternalPort: '9443' });
    expect(stale.status).toBe(400);
    expect(stale.json).toMatchObject({ minorErrorCode: 'BAD_REQUEST' });
    expect(String(stale.json.message)).toContain('version 0');
    const { version: _v, ...unversioned } = changed;
    expect((await cloud.call('PUT', path, unversioned)).status).toBe(400);
    expect(await cloud.finish(await cloud.call('DELETE', path))).toMatchObject({ status: 'success' });
    expect((await cloud.call('GET', path)).status).toBe(404);
  });

  it('writes the API version’s fields: internalPort and ruleType before 35.0, type from 36.0', async () => {
    await cloud.finish(
      await cloud.call(
        'POST',
        `/edgeGateways/${edgeId}/nat/rules`,
        dnat('lab-1', '203.0.113.10', '443', '10.10.0.20'),
      ),
    );
    cloud.version = '34.0';
    const old = values(await cloud.get(`/edgeGateways/${edgeId}/nat/rules`, 'EdgeNatRules')).find(
      (r) => r.name === 'lab-1',
    );
    expect(old).toMatchObject({ ruleType: 'DNAT', internalPort: '443' });
    expect(old).not.toHaveProperty('type');
    expect(old).not.toHaveProperty('firewallMatch');
    const sent = await cloud.call('POST', `/edgeGateways/${edgeId}/nat/rules`, {
      name: 'old-style',
      ruleType: 'DNAT',
      externalAddresses: '203.0.113.11',
      internalAddresses: '10.10.0.21',
      internalPort: '2200',
    });
    await cloud.finish(sent);
    cloud.version = '37.2';
    const now = values(await cloud.get(`/edgeGateways/${edgeId}/nat/rules`, 'EdgeNatRules')).find(
      (r) => r.name === 'old-style',
    );
    expect(now).toMatchObject({
      type: 'DNAT',
      dnatExternalPort: '2200',
      firewallMatch: 'MATCH_INTERNAL_ADDRESS',
      priority: 0,
    });
  });

  it('refuses addresses the edge does not own, unknown profiles and bad ports', async () => {
    const post = (body: Record<string, unknown>): ReturnType<CloudApi['call']> =>
      cloud.call('POST', `/edgeGateways/${edgeId}/nat/rules`, body);
    expect((await post(dnat('x', '198.51.100.7', '443', '10.10.0.20'))).status).toBe(400);
    expect((await post(dnat('x', '203.0.113.10', '70000', '10.10.0.20'))).status).toBe(400);
    expect(
      (
        await post({
          ...dnat('x', '203.0.113.10', '443', '10.10.0.20'),
          applicationPortProfile: {
            id: 'urn:vcloud:applicationPortProfile:00000000-0000-0000-0000-000000000000',
          },
        })
      ).status,
    ).toBe(400);
    expect(
      (await post({ name: 'x', externalAddresses: '203.0.113.10', internalAddresses: '10.0.0.1' })).status,
    ).toBe(400);
  });

  it('lets an edge take one change at a time: BUSY_ENTITY while a task runs', async () => {
    const first = await cloud.call(
      'POST',
      `/edgeGateways/${edgeId}/nat/rules`,
      dnat('a', '203.0.113.10', '443', '10.10.0.20'),
    );
    expect(first.status).toBe(202);
    const second = await cloud.call(
      'POST',
      `/edgeGateways/${edgeId}/nat/rules`,
      dnat('b', '203.0.113.11', '443', '10.10.0.21'),
    );
    expect(second.status).toBe(400);
    expect(second.json).toMatchObject({ minorErrorCode: 'BUSY_ENTITY' });
    expect(String(second.json.message)).toContain(`com.vmware.vcloud.entity.gateway:${h.sim.state.edge.id}`);
    const firewall = await cloud.call('PUT', `/edgeGateways/${edgeId}/firewall/rules`, {
      userDefinedRules: [],
    });
    expect(firewall.status).toBe(400);
    await cloud.finish(first);
    expect(
      (
        await cloud.call(
          'POST',
          `/edgeGateways/${edgeId}/nat/rules`,
          dnat('b', '203.0.113.11', '443', '10.10.0.21'),
        )
      ).status,
    ).toBe(202);
  });
});

describe('create tasks', () => {
  /** The Owner of the finished task a 202 named. */
  async function ownerOf(reply: { status: number; headers: Headers }): Promise<Record<string, string>> {
    expect(reply.status).toBe(202);
    h.clock.advance(10_000);
    const task = await h.api.get(reply.headers.get('location') ?? '');
    expect(task.xml?.attributes.status).toBe('success');
    return child(task.xml, 'Owner')?.attributes ?? {};
  }

  it('name the IP set or port profile they made as Owner (its URN in id); a NAT rule’s names the edge', async () => {
    const set = await ownerOf(
      await cloud.call('POST', '/firewallGroups', {
        name: 'lab-1-allow',
        typeValue: 'IP_SET',
        ownerRef: { id: edgeId },
        ipAddresses: ['192.0.2.0/24'],
      }),
    );
    const listed = values(
      await cloud.get('/firewallGroups/summaries?filter=name==lab-1-allow', 'FirewallGroups'),
    )[0];
    expect(set).toMatchObject({ id: listed?.id, name: 'lab-1-allow' });
    expect(set.href).toContain(`/cloudapi/1.0.0/firewallGroups/${String(listed?.id)}`);

    const profile = await ownerOf(
      await cloud.call('POST', '/applicationPortProfiles', {
        name: 'labbot-tcp-8443',
        scope: 'TENANT',
        applicationPorts: [{ protocol: 'TCP', destinationPorts: ['8443'] }],
      }),
    );
    const profiles = values(
      await cloud.get('/applicationPortProfiles?filter=name==labbot-tcp-8443', 'ApplicationPortProfiles'),
    );
    expect(profile).toMatchObject({ id: profiles[0]?.id, name: 'labbot-tcp-8443' });

    const nat = await ownerOf(
      await cloud.call(
        'POST',
        `/edgeGateways/${edgeId}/nat/rules`,
        dnat('a', '203.0.113.10', '443', '10.10.0.20'),
      ),
    );
    expect(nat.id).toBeUndefined();
    expect(nat.href).toContain(`/api/admin/edgeGateway/${h.sim.state.edge.id}`);
  });
});

describe('firewall', () => {
  it('replaces the whole user-defined list: a read-modify-write keeps the other rules in order', async () => {
    const group = await cloud.call('POST', '/firewallGroups', {
      name: 'lab-1-allow',
      typeValue: 'IP_SET',
      ownerRef: { id: edgeId },
      ipAddresses: ['192.0.2.0/24'],
    });
    expect(group.text).toBe('');
    await cloud.finish(group);
    const groupId = values(
      await cloud.get('/firewallGroups/summaries?filter=name==lab-1-allow', 'FirewallGroups'),
    )[0]?.id;
    const https = values(
      await cloud.get(
        '/applicationPortProfiles?filter=(name==HTTPS;scope==SYSTEM)',
        'ApplicationPortProfiles',
      ),
    )[0];
    const before = await cloud.get(`/edgeGateways/${edgeId}/firewall/rules`, 'EdgeFirewallRules');
    const mine = {
      name: 'labbot:lab-1:https',
      sourceFirewallGroups: [{ id: String(groupId) }],
      applicationPortProfiles: [{ id: String(https?.id) }],
      actionValue: 'ALLOW',
      direction: 'IN',
      ipProtocol: 'IPV4',
    };
    const body = { userDefinedRules: [...(before.userDefinedRules as unknown[]), mine] };
    expectCloudApi('EdgeFirewallRules', body);
    expect(
      await cloud.finish(await cloud.call('PUT', `/edgeGateways/${edgeId}/firewall/rules`, body)),
    ).toMatchObject({ status: 'success' });
    const after = await cloud.get(`/edgeGateways/${edgeId}/firewall/rules`, 'EdgeFirewallRules');
    const user = after.userDefinedRules as Record<string, unknown>[];
    expect(user.map((r) => r.name)).toEqual(['ops vpn to jump host', 'no telnet', 'labbot:lab-1:https']);
    expect(user.slice(0, 2)).toEqual(before.userDefinedRules);
    expect(after.defaultRules).toEqual(before.defaultRules);

    // Leaving a rule out deletes it; a stale version of a kept rule is refused.
    const without = { userDefinedRules: user.slice(0, 2) };
    const stale = { userDefinedRules: [{ ...user[0], version: { version: 7 } }] };
    expect((await cloud.call('PUT', `/edgeGateways/${edgeId}/firewall/rules`, stale)).status).toBe(400);
    await cloud.finish(await cloud.call('PUT', `/edgeGateways/${edgeId}/firewall/rules`, without));
    const last = await cloud.get(`/edgeGateways/${edgeId}/firewall/rules`, 'EdgeFirewallRules');
    expect((last.userDefinedRules as Record<string, unknown>[]).map((r) => r.name)).toEqual([
      'ops vpn to jump host',
      'no telnet',
    ]);
  });

  it('refuses a PUT built on rules a person changed since, and drops rules a PUT leaves out (so clients read back)', async () => {
    const read = await cloud.get(`/edgeGateways/${edgeId}/firewall/rules`);
    const rules = read.userDefinedRules as Record<string, unknown>[];
    // A person edits "no telnet" and adds a rule of their own, through the same API.
    const edited = [
      rules[0],
      { ...rules[1], enabled: false },
      { name: 'person later', actionValue: 'ALLOW' },
    ];
    await cloud.finish(
      await cloud.call('PUT', `/edgeGateways/${edgeId}/firewall/rules`, { userDefinedRules: edited }),
    );
    const labbot = { name: 'labbot:lab-2:ssh', actionValue: 'ALLOW', direction: 'IN' };
    const stale = await cloud.call('PUT', `/edgeGateways/${edgeId}/firewall/rules`, {
      userDefinedRules: [...rules, labbot],
    });
    expect(stale.status).toBe(400);
    expect(String(stale.json.message)).toContain('"no telnet"');
    // Re-read and retry: the person's edit and their new rule survive.
    const fresh = (await cloud.get(`/edgeGateways/${edgeId}/firewall/rules`)).userDefinedRules as unknown[];
    await cloud.finish(
      await cloud.call('PUT', `/edgeGateways/${edgeId}/firewall/rules`, {
        userDefinedRules: [...fresh, labbot],
      }),
    );
    const after = (await cloud.get(`/edgeGateways/${edgeId}/firewall/rules`)).userDefinedRules as Record<
      string,
      unknown
    >[];
    expect(after.map((r) => [r.name, r.enabled])).toEqual([
      ['ops vpn to jump host', true],
      ['no telnet', false],
      ['person later', true],
      ['labbot:lab-2:ssh', true],
    ]);
  });

  it('serves single rules too: GET, PUT with the current version, DELETE', async () => {
    const rules = (await cloud.get(`/edgeGateways/${edgeId}/firewall/rules`)).userDefinedRules as Record<
      string,
      unknown
    >[];
    const path = `/edgeGateways/${edgeId}/firewall/rules/${String(rules[1]?.id)}`;
    expect(await cloud.get(path)).toEqual(rules[1]);
    await cloud.finish(await cloud.call('PUT', path, { ...rules[1], logging: true }));
    expect(await cloud.get(path)).toMatchObject({ logging: true, version: { version: 1 } });
    expect((await cloud.call('PUT', path, { ...rules[1], logging: false })).status).toBe(400);
    await cloud.finish(await cloud.call('DELETE', path));
    expect((await cloud.call('GET', path)).status).toBe(404);
  });

  it('will not delete an IP set or port profile a rule still uses', async () => {
    const vpn = values(await cloud.get('/firewallGroups/summaries', 'FirewallGroups'))[0];
    const refused = await cloud.call('DELETE', `/firewallGroups/${String(vpn?.id)}`);
    expect(refused.status).toBe(400);
    expect(String(refused.json.message)).toContain('ops vpn to jump host');

    await cloud.finish(
      await cloud.call('POST', '/applicationPortProfiles', {
        name: 'labbot-tcp-8443',
        scope: 'TENANT',
        applicationPorts: [{ protocol: 'TCP', destinationPorts: ['8443'] }],
      }),
    );
    const profile = values(
      await cloud.get('/applicationPortProfiles?filter=scope==TENANT', 'ApplicationPortProfiles'),
    )[0];
    expect(profile).toMatchObject({ name: 'labbot-tcp-8443', usableForNAT: true });
    await cloud.finish(
      await cloud.call('POST', `/edgeGateways/${edgeId}/nat/rules`, {
        ...dnat('lab', '203.0.113.10', '443', '10.10.0.20'),
        applicationPortProfile: { id: String(profile?.id) },
      }),
    );
    expect((await cloud.call('DELETE', `/applicationPortProfiles/${String(profile?.id)}`)).status).toBe(400);
    const rule = values(await cloud.get(`/edgeGateways/${edgeId}/nat/rules`, 'EdgeNatRules')).find(
      (r) => r.name === 'lab',
    );
    await cloud.finish(await cloud.call('DELETE', `/edgeGateways/${edgeId}/nat/rules/${String(rule?.id)}`));
    expect(
      await cloud.finish(await cloud.call('DELETE', `/applicationPortProfiles/${String(profile?.id)}`)),
    ).toMatchObject({ status: 'success' });
    const system = values(
      await cloud.get('/applicationPortProfiles?filter=name==SSH', 'ApplicationPortProfiles'),
    )[0];
    expect((await cloud.call('DELETE', `/applicationPortProfiles/${String(system?.id)}`)).status).toBe(403);
  });
});

describe('org VDC networks', () => {
  it('serves the routed networks behind the edge, paged at most 32', async () => {
    const list = await cloud.get('/orgVdcNetworks', 'VdcNetworks');
    expect(values(list).map((n) => n.name)).toEqual(['Management', 'VM Network']);
    expect(values(list)[0]).toMatchObject({
      ownerRef: { id: `urn:vcloud:vdc:${h.sim.state.vdc.id}` },
      connection: { routerRef: { id: edgeId } },
      orgVdcIsNsxTBacked: true,
      subnets: { values: [{ gateway: '10.10.0.1', prefixLength: 16 }] },
    });
    await cloud.get(`/orgVdcNetworks/${String(values(list)[0]?.id)}`, 'VdcNetwork');
    expect((await cloud.call('GET', '/orgVdcNetworks?pageSize=33')).status).toBe(400);
  });
});

describe('operation limits', () => {
  it('count CloudAPI tasks with the others: OPERATION_LIMITS_EXCEEDED as JSON', async () => {
    await h.close();
    ({ h, cloud, edgeId } = await startNsxt({ maxConcurrentTasks: 1 }));
    const first = await cloud.call(
      'POST',
      `/edgeGateways/${edgeId}/nat/rules`,
      dnat('a', '203.0.113.10', '443', '10.10.0.20'),
    );
    expect(first.status).toBe(202);
    const second = await cloud.call('POST', '/applicationPortProfiles', {
      name: 'p',
      applicationPorts: [{ protocol: 'TCP', destinationPorts: ['80'] }],
    });
    expect(second.status).toBe(400);
    expect(second.json).toMatchObject({ minorErrorCode: 'OPERATION_LIMITS_EXCEEDED' });
  });
});

describe('state for tests', () => {
  it('a snapshot diff shows whether anything was left behind, and /_sim/state shows the NSX-T side', async () => {
    const before = h.sim.state.nsxtSnapshot();
    await cloud.finish(
      await cloud.call('POST', '/firewallGroups', {
        name: 'labbot:lab-1',
        typeValue: 'IP_SET',
        ownerRef: { id: edgeId },
        ipAddresses: ['192.0.2.1'],
      }),
    );
    await cloud.finish(
      await cloud.call(
        'POST',
        `/edgeGateways/${edgeId}/nat/rules`,
        dnat('labbot:lab-1', '203.0.113.10', '443', '10.10.0.20'),
      ),
    );
    expect(h.sim.state.nsxtSnapshot()).not.toEqual(before);
    const group = values(await cloud.get('/firewallGroups/summaries?filter=name==labbot:lab-1'))[0];
    const rule = values(await cloud.get(`/edgeGateways/${edgeId}/nat/rules`)).find(
      (r) => r.name === 'labbot:lab-1',
    );
    await cloud.finish(await cloud.call('DELETE', `/edgeGateways/${edgeId}/nat/rules/${String(rule?.id)}`));
    await cloud.finish(await cloud.call('DELETE', `/firewallGroups/${String(group?.id)}`));
    expect(h.sim.state.nsxtSnapshot()).toEqual(before);

    const admin = (await (await fetch(`${h.sim.url}/_sim/state`)).json()) as {
      edge: { nsxt: { kind: string; natRules: { name: string; origin: string }[] } };
    };
    expect(admin.edge.nsxt.kind).toBe('nsxt');
    expect(admin.edge.nsxt.natRules.map((r) => [r.name, r.origin])).toEqual([
      ['ops jump host ssh', 'person'],
      ['ops jump host egress', 'person'],
    ]);
  });
});
