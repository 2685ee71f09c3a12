/** Request-body readers: what valid bodies mean, and JAXB-style 400s for what VCD's validating parser refuses. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SimError } from '../../src/vcdsim/sim-error';
import { parseInstantiateParams } from '../../src/vcdsim/bodies/instantiate-params';
import { parseMetadata, parseMetadataValue } from '../../src/vcdsim/bodies/metadata-params';
import { parseDeployParams, parseUndeployParams } from '../../src/vcdsim/bodies/power-params';
import { SCHEMA_ROOT } from '../helpers/xsd';

const FIXTURES = path.resolve(SCHEMA_ROOT, '../vcd-fixtures');

function failure(fn: () => unknown): SimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SimError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a SimError');
}

describe('vcdsim request bodies', () => {
  it('reads the validated sample InstantiateVAppTemplateParams', () => {
    const xml = readFileSync(
      path.join(SCHEMA_ROOT, 'examples/instantiateVAppTemplateParams.sample.xml'),
      'utf8',
    );

    const params = parseInstantiateParams(xml);

    expect(params).toMatchObject({
      name: 'lab-demo-42',
      description: 'nested ESXi demo lab',
      deploy: true,
      powerOn: false,
      sourceHref: 'https://vcd.example.com/api/vAppTemplate/vappTemplate-2222',
      deploymentLeaseSeconds: 28800,
      storageLeaseSeconds: 604800,
      networkConfigs: [
        {
          networkName: 'lab-net',
          parentHref: 'https://vcd.example.com/api/admin/network/1111',
          fenceMode: 'bridged',
        },
      ],
    });
    expect(params.sourcedItems[0]?.networkConnections?.[0]).toMatchObject({
      network: 'lab-net',
      adapterType: 'E1000',
      allocationMode: 'POOL',
    });
  });

  it('reads the real jclouds request body and defaults deploy/powerOn to true when absent', () => {
    const xml = readFileSync(
      path.join(FIXTURES, 'jclouds-vcloud-director/vdc/instantiateVAppTemplate.xml'),
      'utf8',
    );
    expect(parseInstantiateParams(xml)).toMatchObject({ name: 'test-vapp', deploy: false, powerOn: false });
    const bare = xml.replace(' deploy="false"', '').replace(' powerOn="false"', '');
    expect(parseInstantiateParams(bare)).toMatchObject({ deploy: true, powerOn: true });
  });

  it('refuses elements out of XSD order with the message VCD gives', () => {
    const xml = `<InstantiateVAppTemplateParams xmlns="http://www.vmware.com/vcloud/v1.5" name="x">
      <AllEULAsAccepted>true</AllEULAsAccepted><Source href="/api/vAppTemplate/vappTemplate-1"/></InstantiateVAppTemplateParams>`;

    const error = failure(() => parseInstantiateParams(xml));

    expect(error.status).toBe(400);
    expect(error.minorErrorCode).toBe('BAD_REQUEST');
    expect(error.message).toBe(
      'Bad request  - Unexpected JAXB Exception  - cvc-complex-type.2.4.a: Invalid content was found starting with element ' +
        `'AllEULAsAccepted'. One of '{"http://www.vmware.com/vcloud/v1.5":VCloudExtension, "http://www.vmware.com/vcloud/v1.5":Description, "http://www.vmware.com/vcloud/v1.5":VAppParent, ` +
        `"http://www.vmware.com/vcloud/v1.5":InstantiationParams, "http://www.vmware.com/vcloud/v1.5":Source}' is expected.`,
    );
  });

  it('refuses a missing required element, a wrong root, bad XML and bad values', () => {
    const root = '<InstantiateVAppTemplateParams xmlns="http://www.vmware.com/vcloud/v1.5" name="x">';
    expect(
      failure(() => parseInstantiateParams(`${root}</InstantiateVAppTemplateParams>`)).message,
    ).toContain('cvc-complex-type.2.4.b');
    expect(failure(() => parseInstantiateParams('<VApp/>')).message).toContain('unexpected element');
    expect(failure(() => parseInstantiateParams('<Instantiate')).status).toBe(400);
    expect(failure(() => parseInstantiateParams('')).message).toContain('Premature end of file');
    const badBool = `${root}<Source href="/x"/></InstantiateVAppTemplateParams>`.replace(
      'name="x"',
      'name="x" powerOn="yes"',
    );
    expect(failure(() => parseInstantiateParams(badBool)).message).toContain(
      "'yes' is not a valid value for 'boolean'",
    );
  });

  it('reads UndeployVAppParams, DeployVAppParams and metadata bodies', () => {
    const ns = 'xmlns="http://www.vmware.com/vcloud/v1.5"';
    expect(
      parseUndeployParams(
        readFileSync(path.join(SCHEMA_ROOT, 'examples/undeployVAppParams.sample.xml'), 'utf8'),
      ),
    ).toBe('shutdown');
    expect(parseUndeployParams(`<UndeployVAppParams ${ns}/>`)).toBe('powerOff');
    expect(
      failure(() =>
        parseUndeployParams(
          `<UndeployVAppParams ${ns}><UndeployPowerAction>explode</UndeployPowerAction></UndeployVAppParams>`,
        ),
      ).status,
    ).toBe(400);
    expect(
      parseDeployParams(`<DeployVAppParams ${ns} powerOn="false" deploymentLeaseSeconds="3600"/>`),
    ).toEqual({ powerOn: false, deploymentLeaseSeconds: 3600 });

    const value = parseMetadataValue(
      readFileSync(path.join(SCHEMA_ROOT, 'examples/metadataValue.sample.xml'), 'utf8'),
      'GENERAL',
    );
    expect(value.type).toBe('MetadataStringValue');
    const legacy = parseMetadataValue(
      readFileSync(path.join(FIXTURES, 'jclouds-vcloud-director/media/metadataValue.xml'), 'utf8'),
      'GENERAL',
    );
    expect(legacy).toEqual({
      domain: 'GENERAL',
      visibility: 'READWRITE',
      type: 'MetadataStringValue',
      value: 'value',
    });
    const many =
      parseMetadata(`<Metadata ${ns} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><MetadataEntry><Key>k</Key>
      <TypedValue xsi:type="MetadataBooleanValue"><Value>true</Value></TypedValue></MetadataEntry></Metadata>`);
    expect(many).toEqual([
      { key: 'k', domain: 'GENERAL', visibility: 'READWRITE', type: 'MetadataBooleanValue', value: 'true' },
    ]);
  });
});
