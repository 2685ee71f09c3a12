import { VcdApiError, VcdNotFoundError, VcdTaskFailedError } from '../../src/vcd/errors';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { attr, child, childPath, children, parseXml, textOf } from '../../src/vcd/wire/xml';
import { validateAgainstXsd } from '../helpers/xsd';
import {
  errorXml,
  fakeTime,
  JSON_TYPE,
  startFakeVcd,
  taskXml,
  versionsXml,
  XML,
  type FakeReply,
  type FakeVcdServer,
  type RecordedRequest,
} from './helpers/fake-vcd-server';
import { recordingLogger } from '../helpers/logger';

const NS = 'xmlns="http://www.vmware.com/vcloud/v1.5"';

let server: FakeVcdServer | undefined;
let cloud: VcdCloud | undefined;

afterEach(async () => {
  cloud?.close();
  cloud = undefined;
  await server?.close();
  server = undefined;
});

function records(type: string, rows: Record<string, string>[], nextPage?: string): string {
  const link = nextPage ? `<Link rel="nextPage" href="${nextPage.replace(/&/g, '&amp;')}"/>` : '';
  const body = rows
    .map(
      (r) =>
        `<${type} ${Object.entries(r)
          .map(([k, v]) => `${k}="${v}"`)
          .join(' ')}/>`,
    )
    .join('');
  return `<QueryResultRecords ${NS} page="1" pageSize="128">${link}${body}</QueryResultRecords>`;
}

function vappXml(base: string, name: string): string {
  return `<VApp ${NS} xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" href="${base}/api/vApp/vapp-1" name="${name}" status="4" deployed="true">
    <Description>demo</Description>
    <Children><Vm href="${base}/api/vApp/vm-1" name="esxi-01" status="4" deployed="true">
      <ovf:VirtualHardwareSection xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
        <ovf:Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>8</rasd:VirtualQuantity></ovf:Item>
        <ovf:Item><rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>32</rasd:VirtualQuantity></ovf:Item>
      </ovf:VirtualHardwareSection>
      <NetworkConnectionSection><ovf:Info/>
        <NetworkConnection network="VM Network"><NetworkConnectionIndex>1</NetworkConnectionIndex><IsConnected>true</IsConnected><MACAddress>00:50:56:01:00:02</MACAddress><NetworkAdapterType>E1000</NetworkAdapterType></NetworkConnection>
        <NetworkConnection network="Management"><NetworkConnectionIndex>0</NetworkConnectionIndex><IpAddress>10.0.0.5</IpAddress><IsConnected>true</IsConnected><MACAddress>00:50:56:01:00:01</MACAddress><NetworkAdapterType>VMXNET3</NetworkAdapterType></NetworkConnection>
      </NetworkConnectionSection>
    </Vm></Children></VApp>`;
}

interface Options {
  shutdownFails?: boolean;
  templates?: string[][];
  /** Final status of the instantiation task. */
  instantiateEnds?: 'success' | 'error' | 'aborted';
  /** Body of a 200 answer to GET vapp-1, replacing the vApp document. */
  vappBody?: string;
}

