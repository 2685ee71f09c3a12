import { VcdNotFoundError, VcdTaskFailedError } from '../../src/vcd/errors';
import { type EdgeServices } from '../../src/vcd/network-resources';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { captureVApp } from './helpers/capture-vapp';
import { toNetworkConnectionInput } from '../../src/vcd/wire/network-connection';
import { attr, child, children, parseXml, textOf } from '../../src/vcd/wire/xml';
import { validateAgainstXsd } from '../helpers/xsd';
import {
  errorXml,
  fakeTime,
  JSON_TYPE,
  startFakeVcd,
  versionsXml,
  XML,
  type FakeReply,
  type FakeVcdServer,
  type RecordedRequest,
} from './helpers/fake-vcd-server';
import { recordingLogger } from '../helpers/logger';

const NS = 'xmlns="http://www.vmware.com/vcloud/v1.5"';
const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

let server: FakeVcdServer | undefined;
let cloud: VcdCloud | undefined;

afterEach(async () => {
  cloud?.close();
  cloud = undefined;
  await server?.close();
  server = undefined;
});

type Route = (req: RecordedRequest, url: URL, base: string) => FakeReply | undefined;

const reply = (body: string, status = 200): FakeReply => ({ status, headers: XML, body });
const task = (base: string, id: string, status = 'queued', extra = ''): string =>
  `<Task ${NS} href="${base}/api/task/${id}" status="${status}" operationName="op-${id}">${extra}</Task>`;

function records(
  type: string,
  rows: Record<string, string>[],
  nextPage?: string,
  metadata?: string[],
): string {
  const link = nextPage ? `<Link rel="nextPage" href="${nextPage.replace(/&/g, '&amp;')}"/>` : '';
  const body = rows
    .map((r, i) => {
      const attrs = Object.entries(r)
        .map(([k, v]) => `${k}="${v}"`)
        .join(' ');
      const meta = metadata?.[i];
      return meta ? `<${type} ${attrs}><Metadata>${meta}</Metadata></${type}>` : `<${type} ${attrs}/>`;
    })
    .join('');
  return `<QueryResultRecords ${NS} ${XSI} pageSize="128">${link}${body}</QueryResultRecords>`;
}

const entry = (key: string, value: string): string =>
  `<MetadataEntry><Key>${key}</Key><TypedValue xsi:type="MetadataStringValue"><Value>${value}</Value></TypedValue></MetadataEntry>`;

/** Versions, token login and the org VDC; everything else goes to `routes`, in order. */
async function start(...routes: Route[]) {
  let base = '';
  server = await startFakeVcd((req): FakeReply => {
    const url = new URL(req.url, 'http://x');
    if (req.url === '/api/versions') {
      return reply(versionsXml(['37.0', '38.0']));
    }
    if (req.url === '/oauth/tenant/lab/token') {
      return { status: 200, headers: JSON_TYPE, body: '{"access_token":"at"}' };
    }
    if (url.pathname === '/api/query' && url.searchParams.get('type') === 'orgVdc') {
      const rows = [{ name: 'lab-vdc', href: `${base}/api/vdc/vdc-1` }];
      return reply(
        records(
          'OrgVdcRecord',
          url.searchParams.get('filter') === null ? [...rows, { name: 'b', href: 'h' }] : rows,
        ),
      );
    }
    for (const route of routes) {
      const answer = route(req, url, base);
      if (answer !== undefined) {
        return answer;
      }
    }
    return {
      status: 404,
      headers: XML,
      body: errorXml(404, 'RESOURCE_NOT_FOUND', `no route ${req.method} ${req.url}`),
    };
  });
  base = server.url;
  const time = fakeTime();
  cloud = new VcdCloud({
    url: server.url,
    org: 'lab',
    vdc: 'lab-vdc',
    catalog: 'labs',
    auth: { kind: 'token', apiToken: 't' },
    simulated: false,
    logger: recordingLogger(),
    ...time,
  });
  return { cloud, server, base, time };
}

const apiCalls = (requests: RecordedRequest[]): string[] =>
  requests
    .filter(
      (r) =>
        !r.url.startsWith('/api/versions') && !r.url.startsWith('/oauth') && !r.url.includes('type=orgVdc&'),
    )
    .map((r) => `${r.method} ${decodeURIComponent(r.url)}`);

