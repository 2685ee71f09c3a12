import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseVcdErrorDocument } from '../../../src/vcd/wire/error';
import { metadataToRecord, parseMetadata, parseMetadataValue } from '../../../src/vcd/wire/metadata';
import { parseQueryRecords } from '../../../src/vcd/wire/query';
import { parseTask, parseTasksList } from '../../../src/vcd/wire/task';
import { parseVApp, parseVm } from '../../../src/vcd/wire/vapp';
import { parseSupportedVersions } from '../../../src/vcd/wire/versions';
import { parseXml } from '../../../src/vcd/wire/xml';

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
    request: { body?: { string?: string } };
    response: { status: { code: number }; body?: { string?: string } };
  }[];
}

/** Every XML body in the fog-vcloud-director VCR cassettes (responses, and the one request that has a body). */
function cassetteBodies(): { name: string; xml: string }[] {
  return listFiles(path.join(FIXTURES, 'fog-vcloud-director'), '.yml').flatMap((file) => {
    const cassette = parseYaml(readFileSync(file, 'utf8')) as Cassette;
    return cassette.http_interactions.flatMap((interaction, i) =>
      [
        { name: `${path.basename(file)}#${i} response`, xml: interaction.response.body?.string ?? '' },
        { name: `${path.basename(file)}#${i} request`, xml: interaction.request.body?.string ?? '' },
      ].filter((b) => b.xml.trim().startsWith('<')),
    );
  });
}

/** The parse function for a document, chosen by its root element; others go through the generic parser. */
function parserFor(root: string): (xml: string) => unknown {
  const parsers: Record<string, (xml: string) => unknown> = {
    Task: parseTask,
    TasksList: parseTasksList,
    VApp: parseVApp,
    Vm: parseVm,
    Error: parseVcdErrorDocument,
    QueryResultRecords: parseQueryRecords,
    Metadata: parseMetadata,
    MetadataValue: parseMetadataValue,
    SupportedVersions: parseSupportedVersions,
  };
  return parsers[root] ?? parseXml;
}

const xmlFiles = listFiles(FIXTURES, '.xml');
const cassettes = cassetteBodies();

describe('vcd/wire against recorded VCD documents', () => {
  it('finds the fixtures', () => {
    expect(xmlFiles.length).toBeGreaterThanOrEqual(27);
    expect(cassettes.length).toBeGreaterThanOrEqual(3);
  });

  it.each(xmlFiles.map((f) => [path.relative(FIXTURES, f), f]))(
    'parses %s by its root element',
    (_name, file) => {
      const xml = readFileSync(file, 'utf8');
      const root = parseXml(xml).name;

      expect(() => parserFor(root)(xml)).not.toThrow();
    },
  );

  it.each(cassettes.map((c) => [c.name, c.xml]))(
    'parses the cassette body %s by its root element',
    (_name, xml) => {
      const root = parseXml(xml).name;

      expect(() => parserFor(root)(xml)).not.toThrow();
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

  it("reads a full vApp's VMs with CPU, memory and NICs with MACs", () => {
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