/** A VCD that answers exactly the calls VcdCloud is documented to make. */
async function start(options: Options = {}) {
  let base = '';
  const reply = (body: string, status = 200): FakeReply => ({ status, headers: XML, body });
  server = await startFakeVcd((req: RecordedRequest): FakeReply => {
    const url = new URL(req.url, 'http://x');
    const q = url.searchParams;
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /api/versions') {
      return reply(versionsXml(['37.0', '38.0']));
    }
    if (route === 'POST /oauth/tenant/lab/token') {
      return {
        status: 200,
        headers: JSON_TYPE,
        body: JSON.stringify({ access_token: 'at', refresh_token: 'rt' }),
      };
    }
    if (route === 'GET /api/query' && q.get('type') === 'orgVdc') {
      return reply(
        records(
          'OrgVdcRecord',
          q.get('filter') === 'name==lab-vdc' ? [{ name: 'lab-vdc', href: `${base}/api/vdc/vdc-1` }] : [],
        ),
      );
    }
    if (route === 'GET /api/query' && q.get('type') === 'orgVdcNetwork') {
      const name = (q.get('filter') ?? '').replace(/^name==/, '');
      return reply(
        records('OrgVdcNetworkRecord', [
          {
            name,
            href: `${base}/api/network/other-${encodeURIComponent(name)}`,
            vdc: `${base}/api/vdc/vdc-2`,
            vdcName: 'other',
          },
          {
            name,
            href: `${base}/api/network/${encodeURIComponent(name)}`,
            vdc: `${base}/api/vdc/vdc-1`,
            vdcName: 'lab-vdc',
          },
        ]),
      );
    }
    if (route === 'GET /api/query' && q.get('type') === 'vAppTemplate') {
      const pages = options.templates ?? [['nested-esxi-8'], ['nested-esxi-7', 'vcsa']];
      const page = Number(q.get('page') ?? '1');
      const next =
        page < pages.length
          ? `${base}/api/query?type=vAppTemplate&format=records&pageSize=128&page=${page + 1}&filter=catalogName==labs`
          : undefined;
      const rows = (pages[page - 1] ?? []).map((name) => ({
        name,
        catalogName: 'labs',
        href: `${base}/api/vAppTemplate/vappTemplate-${name}`,
      }));
      return reply(records('VAppTemplateRecord', rows, next));
    }
    if (route === 'GET /api/query' && q.get('type') === 'vApp') {
      return reply(
        records('VAppRecord', [
          { name: 'lab-demo-4kq*', href: `${base}/api/vApp/vapp-wild`, vdc: `${base}/api/vdc/vdc-1` },
          { name: 'lab-demo-4kq', href: `${base}/api/vApp/vapp-1`, vdc: `${base}/api/vdc/vdc-1` },
        ]),
      );
    }
    if (route === 'POST /api/vdc/vdc-1/action/instantiateVAppTemplate') {
      const name = attr(parseXml(req.body), 'name') ?? '';
      return reply(
        `<VApp ${NS} href="${base}/api/vApp/vapp-1" name="${name}" status="0" deployed="false"><Tasks>` +
          `<Task href="${base}/api/task/other" status="running" operationName="vappUpdateVm"/>` +
          `<Task href="${base}/api/task/inst" status="running" operationName="vdcInstantiateVapp"/></Tasks></VApp>`,
        201,
      );
    }
    if (route === 'GET /api/vApp/vapp-1') {
      return reply(options.vappBody ?? vappXml(base, 'lab-demo-4kq'));
    }
    if (route === 'GET /api/task/inst' && options.instantiateEnds !== undefined) {
      const error =
        options.instantiateEnds === 'success'
          ? ''
          : '<Error majorErrorCode="500" minorErrorCode="INTERNAL_SERVER_ERROR" message="[ req-9 ] Unable to clone the template disk"/>';
      return reply(
        `<Task ${NS} href="${base}/api/task/inst" status="${options.instantiateEnds}" operationName="vdcInstantiateVapp">${error}</Task>`,
      );
    }
    if (route === 'GET /api/vApp/vapp-gone') {
      return {
        status: 403,
        headers: XML,
        body: errorXml(403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', 'No access to entity'),
      };
    }
    if (route === 'POST /api/vApp/vapp-1/metadata') {
      return reply(taskXml(`${base}/api/task/meta`, 'queued'), 202);
    }
    if (route === 'GET /api/vApp/vapp-1/metadata') {
      return reply(
        `<Metadata ${NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><MetadataEntry><Key>labbot.id</Key><TypedValue xsi:type="MetadataStringValue"><Value>demo-4kq</Value></TypedValue></MetadataEntry></Metadata>`,
      );
    }
    if (route === 'POST /api/vApp/vapp-1/power/action/powerOn') {
      return reply(taskXml(`${base}/api/task/on`, 'queued'), 202);
    }
    if (route === 'POST /api/vApp/vapp-1/action/undeploy') {
      const action = textOf(parseXml(req.body), 'UndeployPowerAction');
      return reply(taskXml(`${base}/api/task/undeploy-${action}`, 'running'), 202);
    }
    if (route === 'GET /api/task/undeploy-shutdown') {
      return reply(
        options.shutdownFails
          ? taskXml(
              `${base}${url.pathname}`,
              'error',
              '<Error message="VMware Tools is not running" majorErrorCode="500"/>',
            )
          : taskXml(`${base}${url.pathname}`, 'success'),
      );
    }
    if (route.startsWith('GET /api/task/')) {
      return reply(taskXml(`${base}${url.pathname}`, 'success'));
    }
    if (route === 'DELETE /api/vApp/vapp-1') {
      return reply(taskXml(`${base}/api/task/del`, 'queued'), 202);
    }
    return { status: 404, headers: XML, body: errorXml(404, 'RESOURCE_NOT_FOUND', `no route ${route}`) };
  });
  base = server.url;
  const time = fakeTime();
  cloud = new VcdCloud({
    url: server.url,
    org: 'lab',
    vdc: 'lab-vdc',
    catalog: 'labs',
    networks: ['Management', 'VM Network'],
    auth: { kind: 'token', apiToken: 'simulated-api-token' },
    simulated: true,
    logger: recordingLogger(),
    ...time,
  });
  return { cloud, server, base, time };
}