const taskRoute: Route = (req, url, base) =>
  req.method === 'GET' && url.pathname.startsWith('/api/task/')
    ? reply(task(base, url.pathname.slice('/api/task/'.length), 'success'))
    : undefined;

describe('vcd/vcd-cloud power and VM operations', () => {
  const power: Route = (req, url, base) => {
    const m = /^\/api\/vApp\/(v(?:app|m)-\d)\/power\/action\/(\w+)$/.exec(url.pathname);
    return req.method === 'POST' && m ? reply(task(base, `${m[2]}-${m[1]}`), 202) : undefined;
  };

  it.each([
    ['startPowerOff', 'powerOff'],
    ['startShutdown', 'shutdown'],
    ['startSuspend', 'suspend'],
    ['startPowerOn', 'powerOn'],
  ] as const)('%s posts power/action/%s for a vApp and for a single VM', async (method, action) => {
    const { cloud, server, base } = await start(power);

    const onVApp = await cloud[method](`${base}/api/vApp/vapp-1`);
    const onVm = await cloud[method](`${base}/api/vApp/vm-1`);

    expect(onVApp).toEqual({ href: `${base}/api/task/${action}-vapp-1` });
    expect(onVm).toEqual({ href: `${base}/api/task/${action}-vm-1` });
    expect(apiCalls(server.requests)).toEqual([
      `POST /api/vApp/vapp-1/power/action/${action}`,
      `POST /api/vApp/vm-1/power/action/${action}`,
    ]);
    expect(server.requests.filter((r) => r.url.includes('/power/')).every((r) => r.body === '')).toBe(true);
  });

  it('reads a VM with its hardware and returns undefined for a VM that is gone', async () => {
    const vm = `<Vm ${NS} xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" href="BASE/api/vApp/vm-1" name="esxi-01" status="8" nestedHypervisorEnabled="true">
      <ovf:VirtualHardwareSection>
        <ovf:Item><rasd:ElementName>Hard disk 1</rasd:ElementName><rasd:HostResource xmlns:vcloud="http://www.vmware.com/vcloud/v1.5" vcloud:capacity="40960" vcloud:busType="6" vcloud:busSubType="lsilogicsas"/><rasd:InstanceID>2000</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType></ovf:Item>
        <ovf:Item><rasd:ElementName>Hard disk 2</rasd:ElementName><rasd:HostResource xmlns:vcloud="http://www.vmware.com/vcloud/v1.5" vcloud:capacity="204800"/><rasd:InstanceID>2001</rasd:InstanceID><rasd:ResourceType>17</rasd:ResourceType></ovf:Item>
        <ovf:Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>8</rasd:VirtualQuantity></ovf:Item>
        <ovf:Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>32768</rasd:VirtualQuantity></ovf:Item>
      </ovf:VirtualHardwareSection></Vm>`;
    const { cloud, base } = await start((_req, url, b) =>
      url.pathname === '/api/vApp/vm-1' ? reply(vm.replace('BASE', b)) : undefined,
    );

    expect(await cloud.inspector.getVm(`${base}/api/vApp/vm-1`)).toMatchObject({
      name: 'esxi-01',
      cpus: 8,
      memoryMb: 32768,
      powerState: 'powered_off',
      nestedHypervisorEnabled: true,
      disks: [
        { name: 'Hard disk 1', sizeMb: 40960, busSubType: 'lsilogicsas' },
        { name: 'Hard disk 2', sizeMb: 204800 },
      ],
    });
    await expect(cloud.inspector.getVm(`${base}/api/vApp/vm-2`)).resolves.toBeUndefined();
  });

  it('reads current metrics and summarizes the ones the reaper uses', async () => {
    const usage = `<CurrentUsage ${NS}><Metric name="cpu.usage.average" unit="PERCENT" value="1.5"/><Metric name="mem.usage.average" unit="PERCENT" value="20"/><Metric name="net.bytes" unit="X" value="5"/></CurrentUsage>`;
    const { cloud, server, base } = await start((req, url) =>
      url.pathname === '/api/vApp/vm-1/metrics/current' && req.method === 'GET' ? reply(usage) : undefined,
    );

    const metrics = await cloud.inspector.getVmMetrics(`${base}/api/vApp/vm-1`);

    expect(metrics.usage).toEqual({ cpuPercent: 1.5, memoryPercent: 20 });
    expect(metrics.metrics.map((m) => m.name)).toEqual([
      'cpu.usage.average',
      'mem.usage.average',
      'net.bytes',
    ]);
    expect(apiCalls(server.requests)).toEqual(['GET /api/vApp/vm-1/metrics/current']);
  });
});

