import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { VcdApiError, VcdNotFoundError, VcdUnavailableError } from '../../../src/vcd/errors';
import { errorFromResponse } from '../../../src/vcd/response-errors';
import { parseVcdErrorDocument } from '../../../src/vcd/wire/error';
import { parseLeaseSettingsSection, readLease } from '../../../src/vcd/wire/lease';
import { metadataToRecord, parseMetadata, parseMetadataValue } from '../../../src/vcd/wire/metadata';
import { parseCatalogItem, parseOrgList, parseSession, parseVdc } from '../../../src/vcd/wire/org';
import { parseQueryRecords } from '../../../src/vcd/wire/query';
import { parseTask, parseTasksList } from '../../../src/vcd/wire/task';
import { parseVApp, parseVAppTemplate, parseVm, totalDiskMb } from '../../../src/vcd/wire/vapp';
import { parseNetworkConfigSection, readNetworkConfigSection } from '../../../src/vcd/wire/vapp-network';
import { parseSupportedVersions } from '../../../src/vcd/wire/versions';
import { expectRoot } from '../../../src/vcd/wire/wire-format';
import { attr, child, childPath, parseXml } from '../../../src/vcd/wire/xml';

/** Recorded real VCD documents, read in place (never copied into the repository). */
const FIXTURES = path.resolve(__dirname, '../../../../shared/vcd-fixtures');

function fixture(relative: string): string {
  return readFileSync(path.join(FIXTURES, relative), 'utf8');
}

function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return listFiles(full, suffix);
    }
    return entry.name.endsWith(suffix) ? [full] : [];
  });
}

interface Cassette {
  http_interactions: {
    request: { method: string; uri: string; body?: { string?: string } };
    response: { status: { code: number }; body?: { string?: string } };
  }[];
}

interface FixtureDocument {
  name: string;
  xml: string;
  /** HTTP status it was answered with, where known (cassettes); request bodies have none. */
  status?: number;
  request: boolean;
}

/** Every XML body in the fog-vcloud-director VCR cassettes (responses, and the one request that has a body). */
function cassetteBodies(): FixtureDocument[] {
  return listFiles(path.join(FIXTURES, 'fog-vcloud-director'), '.yml').flatMap((file) => {
    const cassette = parseYaml(readFileSync(file, 'utf8')) as Cassette;
    return cassette.http_interactions.flatMap((interaction, i): FixtureDocument[] =>
      [
        {
          name: `${path.basename(file)}#${i} response`,
          xml: interaction.response.body?.string ?? '',
          status: interaction.response.status.code,
          request: false,
        },
        {
          name: `${path.basename(file)}#${i} request`,
          xml: interaction.request.body?.string ?? '',
          request: true,
        },
      ].filter((b) => b.xml.trim().startsWith('<')),
    );
  });
}

/**
 * The client's parser for each document VCD sends, by root element, returning what the test checks about the
 * result: every document must come out as a client type with its identity filled in.
 */
const PARSERS: Record<string, (xml: string) => unknown> = {
  Task: parseTask,
  TasksList: parseTasksList,
  VApp: parseVApp,
  Vm: parseVm,
  VAppTemplate: parseVAppTemplate,
  QueryResultRecords: parseQueryRecords,
  Metadata: parseMetadata,
  MetadataValue: parseMetadataValue,
  SupportedVersions: parseSupportedVersions,
  Session: parseSession,
  OrgList: parseOrgList,
  Vdc: parseVdc,
  CatalogItem: parseCatalogItem,
  LeaseSettingsSection: parseLeaseSettingsSection,
  NetworkConfigSection: parseNetworkConfigSection,
  // A request body (jclouds' example): the client never receives one, but its sections are the same types the
  // client reads inside a VApp, so they go through the same readers.
  InstantiateVAppTemplateParams: (xml) => {
    const params = expectRoot(parseXml(xml), 'InstantiateVAppTemplateParams');
    const lease = childPath(params, 'InstantiationParams', 'LeaseSettingsSection');
    return {
      name: attr(params, 'name'),
      source: attr(child(params, 'Source'), 'href'),
      networks: readNetworkConfigSection(childPath(params, 'InstantiationParams', 'NetworkConfigSection')),
      lease: lease === undefined ? undefined : readLease(lease),
    };
  },
};