const calls = (requests: RecordedRequest[]) =>
  requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`);

describe('vcd/vcd-cloud', () => {
  it('deploys undeployed and powered off, bridging the VDC networks, with the runtime lease', async () => {
    const { cloud, server, base } = await start();

    const started = await cloud.startDeploy({
      vappName: 'lab-demo-4kq',
      description: 'demo lab <for> "U123"',
      templateName: 'vcsa',
      runtimeLeaseSeconds: 14_400,
    });

    expect(started).toEqual({ vappHref: `${base}/api/vApp/vapp-1`, task: { href: `${base}/api/task/inst` } });
    expect(calls(server.requests)).toEqual([
      'GET /api/versions',
      'POST /oauth/tenant/lab/token',
      'GET /api/query?type=orgVdc&format=records&pageSize=128&filter=name==lab-vdc',
      'GET /api/query?type=orgVdcNetwork&format=records&pageSize=128&filter=name==Management',
      'GET /api/query?type=orgVdcNetwork&format=records&pageSize=128&filter=name==VM Network',
      'GET /api/query?type=vAppTemplate&format=records&pageSize=128&filter=catalogName==labs',
      'GET /api/query?type=vAppTemplate&format=records&pageSize=128&page=2&filter=catalogName==labs',
      'POST /api/vdc/vdc-1/action/instantiateVAppTemplate',
    ]);
    const post = server.requests.at(-1);
    expect(post?.headers['content-type']).toBe(
      'application/vnd.vmware.vcloud.instantiateVAppTemplateParams+xml',
    );
    const body = parseXml(post?.body ?? '');
    expect(body.attributes).toMatchObject({ name: 'lab-demo-4kq', deploy: 'false', powerOn: 'false' });
    expect(textOf(body, 'Description')).toBe('demo lab <for> "U123"');
    expect(attr(child(body, 'Source'), 'href')).toBe(`${base}/api/vAppTemplate/vappTemplate-vcsa`);
    expect(
      children(childPath(body, 'InstantiationParams', 'NetworkConfigSection'), 'NetworkConfig').map((c) => [
        attr(c, 'networkName'),
        attr(childPath(c, 'Configuration', 'ParentNetwork'), 'href'),
      ]),
    ).toEqual([
      ['Management', `${base}/api/network/Management`],
      ['VM Network', `${base}/api/network/VM%20Network`],
    ]);
    expect(
      textOf(childPath(body, 'InstantiationParams', 'LeaseSettingsSection'), 'DeploymentLeaseInSeconds'),
    ).toBe('14400');
    expect(validateAgainstXsd([{ name: 'instantiate', xml: post?.body ?? '' }])[0]?.errors).toEqual([]);
  });

  it('looks the VDC and networks up once', async () => {
    const { cloud, server } = await start();
    const request = { vappName: 'lab-a', description: '', templateName: 'vcsa', runtimeLeaseSeconds: 60 };

    await cloud.startDeploy(request);
    await cloud.startDeploy(request);

    expect(calls(server.requests).filter((c) => c.includes('type=orgVdc'))).toHaveLength(3);
  });

  it('throws VcdNotFoundError for a template that is not in the catalog, without instantiating', async () => {
    const { cloud, server } = await start();

    await expect(
      cloud.startDeploy({
        vappName: 'lab-a',
        description: '',
        templateName: 'nope',
        runtimeLeaseSeconds: 60,
      }),
    ).rejects.toBeInstanceOf(VcdNotFoundError);
    expect(calls(server.requests).some((c) => c.includes('instantiate'))).toBe(false);
  });

  it('lists every page of the catalog, sorted', async () => {
    const { cloud } = await start();

    expect((await cloud.listTemplates()).map((t) => t.name)).toEqual([
      'nested-esxi-7',
      'nested-esxi-8',
      'vcsa',
    ]);
  });

  it('maps a vApp to the domain, NICs in index order with MACs and adapter types', async () => {
    const { cloud, base } = await start();

    const vapp = await cloud.getVApp(`${base}/api/vApp/vapp-1`);

    expect(vapp).toEqual({
      href: `${base}/api/vApp/vapp-1`,
      name: 'lab-demo-4kq',
      description: 'demo',
      powerState: 'powered_on',
      deployed: true,
      vms: [
        {
          name: 'esxi-01',
          href: `${base}/api/vApp/vm-1`,
          powerState: 'powered_on',
          cpus: 8,
          memoryMb: 32768,
          nics: [
            {
              index: 0,
              network: 'Management',
              mac: '00:50:56:01:00:01',
              ipAddress: '10.0.0.5',
              adapterType: 'VMXNET3',
              connected: true,
            },
            {
              index: 1,
              network: 'VM Network',
              mac: '00:50:56:01:00:02',
              ipAddress: undefined,
              adapterType: 'E1000',
              connected: true,
            },
          ],
        },
      ],
    });
  });

  it('returns undefined for a vApp VCD no longer shows (403 forbidden)', async () => {
    const { cloud, base } = await start();

    await expect(cloud.getVApp(`${base}/api/vApp/vapp-gone`)).resolves.toBeUndefined();
  });

  it('finds a vApp by exact name with the value escaped in the filter', async () => {
    const { cloud, server } = await start();

    const found = await cloud.findVAppByName('lab-demo-4kq');

    expect(found?.name).toBe('lab-demo-4kq');
    expect(calls(server.requests)).toContain(
      'GET /api/query?type=vApp&format=records&pageSize=128&filter=name==lab-demo-4kq',
    );
  });

  it('escapes a hostile name instead of letting it change the filter', async () => {
    const { cloud, server } = await start();

    await cloud.findVAppByName('a;b,c(d)');

    const query = server.requests.find((r) => r.url.includes('type=vApp&'));
    expect(query?.url).toContain('filter=name==a%5C%3Bb%5C%2Cc%5C%28d%5C%29');
  });

  it('sets metadata in one POST and skips an empty set', async () => {
    const { cloud, server, base } = await start();

    const task = await cloud.setMetadata(`${base}/api/vApp/vapp-1`, {
      'labbot.id': 'demo-4kq',
      'labbot.owner': 'U<1>',
    });
    const none = await cloud.setMetadata(`${base}/api/vApp/vapp-1`, {});

    expect(task).toEqual({ href: `${base}/api/task/meta` });
    expect(none).toBeUndefined();
    const posts = server.requests.filter((r) => r.url.endsWith('/metadata'));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.headers['content-type']).toBe('application/vnd.vmware.vcloud.metadata+xml');
    expect(await cloud.getMetadata(`${base}/api/vApp/vapp-1`)).toEqual({ 'labbot.id': 'demo-4kq' });
  });

  it('powers on, deletes and waits for tasks', async () => {
    const { cloud, base } = await start();
    const vapp = `${base}/api/vApp/vapp-1`;

    const on = await cloud.startPowerOn(vapp);
    await cloud.waitForTask(on);
    const del = await cloud.startDelete(vapp);

    expect(on).toEqual({ href: `${base}/api/task/on` });
    expect(del).toEqual({ href: `${base}/api/task/del` });
  });

  it('undeploys with shutdown when the guest cooperates', async () => {
    const { cloud, server, base } = await start();

    const task = await cloud.startUndeploy(`${base}/api/vApp/vapp-1`);

    expect(task).toEqual({ href: `${base}/api/task/undeploy-shutdown` });
    expect(server.requests.filter((r) => r.url.endsWith('/action/undeploy'))).toHaveLength(1);
  });

  it('falls back to power off when the shutdown task fails', async () => {
    const { cloud, server, base } = await start({ shutdownFails: true });

    const task = await cloud.startUndeploy(`${base}/api/vApp/vapp-1`);

    expect(task).toEqual({ href: `${base}/api/task/undeploy-powerOff` });
    const bodies = server.requests.filter((r) => r.url.endsWith('/action/undeploy'));
    expect(bodies.map((r) => textOf(parseXml(r.body), 'UndeployPowerAction'))).toEqual([
      'shutdown',
      'powerOff',
    ]);
    expect(bodies[0]?.headers['content-type']).toBe('application/vnd.vmware.vcloud.undeployVAppParams+xml');
  });

  it.each(['error', 'aborted'] as const)(
    'answers the 201 VApp at once and fails the wait when its instantiation task ends %s',
    async (status) => {
      const { cloud, base } = await start({ instantiateEnds: status });

      const started = await cloud.startDeploy({
        vappName: 'lab-demo-4kq',
        description: '',
        templateName: 'vcsa',
        runtimeLeaseSeconds: 60,
      });
      const failure: unknown = await cloud.waitForTask(started.task).catch((e: unknown) => e);

      expect(started.vappHref).toBe(`${base}/api/vApp/vapp-1`);
      expect(failure).toBeInstanceOf(VcdTaskFailedError);
      expect(failure).toMatchObject({
        kind: 'task_failed',
        status,
        operation: 'vdcInstantiateVapp',
        taskHref: `${base}/api/task/inst`,
      });
      if (status === 'error') {
        expect(failure).toMatchObject({
          taskError: { minorErrorCode: 'INTERNAL_SERVER_ERROR', requestId: 'req-9' },
        });
      }
    },
  );

  it('reports the progress of a task it waits on, polling on the injected clock', async () => {
    let polls = 0;
    server = await startFakeVcd((req) => {
      if (req.url === '/api/versions') {
        return { status: 200, headers: XML, body: versionsXml(['38.0']) };
      }
      if (req.url === '/oauth/tenant/lab/token') {
        return { status: 200, headers: JSON_TYPE, body: '{"access_token":"at"}' };
      }
      polls += 1;
      const status = polls < 3 ? 'running' : 'success';
      return {
        status: 200,
        headers: XML,
        body: `<Task ${NS} href="${req.url}" status="${status}"><Progress>${polls * 30}</Progress></Task>`,
      };
    });
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
    const seen: { percent?: number; status: string }[] = [];

    await cloud.waitForTask({ href: '/api/task/p' }, (p) => seen.push(p));

    expect(seen).toEqual([
      { percent: 30, status: 'running' },
      { percent: 60, status: 'running' },
    ]);
    // 250 ms first (0% done says nothing yet); then by the progress: 60% after 250 ms leaves ~167 ms, + 30 ms margin.
    expect(time.sleeps).toEqual([250, 197]);
  });

  it.each([
    ['malformed XML', '<VApp href="x"><Children></VApp>'],
    ['an HTML error page', '<html><body>Service Unavailable</body></html>'],
    ['an empty body', ''],
    ['a VApp without href', `<VApp ${NS} name="x"/>`],
  ])('turns a 200 with %s into a typed error instead of crashing', async (_what, body) => {
    const { cloud, base } = await start({ vappBody: body });

    const failure: unknown = await cloud.getVApp(`${base}/api/vApp/vapp-1`).catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(VcdApiError);
    expect(failure).toMatchObject({ minorErrorCode: 'MALFORMED_RESPONSE', httpStatus: 200 });
  });

  it('reports a task still running on the vApp as pending', async () => {
    const { cloud, base } = await start({
      vappBody: `<VApp ${NS} href="http://h/api/vApp/vapp-1" name="x" status="0"><Tasks><Task href="http://h/api/task/t1" status="running"/></Tasks></VApp>`,
    });

    expect(await cloud.getVApp(`${base}/api/vApp/vapp-1`)).toMatchObject({
      powerState: 'creating',
      pendingTask: { href: 'http://h/api/task/t1' },
    });
  });
});