describe('vcd/vcd-cloud getUsage', () => {
  it('asks each running VM for its metrics and lists a stopped VM without numbers', async () => {
    const vapp = (b: string): string =>
      `<VApp ${NS} href="${b}/api/vApp/vapp-1" name="lab" status="10"><Children>` +
      `<Vm href="${b}/api/vApp/vm-1" name="esxi-01" status="4"/><Vm href="${b}/api/vApp/vm-2" name="jump" status="8"/>` +
      `<Vm href="${b}/api/vApp/vm-3" name="vcsa" status="4"/></Children></VApp>`;
    const { cloud, server, base } = await start((_req, url, b) => {
      if (url.pathname === '/api/vApp/vapp-1') {
        return reply(vapp(b));
      }
      if (url.pathname === '/api/vApp/vm-1/metrics/current') {
        return reply(
          `<CurrentUsage ${NS}><Metric name="cpu.usage.average" unit="PERCENT" value="0.7"/><Metric name="net.usage.average" unit="KILOBYTES_PER_SECOND" value="1.5"/></CurrentUsage>`,
        );
      }
      if (url.pathname === '/api/vApp/vm-3/metrics/current') {
        return { status: 400, headers: XML, body: errorXml(400, 'BAD_REQUEST', 'metrics are not available') };
      }
      return undefined;
    });

    const usage = await cloud.getUsage(`${base}/api/vApp/vapp-1`);

    expect(usage).toEqual([
      { vmName: 'esxi-01', vmHref: `${base}/api/vApp/vm-1`, cpuPercent: 0.7, networkKbps: 1.5 },
      { vmName: 'jump', vmHref: `${base}/api/vApp/vm-2` },
      { vmName: 'vcsa', vmHref: `${base}/api/vApp/vm-3` },
    ]);
    expect(apiCalls(server.requests)).not.toContain('GET /api/vApp/vm-2/metrics/current');
    await expect(cloud.getUsage(`${base}/api/vApp/vapp-gone`)).resolves.toEqual([]);
  });
});