/** Parses a fixture the way the client would: Error documents become the typed error the funnel throws. */
function readFixture(doc: FixtureDocument): { root: string; value?: unknown; error?: Error } {
  const root = parseXml(doc.xml).name;
  if (root === 'Error') {
    const major = parseVcdErrorDocument(doc.xml).majorErrorCode ?? doc.status ?? 400;
    return {
      root,
      error: errorFromResponse(
        { method: 'GET', path: '/api/fixture', forbiddenMeansNotFound: true },
        { status: major, headers: {}, body: doc.xml },
      ),
    };
  }
  const parse = PARSERS[root];
  if (parse === undefined) {
    throw new Error(`no client parser for a ${root} document`);
  }
  return { root, value: parse(doc.xml) };
}

const xmlFiles: FixtureDocument[] = listFiles(FIXTURES, '.xml').map((file) => ({
  name: path.relative(FIXTURES, file),
  xml: readFileSync(file, 'utf8'),
  request: false,
}));
const cassettes = cassetteBodies();

describe('vcd/wire against recorded VCD documents', () => {
  it('finds the fixtures', () => {
    expect(xmlFiles.length).toBeGreaterThanOrEqual(27);
    expect(cassettes.length).toBeGreaterThanOrEqual(3);
  });

  it.each([...xmlFiles, ...cassettes].map((d) => [d.name, d] as const))(
    '%s parses into the client types, or into a typed error',
    (_name, doc) => {
      const { root, value, error } = readFixture(doc);

      if (root === 'Error') {
        expect(error).toBeInstanceOf(Error);
        expect(
          error instanceof VcdApiError ||
            error instanceof VcdNotFoundError ||
            error instanceof VcdUnavailableError,
        ).toBe(true);
        expect((error as { minorErrorCode?: string }).minorErrorCode ?? '').not.toBe('');
        return;
      }
      expect(value).toBeDefined();
      // Entities carry their identity; lists and sections carry their content.
      const identity = value as { href?: unknown; name?: unknown };
      if (['Task', 'VApp', 'Vm', 'VAppTemplate', 'Vdc', 'CatalogItem'].includes(root)) {
        expect(typeof identity.href).toBe('string');
        expect(identity.href).not.toBe('');
      }
      if (Array.isArray(value)) {
        expect(value.length).toBeGreaterThan(0);
      }
    },
  );

  it('reads the running task embedded in the instantiate response', () => {
    const vapp = parseVApp(
      fixture('libcloud/api_vdc_3d9ae28c_1de9_4307_8107_9356ff8ba6d0_action_instantiateVAppTemplate.xml'),
    );

    expect(vapp).toMatchObject({
      href: 'https://vm-vcloud/api/vApp/vapp-8c57a5b6-e61b-48ca-8a78-3b70ee65ef6a',
      name: 'testNode',
      status: 0,
      powerState: 'creating',
      deployed: false,
      description: 'testing instance',
      vms: [],
    });
    expect(vapp.tasks).toEqual([
      expect.objectContaining({
        href: 'https://vm-vcloud/api/task/b034df55-fe81-4798-bc81-1f0fd0ead450',
        status: 'running',
        operationName: 'vdcInstantiateVapp',
        progress: 1,
        owner: expect.objectContaining({
          href: 'https://vm-vcloud/api/vApp/vapp-b0331206-dcc4-4874-b90a-351ff6502124',
        }) as unknown,
      }),
    ]);
  });

  it("reads a full vApp's VMs with CPU, memory, disks and NICs with MACs", () => {
    const vapp = parseVApp(fixture('libcloud/api_vApp_vapp_8c57a5b6_e61b_48ca_8a78_3b70ee65ef6a.xml'));

    expect(vapp).toMatchObject({
      status: 4,
      powerState: 'powered_on',
      deployed: true,
      description: undefined,
    });
    expect(vapp.lease).toEqual(
      expect.objectContaining({ deploymentLeaseInSeconds: 0, storageLeaseInSeconds: 0 }),
    );
    expect(vapp.links.find((l) => l.rel === 'undeploy')?.href).toBe(
      'https://vm-vcloud/api/vApp/vapp-8c57a5b6-e61b-48ca-8a78-3b70ee65ef6a/action/undeploy',
    );
    expect(vapp.networks).toEqual([
      expect.objectContaining({
        name: 'vCloud - Default',
        fenceMode: 'bridged',
        parentNetworkName: 'vCloud - Default',
      }),
    ]);
    expect(vapp.vms).toHaveLength(1);
    expect(vapp.vms[0]?.links.some((l) => l.rel === 'power:powerOff')).toBe(true);
    expect(vapp.vms).toEqual([
      {
        href: 'https://vm-vcloud/api/vApp/vm-dd75d1d3-5b7b-48f0-aff3-69622ab7e045',
        id: 'urn:vcloud:vm:dd75d1d3-5b7b-48f0-aff3-69622ab7e045',
        name: 'testVm',
        status: 4,
        powerState: 'powered_on',
        deployed: true,
        cpus: 2,
        memoryMb: 4096,
        disks: [{ id: '2000', name: 'Hard disk 1', sizeMb: 61440, busType: '6', busSubType: 'lsilogic' }],
        guestOs: 'Red Hat Enterprise Linux 5 (64-bit)',
        primaryNicIndex: 0,
        links: expect.any(Array) as unknown,
        nestedHypervisorEnabled: undefined,
        nics: [
          {
            index: 0,
            network: 'vCloud - Default',
            mac: '00:50:56:01:00:99',
            ipAddress: '65.41.67.2',
            externalIpAddress: undefined,
            // No NetworkAdapterType on API 1.5: taken from the RASD item with the same MAC.
            adapterType: 'PCNet32',
            connected: true,
            allocationMode: 'POOL',
            needsCustomization: false,
          },
        ],
      },
    ]);
  });

  it('reads two NICs of the jclouds vApp in index order', () => {
    const vapp = parseVApp(fixture('jclouds-vcloud-director/vapp/vApp.xml'));

    expect(vapp.vms[0]?.nics.map((n) => [n.index, n.network, n.mac])).toEqual([
      [0, 'Routed01-Cloudsoft', '00:50:56:0a:02:13'],
      [1, 'internet01-Cloudsoft', '00:50:56:0a:02:14'],
    ]);
    expect(vapp.vms[0]).toMatchObject({ cpus: 1, memoryMb: 1024, nestedHypervisorEnabled: false });
  });

  it('reads disk sizes from the RASD HostResource capacity under any prefix', () => {
    const vm = parseVm(fixture('jclouds-vcloud-director/vm/vm.xml'));

    expect(vm.disks).toEqual([
      { id: '2000', name: 'Hard disk 1', sizeMb: 8192, busType: '6', busSubType: 'lsilogic' },
    ]);
    expect(totalDiskMb(vm)).toBe(8192);
  });

  it('reads disks from VmSpecSection when a 10.x VM has no RASD disk items', () => {
    const vm =
      parseVm(`<Vm xmlns="http://www.vmware.com/vcloud/v1.5" href="https://vcd/api/vApp/vm-1" name="esxi">
      <VmSpecSection Modified="false"><ovf:Info xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"/>
        <NumCpus>8</NumCpus><MemoryResourceMb><Configured>32768</Configured></MemoryResourceMb>
        <DiskSection><DiskSettings><DiskId>2000</DiskId><SizeMb>40960</SizeMb><AdapterType>5</AdapterType></DiskSettings>
        <DiskSettings><DiskId>2001</DiskId><SizeMb>204800</SizeMb><AdapterType>5</AdapterType></DiskSettings></DiskSection>
      </VmSpecSection></Vm>`);

    expect(vm).toMatchObject({ cpus: 8, memoryMb: 32768 });
    expect(vm.disks.map((d) => [d.id, d.sizeMb])).toEqual([
      ['2000', 40960],
      ['2001', 204800],
    ]);
  });

  it('reads the org list, a session, a VDC and a catalog item', () => {
    expect(parseOrgList(fixture('libcloud/api_org.xml'))).toEqual([
      {
        href: 'https://vm-vcloud/api/org/96726c78-4ae3-402f-b08b-7a78c6903d2a',
        name: 'MyOrg',
        type: 'application/vnd.vmware.vcloud.org+xml',
      },
    ]);
    expect(parseSession(fixture('jclouds-vcloud-director/session.xml'))).toMatchObject({
      user: 'adrian@jclouds.org',
      org: 'JClouds',
    });
    const vdc = parseVdc(fixture('libcloud/api_vdc_3d9ae28c_1de9_4307_8107_9356ff8ba6d0.xml'));
    expect(vdc).toMatchObject({ name: 'MyVdc', status: 1, allocationModel: 'AllocationPool' });
    expect(vdc.networks.map((n) => n.name)).toEqual(['vCloud - Default']);
    expect(vdc.resourceEntities).toHaveLength(5);
    expect(
      parseCatalogItem(fixture('libcloud/api_catalogItem_3132e037_759b_4627_9056_ca66466fa607.xml')),
    ).toMatchObject({
      name: 'VMMasterTemplate',
      entity: {
        name: 'ScrumVM_Master',
        href: 'https://vm-vcloud/api/vAppTemplate/vappTemplate-ac1bc027-bf8c-4050-8643-4971f691c158',
      },
      catalogHref: 'https://vm-vcloud/api/catalog/cddb3cb2-3394-4b14-b831-11fbc4028da4',
    });
  });

  it('reads a vApp template, its lease and customization', () => {
    const template = parseVAppTemplate(fixture('jclouds-vcloud-director/vapptemplate/vAppTemplate.xml'));

    expect(template).toMatchObject({
      name: 'ubuntu10',
      status: -1,
      goldMaster: false,
      owner: 'x@jclouds.org',
      vms: [],
      lease: { storageLeaseInSeconds: 0 },
    });
  });

  it('reads a lease settings section with its edit link', () => {
    const lease = parseLeaseSettingsSection(
      fixture('jclouds-vcloud-director/vapptemplate/leaseSettingsSection.xml'),
    );

    expect(lease).toMatchObject({
      deploymentLeaseInSeconds: 3600,
      storageLeaseInSeconds: 3600,
      deploymentLeaseExpiration: '2010-01-21T21:50:59.764-08:00',
      storageLeaseExpiration: undefined,
    });
    expect(lease.links.map((l) => l.rel)).toEqual(['edit']);
  });

  it('reads a natRouted vApp network with its firewall and one-to-one NAT', () => {
    const [network] = parseNetworkConfigSection(
      fixture('jclouds-vcloud-director/vapptemplate/networkConfigSection.xml'),
    );

    expect(network).toMatchObject({
      name: 'vAppNetwork',
      fenceMode: 'natRouted',
      parentNetworkName: 'Internet',
      gateway: '10.147.56.253',
      netmask: '255.255.255.0',
    });
    expect(network?.firewall?.rules.map((r) => [r.description, r.protocols, r.destinationPortRange])).toEqual(
      [
        ['FTP Rule', ['tcp'], '21'],
        ['SSH Rule', ['tcp'], '22'],
      ],
    );
    expect(network?.nat).toMatchObject({ enabled: true, natType: 'ipTranslation', policy: 'allowTraffic' });
    expect(network?.nat?.rules).toEqual([
      expect.objectContaining({ kind: 'oneToOneVm', originalIp: '64.100.10.1' }),
    ]);
  });

  it('reads the request body example with the same section readers', () => {
    const params = PARSERS.InstantiateVAppTemplateParams?.(
      fixture('jclouds-vcloud-director/vdc/instantiateVAppTemplate.xml'),
    );

    expect(params).toMatchObject({ source: expect.stringContaining('vAppTemplate') as unknown });
  });

  it('reads an API 9.0 Vm with NetworkAdapterType (fog cassette)', () => {
    const vm = cassettes.find((c) => c.name.startsWith('get_vm.yml#0 response'));
    const parsed = parseVm(vm?.xml ?? '');

    expect(parsed).toMatchObject({
      name: 'Web Server VM',
      status: 8,
      powerState: 'powered_off',
      cpus: 4,
      memoryMb: 1024,
    });
    expect(parsed.nics).toEqual([
      expect.objectContaining({
        index: 0,
        mac: '00:50:56:01:01:2a',
        adapterType: 'PCNet32',
        connected: true,
      }),
      expect.objectContaining({ index: 1, network: 'Localhost', mac: '00:50:56:01:01:2b' }),
    ]);
  });

  it('reads the 202 Task of the reconfigure cassette', () => {
    const task = cassettes.find((c) =>
      c.name.startsWith('post_reconfigure_vm-virtual_hardware.yml#0 response'),
    );

    expect(parseTask(task?.xml ?? '')).toMatchObject({
      href: 'https://VMWARE_CLOUD_HOST/api/task/9e0fe5aa-59b3-474a-a89a-72228587cb09',
      status: 'queued',
      operationName: 'vappUpdateVm',
    });
  });

  it('reads a failed task and its nested Error', () => {
    const task = parseTask(fixture('libcloud/api_task_undeploy_error.xml'));

    expect(task.status).toBe('error');
    expect(task.operationName).toBe('vappUndeployPowerOff');
    expect(task.error).toMatchObject({ majorErrorCode: 500, minorErrorCode: 'INTERNAL_SERVER_ERROR' });
    expect(task.error?.message).toContain('"tc-megamainline (388a8e0b-a91d-4893-b5b8-f7b294a56d30)"');
  });

  it('reads a successful task', () => {
    expect(parseTask(fixture('libcloud/api_task_deploy.xml')).status).toBe('success');
    expect(parseTasksList(fixture('jclouds-vcloud-director/task/tasksList.xml'))[0]?.operationName).toBe(
      'catalogCreateCatalog',
    );
  });

  it('turns the 403 fixture into VcdNotFoundError on a GET and OPERATION_LIMITS_EXCEEDED into VcdApiError', () => {
    const forbidden = readFixture({
      name: 'x',
      xml: fixture('libcloud/api_vApp_vapp_access_to_resource_forbidden.xml'),
      request: false,
    });
    const limits = readFixture({
      name: 'y',
      xml: fixture('jclouds-vcloud-director/error400-operationLimitsExceeded.xml'),
      request: false,
    });

    expect(forbidden.error).toBeInstanceOf(VcdNotFoundError);
    expect(forbidden.error).toMatchObject({
      minorErrorCode: 'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
      httpStatus: 403,
    });
    expect(limits.error).toBeInstanceOf(VcdApiError);
    expect(limits.error).toMatchObject({ minorErrorCode: 'OPERATION_LIMITS_EXCEEDED', majorErrorCode: 400 });
  });

  it('reads a namespace-prefixed ns0:Error 403', () => {
    expect(parseVcdErrorDocument(fixture('libcloud/api_vApp_vapp_access_to_resource_forbidden.xml'))).toEqual(
      {
        message:
          'No access to entity "(com.vmware.vcloud.entity.vapp:474bdb3d-1286-4e3d-b07f-15bab487479b)".',
        majorErrorCode: 403,
        minorErrorCode: 'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
        vendorSpecificErrorCode: undefined,
        requestId: undefined,
      },
    );
  });

  it('reads OPERATION_LIMITS_EXCEEDED', () => {
    expect(
      parseVcdErrorDocument(fixture('jclouds-vcloud-director/error400-operationLimitsExceeded.xml')),
    ).toMatchObject({
      majorErrorCode: 400,
      minorErrorCode: 'OPERATION_LIMITS_EXCEEDED',
      message:
        'The maximum number of simultaneous operations for user "myname" on organization "my-org" has been reached.',
    });
  });

  it('takes the request id from an Error message that starts with one', () => {
    const xml =
      '<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="400" minorErrorCode="BUSY_ENTITY" message="[ 4ea08867-aaaa ] The entity is busy"/>';

    expect(parseVcdErrorDocument(xml).requestId).toBe('4ea08867-aaaa');
  });

  it('reads prefixed vm query records with every attribute', () => {
    const page = parseQueryRecords(fixture('libcloud/api_query_vm.xml'));

    expect(page).toMatchObject({ name: 'vm', page: 1, pageSize: 1, total: 1, nextPage: undefined });
    expect(page.records).toHaveLength(1);
    expect(page.records[0]?.type).toBe('VMRecord');
    expect(page.records[0]?.attributes).toMatchObject({
      name: 'testVm2',
      status: 'POWERED_OFF',
      isBusy: 'false',
      memoryMB: '4096',
      numberOfCpus: '2',
      taskStatus: 'success',
      href: 'https://vm-vcloud/api/vApp/vm-dd75d1d3-5b7b-48f0-aff3-69622ab7e046',
    });
    expect(page.links.map((l) => l.rel)).toEqual(['alternate', 'alternate']);
  });

  it('reads catalog and user records', () => {
    expect(
      parseQueryRecords(fixture('jclouds-vcloud-director/query/allCatalogs.xml')).records.map(
        (r) => r.attributes.name,
      ),
    ).toEqual(['QunyingTestCatalog', 'Public', 'test']);
    expect(parseQueryRecords(fixture('libcloud/api_query_user.xml'))).toMatchObject({
      page: 2,
      pageSize: 30,
      total: 1,
    });
  });

  it('reads untyped (pre-5.1) metadata', () => {
    const entries = parseMetadata(fixture('libcloud/api_vapp_get_metadata.xml'));

    expect(entries).toEqual([
      {
        key: 'owners',
        value: 'msamia@netsuite.com',
        type: 'untyped',
        domain: 'GENERAL',
        visibility: undefined,
      },
    ]);
    expect(parseMetadataValue(fixture('jclouds-vcloud-director/media/metadataValue.xml')).value).toBe(
      'value',
    );
  });

  it('reads typed metadata with domains, GENERAL winning over SYSTEM for the same key', () => {
    const xml = `<ns6:Metadata xmlns:ns6="http://www.vmware.com/vcloud/v1.5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <ns6:MetadataEntry><ns6:Domain visibility="READONLY">SYSTEM</ns6:Domain><ns6:Key>labbot.id</ns6:Key>
        <ns6:TypedValue xsi:type="ns6:MetadataStringValue"><ns6:Value>sys</ns6:Value></ns6:TypedValue></ns6:MetadataEntry>
      <ns6:MetadataEntry><ns6:Key>labbot.id</ns6:Key>
        <ns6:TypedValue xsi:type="MetadataStringValue"><ns6:Value>demo-4kq</ns6:Value></ns6:TypedValue></ns6:MetadataEntry>
      <ns6:MetadataEntry><ns6:Key>size</ns6:Key>
        <ns6:TypedValue xsi:type="MetadataNumberValue"><ns6:Value>42</ns6:Value></ns6:TypedValue></ns6:MetadataEntry>
    </ns6:Metadata>`;

    const entries = parseMetadata(xml);

    expect(entries[0]).toEqual({
      key: 'labbot.id',
      value: 'sys',
      type: 'MetadataStringValue',
      domain: 'SYSTEM',
      visibility: 'READONLY',
    });
    expect(entries[2]).toMatchObject({ type: 'MetadataNumberValue', value: '42' });
    expect(metadataToRecord(entries)).toEqual({ 'labbot.id': 'demo-4kq', size: '42' });
  });

  it('reads the metadata POST response task', () => {
    expect(parseTask(fixture('libcloud/api_vapp_post_metadata.xml')).operationName).toBe('metadataUpdate');
  });
});
