/**
 * The edge gateway `edge-01`: its document (uplink with the public pool, internal interfaces on the org networks,
 * NAT and firewall services), configureServices (202 + task, replaces the services sent, one writer at a time), the
 * checks VCD makes on rules, and the `edgeGateway` query.
 */
import { type XmlNode } from '../../src/vcd/wire/xml';
import {
  MEDIA_EDGE_SERVICES,
  child,
  childrenOf,
  descendants,
  edgeLookup,
  edgeServicesBody,
  rels,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

function natRules(edge: XmlNode | undefined): Record<string, string | undefined>[] {
  return descendants(edge, 'NatRule').map((r) => {
    const g = child(r, 'GatewayNatRule');
    return {
      id: child(r, 'Id')?.text,
      type: child(r, 'RuleType')?.text,
      interface: child(g, 'Interface')?.attributes['name'],
      originalIp: child(g, 'OriginalIp')?.text,
      originalPort: child(g, 'OriginalPort')?.text,
      translatedIp: child(g, 'TranslatedIp')?.text,
      translatedPort: child(g, 'TranslatedPort')?.text,
      protocol: child(g, 'Protocol')?.text,
    };
  });
}

describe('vcdsim edge gateway', () => {
  let h: Harness;
  let edgeHref: string;
  let interfaces: Map<string, string>;

  beforeEach(async () => {
    // The legacy (NSX-V) edge, whichever edge is the default.
    h = await startHarness({ edge: { kind: 'nsxv' } });
    await h.api.login();
    ({ href: edgeHref, interfaces } = await edgeLookup(h.api));
  });

  afterEach(async () => {
    await h.close();
  });

  async function configure(body: string): Promise<{ status: number; xml?: XmlNode; taskHref: string }> {
    const res = await h.api.post(`${edgeHref}/action/configureServices`, body, MEDIA_EDGE_SERVICES);
    return { status: res.status, xml: res.xml, taskHref: res.headers.get('location') ?? '' };
  }

  it('is found by query and shows the uplink with its public pool and an interface per org network', async () => {
    const records = await h.api.get('/api/query?type=edgeGateway&format=records');
    expect(child(records.xml, 'EdgeGatewayRecord')?.attributes).toMatchObject({
      name: 'edge-01',
      orgVdcName: 'lab-vdc',
      numberOfExtNetworks: '1',
      numberOfOrgNetworks: '2',
      isBusy: 'false',
      gatewayStatus: 'READY',
    });
    const edge = await h.api.get(edgeHref);
    expect(edge.headers.get('content-type')).toBe(
      'application/vnd.vmware.admin.edgeGateway+xml;version=36.0',
    );
    expect(edge.xml?.attributes).toMatchObject({ name: 'edge-01', status: '1' });
    expect(rels(edge.xml)).toEqual(['up', 'edgeGateway:configureServices']);
    const gatewayInterfaces = descendants(edge.xml, 'GatewayInterface');
    expect(gatewayInterfaces.map((i) => [child(i, 'Name')?.text, child(i, 'InterfaceType')?.text])).toEqual([
      ['ext-internet', 'uplink'],
      ['Management', 'internal'],
      ['VM Network', 'internal'],
    ]);
    const uplink = child(gatewayInterfaces[0], 'SubnetParticipation');
    expect(child(uplink, 'Gateway')?.text).toBe('203.0.113.1');
    expect(child(uplink, 'IpAddress')?.text).toBe('203.0.113.2');
    expect(
      descendants(uplink, 'IpRange').map((r) => [
        child(r, 'StartAddress')?.text,
        child(r, 'EndAddress')?.text,
      ]),
    ).toEqual([['203.0.113.10', '203.0.113.60']]);
    const firewall = descendants(edge.xml, 'FirewallService')[0];
    expect(child(firewall, 'DefaultAction')?.text).toBe('drop');
    expect(childrenOf(firewall, 'FirewallRule')).toHaveLength(1);
    expect(natRules(edge.xml)).toEqual([]);

    // The org networks are routed through it.
    const management = await h.api.get(interfaces.get('Management') ?? '');
    expect(child(management.xml, 'EdgeGateway')?.attributes['href']).toBe(edgeHref);
    expect(descendants(management.xml, 'FenceMode')[0]?.text).toBe('natRouted');
  });

  it('replaces the NAT rules sent, numbering new ones from 65537, and keeps the firewall it was not sent', async () => {
    const uplink = interfaces.get('ext-internet') ?? '';
    const res = await configure(
      edgeServicesBody({
        nat: [
          {
            type: 'DNAT',
            interfaceHref: uplink,
            originalIp: '203.0.113.10',
            originalPort: '443',
            translatedIp: '10.10.0.10',
            translatedPort: '443',
            protocol: 'tcp',
            description: 'lab demo-4kq vcsa',
          },
          { type: 'SNAT', interfaceHref: uplink, originalIp: '10.20.0.0/16', translatedIp: '203.0.113.10' },
        ],
      }),
    );
    expect(res.status).toBe(202);
    expect(res.xml?.attributes).toMatchObject({ operationName: 'networkConfigureEdgeGatewayServices' });
    expect(child(res.xml, 'Owner')?.attributes).toMatchObject({
      href: edgeHref,
      type: 'application/vnd.vmware.admin.edgeGateway+xml',
      name: 'edge-01',
    });
    // Nothing changes until the task ends; meanwhile the edge offers no configureServices.
    const during = await h.api.get(edgeHref);
    expect(natRules(during.xml)).toEqual([]);
    expect(rels(during.xml)).toEqual(['up']);
    await waitTask(h.api, h.clock, res.taskHref);

    const after = await h.api.get(edgeHref);
    expect(natRules(after.xml)).toEqual([
      {
        id: '65537',
        type: 'DNAT',
        interface: 'ext-internet',
        originalIp: '203.0.113.10',
        originalPort: '443',
        translatedIp: '10.10.0.10',
        translatedPort: '443',
        protocol: 'tcp',
      },
      {
        id: '65538',
        type: 'SNAT',
        interface: 'ext-internet',
        originalIp: '10.20.0.0/16',
        originalPort: undefined,
        translatedIp: '203.0.113.10',
        translatedPort: undefined,
        protocol: undefined,
      },
    ]);
    expect(childrenOf(descendants(after.xml, 'FirewallService')[0], 'FirewallRule')).toHaveLength(1);
    expect(h.sim.state.publicIpUsage().used).toEqual(['203.0.113.10']);

    // Sending the firewall alone replaces it and leaves NAT alone.
    const fw = await configure(
      edgeServicesBody({
        firewall: {
          rules: [
            { description: 'https to vcsa', sourceIp: 'Any', destinationIp: '203.0.113.10', port: '443' },
            {
              description: 'ssh range',
              sourceIp: '198.51.100.0/24',
              destinationIp: '203.0.113.11-203.0.113.12',
              port: '22',
              protocol: 'Tcp',
            },
          ],
        },
      }),
    );
    await waitTask(h.api, h.clock, fw.taskHref);
    const final = await h.api.get(edgeHref);
    expect(
      descendants(final.xml, 'FirewallRule').map((r) => [
        child(r, 'Id')?.text,
        child(r, 'Description')?.text,
      ]),
    ).toEqual([
      ['1', 'https to vcsa'],
      ['2', 'ssh range'],
    ]);
    expect(natRules(final.xml)).toHaveLength(2);
  });

  it('is a single writer: a second configureServices while one runs answers BUSY_ENTITY on the gateway', async () => {
    const body = edgeServicesBody({ nat: [] });
    const first = await configure(body);
    expect(first.status).toBe(202);
    const second = await configure(body);
    expect(second.status).toBe(400);
    expect(second.xml?.attributes['minorErrorCode']).toBe('BUSY_ENTITY');
    expect(second.xml?.attributes['message']).toMatch(
      /The entity Ref: com\.vmware\.vcloud\.entity\.gateway:[0-9a-f-]{36} is busy completing an operation NETWORK_CONFIGURE_EDGE_GATEWAY_SERVICES\(com\.vmware\.vcloud\.entity\.task:[0-9a-f-]{36}\)\./,
    );
    expect(
      child((await h.api.get('/api/query?type=edgeGateway')).xml, 'EdgeGatewayRecord')?.attributes['isBusy'],
    ).toBe('true');
    await waitTask(h.api, h.clock, first.taskHref);
    expect((await configure(body)).status).toBe(202);
  });

  it('refuses rules that do not fit the edge, and configures nothing', async () => {
    const uplink = interfaces.get('ext-internet') ?? '';
    const refused = async (body: string): Promise<string> => {
      const res = await configure(body);
      expect(res.status).toBe(400);
      return res.xml?.attributes['message'] ?? '';
    };
    expect(
      await refused(
        edgeServicesBody({
          nat: [
            { type: 'DNAT', interfaceHref: uplink, originalIp: '198.51.100.7', translatedIp: '10.10.0.10' },
          ],
        }),
      ),
    ).toContain('198.51.100.7 is not an IP address of interface "ext-internet"');
    expect(
      await refused(
        edgeServicesBody({
          nat: [
            {
              type: 'SNAT',
              interfaceHref: `${uplink}x`,
              originalIp: '10.10.0.0/16',
              translatedIp: '203.0.113.10',
            },
          ],
        }),
      ),
    ).toContain('Interface must reference a network');
    expect(
      await refused(
        edgeServicesBody({
          nat: [
            {
              type: 'DNAT',
              interfaceHref: uplink,
              originalIp: '203.0.113.10',
              originalPort: '70000',
              translatedIp: '10.10.0.10',
            },
          ],
        }),
      ),
    ).toContain('port "70000"');
    expect(
      await refused(
        edgeServicesBody({
          nat: [
            {
              type: 'DNAT',
              interfaceHref: uplink,
              originalIp: '203.0.113.10',
              translatedIp: '10.10.0.10',
              protocol: 'sctp',
            },
          ],
        }),
      ),
    ).toContain('Protocol "sctp"');
    expect(
      await refused(
        edgeServicesBody({
          nat: [
            {
              type: 'DNAT',
              interfaceHref: uplink,
              originalIp: '203.0.113.10',
              translatedIp: '10.10.0.10',
              id: 70000,
            },
            {
              type: 'DNAT',
              interfaceHref: uplink,
              originalIp: '203.0.113.11',
              translatedIp: '10.10.0.11',
              id: 70000,
            },
          ],
        }),
      ),
    ).toContain('Two NAT rules have Id 70000');
    expect(
      await refused(
        edgeServicesBody({
          firewall: { rules: [{ description: 'x', sourceIp: 'everywhere', destinationIp: 'Any' }] },
        }),
      ),
    ).toContain('"everywhere" is not Any, internal, external');
    // XSD: a firewall rule must say where traffic goes.
    const noDestination = edgeServicesBody({
      firewall: { rules: [{ description: 'x', sourceIp: 'Any', destinationIp: 'Any' }] },
    }).replace('<DestinationIp>Any</DestinationIp>', '');
    expect(await refused(noDestination)).toContain('cvc-complex-type.2.4');
    expect(
      await refused(
        '<EdgeGatewayServiceConfiguration xmlns="http://www.vmware.com/vcloud/v1.5"><LoadBalancerService><IsEnabled>true</IsEnabled></LoadBalancerService></EdgeGatewayServiceConfiguration>',
      ),
    ).toContain('LoadBalancerService is not supported');
    const wrongType = await h.api.post(
      `${edgeHref}/action/configureServices`,
      edgeServicesBody({ nat: [] }),
      'application/xml',
    );
    expect(wrongType.status).toBe(415);
    expect(
      (await h.api.get(edgeHref.replace(/[0-9a-f-]{36}$/, '00000000-0000-0000-0000-000000000000'))).status,
    ).toBe(403);
    expect(h.sim.state.tasks()).toEqual([]);
  });
});