describe('vcd/vcd-cloud leases and NICs', () => {
  const lease = `<LeaseSettingsSection ${NS} xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" href="h" ovf:required="false"><ovf:Info>Lease settings section</ovf:Info><Link rel="edit" href="h"/><DeploymentLeaseInSeconds>14400</DeploymentLeaseInSeconds><StorageLeaseInSeconds>604800</StorageLeaseInSeconds><DeploymentLeaseExpiration>2026-01-01T16:00:00.000Z</DeploymentLeaseExpiration></LeaseSettingsSection>`;
  const leaseRoute: Route = (req, url, base) => {
    if (url.pathname !== '/api/vApp/vapp-1/leaseSettingsSection/') {
      return undefined;
    }
    return req.method === 'GET' ? reply(lease) : reply(task(base, 'lease'), 202);
  };

  it('reads the lease section, and writes a change keeping the other lease as it was', async () => {
    const { cloud, server, base } = await start(leaseRoute);

    const current = await cloud.inspector.getLeaseSettings(`${base}/api/vApp/vapp-1`);
    const changed = await cloud.startSetLease(`${base}/api/vApp/vapp-1`, { deploymentLeaseSeconds: 7200 });

    expect(current).toMatchObject({
      deploymentLeaseInSeconds: 14400,
      storageLeaseInSeconds: 604800,
      deploymentLeaseExpiration: '2026-01-01T16:00:00.000Z',
    });
    expect(changed).toEqual({ href: `${base}/api/task/lease` });
    const put = server.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['content-type']).toBe('application/vnd.vmware.vcloud.leaseSettingsSection+xml');
    const body = parseXml(put?.body ?? '');
    expect([textOf(body, 'DeploymentLeaseInSeconds'), textOf(body, 'StorageLeaseInSeconds')]).toEqual([
      '7200',
      '604800',
    ]);
    expect(validateAgainstXsd([{ name: 'lease', xml: put?.body ?? '' }])[0]?.errors).toEqual([]);
  });

  it('writes both leases without reading when both are given', async () => {
    const { cloud, server, base } = await start(leaseRoute);

    await cloud.startSetLease(`${base}/api/vApp/vapp-1`, {
      deploymentLeaseSeconds: 1,
      storageLeaseSeconds: 2,
    });

    expect(apiCalls(server.requests)).toEqual(['PUT /api/vApp/vapp-1/leaseSettingsSection/']);
  });

  it('reads a NetworkConnectionSection and writes a changed one back, schema-valid', async () => {
    const section = `<NetworkConnectionSection ${NS} xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" href="h"><ovf:Info>x</ovf:Info><PrimaryNetworkConnectionIndex>0</PrimaryNetworkConnectionIndex>
      <NetworkConnection network="Management" needsCustomization="false"><NetworkConnectionIndex>0</NetworkConnectionIndex><IpAddress>10.10.0.5</IpAddress><IsConnected>true</IsConnected><MACAddress>00:50:56:01:00:01</MACAddress><IpAddressAllocationMode>POOL</IpAddressAllocationMode><NetworkAdapterType>VMXNET3</NetworkAdapterType></NetworkConnection>
      <NetworkConnection network="VM Network"><NetworkConnectionIndex>1</NetworkConnectionIndex><IsConnected>false</IsConnected><MACAddress>00:50:56:01:00:02</MACAddress><IpAddressAllocationMode>NONE</IpAddressAllocationMode><NetworkAdapterType>E1000</NetworkAdapterType></NetworkConnection>
      <Link rel="edit" href="h"/></NetworkConnectionSection>`;
    const { cloud, server, base } = await start((req, url, b) => {
      if (url.pathname !== '/api/vApp/vm-1/networkConnectionSection/') {
        return undefined;
      }
      return req.method === 'GET' ? reply(section) : reply(task(b, 'nics'), 202);
    });
    const vm = `${base}/api/vApp/vm-1`;

    const current = await cloud.getNetworkConnections(vm);
    const input = toNetworkConnectionInput(current);
    input.connections[1] = { ...input.connections[1]!, connected: true, allocationMode: 'POOL' };
    const changed = await cloud.startSetNetworkConnections(vm, input);

    expect(current.connections.map((n) => [n.network, n.ipAddress, n.mac, n.adapterType])).toEqual([
      ['Management', '10.10.0.5', '00:50:56:01:00:01', 'VMXNET3'],
      ['VM Network', undefined, '00:50:56:01:00:02', 'E1000'],
    ]);
    expect(changed).toEqual({ href: `${base}/api/task/nics` });
    const put = server.requests.find((r) => r.method === 'PUT');
    expect(put?.headers['content-type']).toBe('application/vnd.vmware.vcloud.networkConnectionSection+xml');
    const nics = children(parseXml(put?.body ?? ''), 'NetworkConnection');
    expect(nics.map((n) => [attr(n, 'network'), textOf(n, 'IsConnected'), textOf(n, 'MACAddress')])).toEqual([
      ['Management', 'true', '00:50:56:01:00:01'],
      ['VM Network', 'true', '00:50:56:01:00:02'],
    ]);
    // A POOL address is VCD's to assign: it is not written back.
    expect(textOf(nics[0], 'IpAddress')).toBeUndefined();
    expect(validateAgainstXsd([{ name: 'nics', xml: put?.body ?? '' }])[0]?.errors).toEqual([]);
  });

  it('deletes one metadata key with its name escaped in the path', async () => {
    const { cloud, server, base } = await start((req, _url, b) =>
      req.method === 'DELETE' ? reply(task(b, 'md'), 202) : undefined,
    );

    await cloud.startDeleteMetadata(`${base}/api/vApp/vapp-1`, 'labbot.ticket/x');

    expect(server.requests.at(-1)?.url).toBe('/api/vApp/vapp-1/metadata/labbot.ticket%2Fx');
  });
});

describe('vcd/vcd-cloud capture', () => {
  const catalogQuery: Route = (_req, url, base) =>
    url.pathname === '/api/query' && url.searchParams.get('type') === 'catalog'
      ? reply(
          records(
            'CatalogRecord',
            url.searchParams.get('filter') === 'name==labs'
              ? [{ name: 'labs', href: `${base}/api/catalog/cat-1` }]
              : [],
          ),
        )
      : undefined;
  const capture =
    (owner: (base: string) => string, status = 'success'): Route =>
    (req, url, base) => {
      if (req.method === 'POST' && url.pathname === '/api/catalog/cat-1/action/captureVApp') {
        return reply(task(base, 'capture', 'running'), 202);
      }
      if (url.pathname === '/api/task/capture') {
        const error =
          status === 'error'
            ? '<Error majorErrorCode="400" minorErrorCode="DUPLICATE_NAME" message="exists"/>'
            : '';
        return reply(task(base, 'capture', status, `${owner(base)}${error}`));
      }
      return undefined;
    };

  it('finds the catalog by query, posts schema-valid CaptureVAppParams and returns the template from the task Owner', async () => {
    const { cloud, server, base } = await start(
      catalogQuery,
      capture(
        (b) =>
          `<Owner href="${b}/api/vAppTemplate/vappTemplate-new" name="esxi8-golden" type="application/vnd.vmware.vcloud.vAppTemplate+xml"/>`,
      ),
    );
    const seen: string[] = [];

    const template = await captureVApp(
      cloud,
      `${base}/api/vApp/vapp-1`,
      { name: 'esxi8-golden', description: 'captured by U123' },
      (p) => seen.push(p.status),
    );

    expect(template).toEqual({
      name: 'esxi8-golden',
      href: `${base}/api/vAppTemplate/vappTemplate-new`,
      catalogName: 'labs',
    });
    expect(apiCalls(server.requests)).toEqual([
      'GET /api/query?type=catalog&format=records&pageSize=128&filter=name==labs',
      'POST /api/catalog/cat-1/action/captureVApp',
      'GET /api/task/capture',
    ]);
    const post = server.requests.find((r) => r.method === 'POST' && r.url.includes('captureVApp'));
    expect(post?.headers['content-type']).toBe('application/vnd.vmware.vcloud.captureVAppParams+xml');
    const body = parseXml(post?.body ?? '');
    expect(attr(body, 'name')).toBe('esxi8-golden');
    expect(attr(child(body, 'Source'), 'href')).toBe(`${base}/api/vApp/vapp-1`);
    expect(validateAgainstXsd([{ name: 'capture', xml: post?.body ?? '' }])[0]?.errors).toEqual([]);
  });

  it('fails with the task error when the capture fails', async () => {
    const { cloud, base } = await start(
      catalogQuery,
      capture(() => '', 'error'),
    );

    await expect(captureVApp(cloud, `${base}/api/vApp/vapp-1`, { name: 'x' })).rejects.toBeInstanceOf(
      VcdTaskFailedError,
    );
  });

  it('fails with a typed error when the finished task names no template', async () => {
    const { cloud, base } = await start(
      catalogQuery,
      capture(
        (b) =>
          `<Owner href="${b}/api/vApp/vapp-1" name="lab" type="application/vnd.vmware.vcloud.vApp+xml"/>`,
      ),
    );

    await expect(captureVApp(cloud, `${base}/api/vApp/vapp-1`, { name: 'x' })).rejects.toMatchObject({
      name: 'VcdApiError',
      minorErrorCode: 'MALFORMED_RESPONSE',
    });
  });

  it('says which catalog is missing', async () => {
    const { cloud, base } = await start(catalogQuery);

    await expect(
      captureVApp(cloud, `${base}/api/vApp/vapp-1`, { name: 'x', catalogName: 'nope' }),
    ).rejects.toThrow(VcdNotFoundError);
  });
});

describe('vcd/vcd-cloud networks and edge gateways', () => {
  const networks: Route = (_req, url, base) =>
    url.pathname === '/api/query' && url.searchParams.get('type') === 'orgVdcNetwork'
      ? reply(
          records('OrgVdcNetworkRecord', [
            {
              name: 'VM Network',
              href: `${base}/api/network/n2`,
              vdc: `${base}/api/vdc/vdc-1`,
              vdcName: 'lab-vdc',
              linkType: '1',
              connectedTo: 'lab-edge',
              defaultGateway: '10.20.0.1',
              netmask: '255.255.0.0',
              isShared: 'false',
              isBusy: 'false',
            },
            {
              name: 'Management',
              href: `${base}/api/network/n1`,
              vdc: `${base}/api/admin/vdc/vdc-1`,
              vdcName: 'lab-vdc',
              linkType: '1',
              connectedTo: 'lab-edge',
            },
            {
              name: 'Other',
              href: `${base}/api/network/n3`,
              vdc: `${base}/api/vdc/vdc-2`,
              vdcName: 'other-vdc',
              linkType: '2',
            },
          ]),
        )
      : undefined;

  it('lists the VDC networks with their routing, scoped to the VDC', async () => {
    const { cloud, server, base } = await start(networks);

    const list = await cloud.inspector.listOrgVdcNetworks();

    expect(list.map((n) => [n.name, n.connection, n.edgeGatewayName])).toEqual([
      ['Management', 'natRouted', 'lab-edge'],
      ['VM Network', 'natRouted', 'lab-edge'],
    ]);
    expect(list[1]).toMatchObject({
      href: `${base}/api/network/n2`,
      gateway: '10.20.0.1',
      netmask: '255.255.0.0',
    });
    expect(apiCalls(server.requests)).toEqual([
      'GET /api/query?type=orgVdcNetwork&format=records&pageSize=128&filter=vdcName==lab-vdc',
    ]);
  });

  const edgeXml = (base: string, natRules: string): string =>
    `<EdgeGateway ${NS} href="${base}/api/admin/edgeGateway/e1" name="lab-edge">
      <Link rel="edgeGateway:configureServices" href="${base}/api/admin/edgeGateway/e1/action/configureServices"/>
      <Configuration><GatewayInterfaces><GatewayInterface><Name>internet</Name>
        <Network href="${base}/api/admin/network/ext" name="internet"/><InterfaceType>uplink</InterfaceType>
        <SubnetParticipation><Gateway>203.0.113.1</Gateway><Netmask>255.255.255.0</Netmask><IpAddress>203.0.113.2</IpAddress>
        <IpRanges><IpRange><StartAddress>203.0.113.10</StartAddress><EndAddress>203.0.113.20</EndAddress></IpRange></IpRanges></SubnetParticipation>
      </GatewayInterface></GatewayInterfaces>
      <EdgeGatewayServiceConfiguration>
        <FirewallService><IsEnabled>true</IsEnabled><DefaultAction>drop</DefaultAction><LogDefaultAction>false</LogDefaultAction></FirewallService>
        <NatService><IsEnabled>true</IsEnabled>${natRules}</NatService>
      </EdgeGatewayServiceConfiguration></Configuration></EdgeGateway>`;
  const natRule = (base: string, port: string): string =>
    `<NatRule><RuleType>DNAT</RuleType><IsEnabled>true</IsEnabled><GatewayNatRule><Interface href="${base}/api/admin/network/ext"/><OriginalIp>203.0.113.10</OriginalIp><OriginalPort>${port}</OriginalPort><TranslatedIp>10.10.0.5</TranslatedIp><TranslatedPort>22</TranslatedPort><Protocol>tcp</Protocol></GatewayNatRule></NatRule>`;

  /** An edge whose NAT rules are whatever configureServices last received. */
  function edgeRoutes(initialRules: (base: string) => string = () => ''): Route {
    let rules: string | undefined;
    return (req, url, base) => {
      rules ??= initialRules(base);
      if (url.pathname === '/api/query' && url.searchParams.get('type') === 'edgeGateway') {
        return reply(
          records('EdgeGatewayRecord', [
            {
              name: 'other-edge',
              href: `${base}/api/admin/edgeGateway/e9`,
              vdc: `${base}/api/vdc/vdc-2`,
              orgVdcName: 'other',
            },
            {
              name: 'lab-edge',
              href: `${base}/api/admin/edgeGateway/e1`,
              vdc: `${base}/api/vdc/vdc-1`,
              orgVdcName: 'lab-vdc',
              isBusy: 'false',
              gatewayStatus: 'READY',
            },
          ]),
        );
      }
      if (url.pathname === '/api/admin/edgeGateway/e1' && req.method === 'GET') {
        return reply(edgeXml(base, rules));
      }
      if (url.pathname === '/api/admin/edgeGateway/e1/action/configureServices') {
        const nat = child(parseXml(req.body), 'NatService');
        rules = (nat?.children ?? [])
          .filter((c) => c.name === 'NatRule')
          .map((r) =>
            natRule(
              base,
              textOf(
                r.children.find((c) => c.name === 'GatewayNatRule'),
                'OriginalPort',
              ) ?? '',
            ),
          )
          .join('');
        return reply(task(base, `edge-${server?.requests.length ?? 0}`, 'running'), 202);
      }
      return taskRoute(req, url, base);
    };
  }

  it('lists only the VDC edge gateways and reads the uplink public ranges and NAT rules', async () => {
    const { cloud, base } = await start(edgeRoutes((b) => natRule(b, '2201')));

    const edges = await cloud.inspector.listEdgeGateways();
    const edge = await cloud.inspector.getEdgeGateway(edges[0]?.href ?? '');

    expect(edges).toEqual([
      expect.objectContaining({
        name: 'lab-edge',
        href: `${base}/api/admin/edgeGateway/e1`,
        busy: false,
        gatewayStatus: 'READY',
      }),
    ]);
    expect(edge.uplinks[0]?.subnets[0]?.ipRanges).toEqual([{ start: '203.0.113.10', end: '203.0.113.20' }]);
    expect(edge.nat?.rules.map((r) => r.originalPort)).toEqual(['2201']);
  });

  it('serializes concurrent NAT changes on one edge: each reads what the previous one wrote', async () => {
    const { cloud, server, base } = await start(edgeRoutes());
    const edgeHref = `${base}/api/admin/edgeGateway/e1`;
    const addRule =
      (port: string) =>
      (current: EdgeServices): EdgeServices => ({
        ...current,
        nat: {
          ...current.nat,
          rules: [
            ...current.nat.rules,
            {
              ruleType: 'DNAT',
              enabled: true,
              interfaceHref: `${base}/api/admin/network/ext`,
              originalIp: '203.0.113.10',
              originalPort: port,
              translatedIp: '10.10.0.5',
              translatedPort: '22',
              protocol: 'tcp',
            },
          ],
        },
      });

    await Promise.all([
      cloud.updateEdgeGatewayServices(edgeHref, addRule('2201')),
      cloud.updateEdgeGatewayServices(edgeHref, addRule('2202')),
    ]);

    const posts = server.requests.filter((r) => r.url.endsWith('/configureServices'));
    expect(posts).toHaveLength(2);
    const ports = (body: string): string[] =>
      children(child(parseXml(body), 'NatService'), 'NatRule').map(
        (r) => textOf(child(r, 'GatewayNatRule'), 'OriginalPort') ?? '',
      );
    expect(ports(posts[0]?.body ?? '')).toEqual(['2201']);
    expect(ports(posts[1]?.body ?? '')).toEqual(['2201', '2202']);
    expect(posts[0]?.headers['content-type']).toBe(
      'application/vnd.vmware.admin.edgeGatewayServiceConfiguration+xml',
    );
    // Order on the wire: read, write, wait; then the second change.
    expect(apiCalls(server.requests).map((c) => c.replace(/edge-\d+/, 'edge-n'))).toEqual([
      'GET /api/admin/edgeGateway/e1',
      'POST /api/admin/edgeGateway/e1/action/configureServices',
      'GET /api/task/edge-n',
      'GET /api/admin/edgeGateway/e1',
      'POST /api/admin/edgeGateway/e1/action/configureServices',
      'GET /api/task/edge-n',
    ]);
    expect(
      validateAgainstXsd(posts.map((p, i) => ({ name: `edge ${i}`, xml: p.body }))).map((r) => r.errors),
    ).toEqual([[], []]);
  });

  it('refuses to rewrite a service holding rules it cannot write back, yet changes the other, one after the other', async () => {
    const oneToOne = `<NatRule><OneToOneBasicRule><MappingMode>manual</MappingMode><ExternalIpAddress>1.2.3.4</ExternalIpAddress><InternalIpAddress>10.0.0.1</InternalIpAddress></OneToOneBasicRule></NatRule>`;
    const { cloud, server, base } = await start(edgeRoutes(() => oneToOne));
    const edgeHref = `${base}/api/admin/edgeGateway/e1`;

    const natChange = cloud.updateEdgeGatewayServices(edgeHref, (c) => ({
      ...c,
      nat: { ...c.nat, enabled: false },
    }));
    const firewallChange = cloud.updateEdgeGatewayServices(edgeHref, (c) => ({
      ...c,
      firewall: {
        ...c.firewall,
        rules: [
          { enabled: true, policy: 'allow', protocols: ['tcp'], destinationIp: 'Any', sourceIp: 'Any' },
        ],
      },
    }));

    await expect(natChange).rejects.toMatchObject({
      name: 'VcdApiError',
      minorErrorCode: 'UNSUPPORTED_EDGE_CONFIGURATION',
    });
    await expect(firewallChange).resolves.toBeUndefined();
    const posts = server.requests.filter((r) => r.url.endsWith('/configureServices'));
    expect(posts).toHaveLength(1);
    expect(parseXml(posts[0]?.body ?? '').children.map((c) => c.name)).toEqual(['FirewallService']);
  });

  it('sends nothing when a change leaves the services as they were', async () => {
    const { cloud, server, base } = await start(edgeRoutes((b) => natRule(b, '2201')));

    await cloud.updateEdgeGatewayServices(`${base}/api/admin/edgeGateway/e1`, (c) => ({
      nat: { ...c.nat, rules: [...c.nat.rules] },
      firewall: c.firewall,
    }));

    expect(server.requests.filter((r) => r.url.endsWith('/configureServices'))).toHaveLength(0);
  });
});

describe('vcd/vcd-cloud listManagedVApps', () => {
  it('follows five pages of 128, asks for our metadata fields, and returns only vApps carrying labbot.id', async () => {
    const pages = 5;
    const { cloud, server } = await start((_req, url, base) => {
      if (url.pathname !== '/api/query' || url.searchParams.get('type') !== 'vApp') {
        return undefined;
      }
      const page = Number(url.searchParams.get('page') ?? '1');
      const rows: Record<string, string>[] = [];
      const metadata: string[] = [];
      for (let i = 0; i < (page < pages ? 128 : 3); i += 1) {
        const n = (page - 1) * 128 + i;
        rows.push({
          name: `vapp-${n}`,
          href: `${base}/api/vApp/vapp-${n}`,
          vdcName: 'lab-vdc',
          status: n % 2 === 0 ? 'POWERED_ON' : 'POWERED_OFF',
          isBusy: String(n === 7),
          isDeployed: 'true',
        });
        // Every third vApp is someone else's: no labbot.id (one has only an owner key).
        metadata.push(
          n % 3 === 0
            ? n % 6 === 0
              ? entry('labbot.owner', 'U1')
              : ''
            : entry('labbot.id', `lab-${n}`) +
                entry('labbot.owner', `U${n}`) +
                entry('labbot.kind', 'demo') +
                entry('labbot.expiresAt', '2026-01-01T12:00:00.000Z'),
        );
      }
      const next =
        page < pages
          ? `${base}/api/query?type=vApp&format=records&pageSize=128&page=${page + 1}&filter=vdcName==lab-vdc`
          : undefined;
      return reply(records('VAppRecord', rows, next, metadata));
    });

    const vapps = await cloud.listManagedVApps();

    const queries = server.requests.filter((r) => r.url.includes('type=vApp'));
    expect(queries).toHaveLength(5);
    const first = new URL(queries[0]?.url ?? '', 'http://x').searchParams;
    expect(first.get('pageSize')).toBe('128');
    expect(first.get('filter')).toBe('vdcName==lab-vdc');
    expect(first.get('fields')?.split(',')).toEqual(
      expect.arrayContaining([
        'name',
        'status',
        'isBusy',
        'metadata:labbot.id',
        'metadata:labbot.owner',
        'metadata:labbot.kind',
        'metadata:labbot.ticket',
        'metadata:labbot.expiresAt',
      ]),
    );
    const total = 4 * 128 + 3;
    expect(vapps).toHaveLength(total - Math.ceil(total / 3));
    expect(vapps.every((v) => v.metadata.labId.startsWith('lab-'))).toBe(true);
    expect(vapps.find((v) => v.name === 'vapp-7')).toMatchObject({
      busy: true,
      powerState: 'powered_off',
      metadata: {
        labId: 'lab-7',
        owner: 'U7',
        kind: 'demo',
        expiresAt: '2026-01-01T12:00:00.000Z',
        ticket: undefined,
      },
    });
  });
});
