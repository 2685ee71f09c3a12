import { buildInstantiateVAppTemplateParams } from '../../../src/vcd/wire/instantiate';
import {
  buildMetadata,
  buildMetadataValue,
  metadataToRecord,
  parseMetadata,
} from '../../../src/vcd/wire/metadata';
import { buildUndeployVAppParams } from '../../../src/vcd/wire/undeploy';
import { attr, child, childPath, children, parseXml, textOf } from '../../../src/vcd/wire/xml';
import { validateAgainstXsd } from '../../helpers/xsd';

const HOSTILE = `lab <&"'> ]]> \u00e9\u4e2d\u{1F600}`;
const HREF = 'https://vcd.example.com/api';

const full = buildInstantiateVAppTemplateParams({
  name: 'lab-demo-4kq',
  description: 'demo lab for U123, expires 2026-01-01T12:00:00Z',
  deploy: false,
  powerOn: false,
  sourceHref: `${HREF}/vAppTemplate/vappTemplate-1111`,
  networks: [
    { name: 'Management', parentHref: `${HREF}/network/2222` },
    { name: 'VM Network', parentHref: `${HREF}/network/3333`, fenceMode: 'bridged' },
  ],
  deploymentLeaseSeconds: 4 * 3600,
  storageLeaseSeconds: 7 * 86400,
});
const hostile = buildInstantiateVAppTemplateParams({
  name: HOSTILE,
  description: HOSTILE,
  deploy: true,
  powerOn: true,
  sourceHref: `${HREF}/vAppTemplate/vappTemplate-1?a=1&b="2"`,
  networks: [{ name: HOSTILE, parentHref: `${HREF}/network/<x>` }],
  deploymentLeaseSeconds: 60,
});
const minimal = buildInstantiateVAppTemplateParams({
  name: 'lab-min',
  deploy: false,
  powerOn: false,
  sourceHref: `${HREF}/vAppTemplate/vappTemplate-1`,
  networks: [],
});
const documents = [
  { name: 'instantiate full', xml: full },
  { name: 'instantiate hostile', xml: hostile },
  { name: 'instantiate minimal', xml: minimal },
  {
    name: 'instantiate storage lease only',
    xml: buildInstantiateVAppTemplateParams({
      name: 'x',
      deploy: false,
      powerOn: false,
      sourceHref: HREF,
      networks: [],
      storageLeaseSeconds: 0,
    }),
  },
  { name: 'undeploy shutdown', xml: buildUndeployVAppParams('shutdown') },
  { name: 'undeploy powerOff', xml: buildUndeployVAppParams('powerOff') },
  {
    name: 'metadata',
    xml: buildMetadata({
      'labbot.id': 'demo-4kq',
      'labbot.owner': 'U123',
      'labbot.kind': 'demo',
      'labbot.ticket': HOSTILE,
      'labbot.expiresAt': '2026-01-01T12:00:00.000Z',
    }),
  },
  {
    name: 'metadata typed',
    xml: buildMetadata([
      { key: 'n', value: '42', type: 'MetadataNumberValue' },
      { key: 'b', value: 'true', type: 'MetadataBooleanValue' },
    ]),
  },
  { name: 'metadata empty', xml: buildMetadata({}) },
  { name: 'metadata value', xml: buildMetadataValue(HOSTILE) },
  {
    name: 'metadata value datetime',
    xml: buildMetadataValue('2026-01-01T12:00:00Z', 'MetadataDateTimeValue'),
  },
];

describe('vcd/wire request bodies against the vCloud XSD', () => {
  const results = validateAgainstXsd([
    ...documents,
    // Proves the validator rejects what VCD rejects: AllEULAsAccepted before Source.
    {
      name: 'wrong order',
      xml: full.replace(/(<Source [^>]*\/>)(<AllEULAsAccepted>true<\/AllEULAsAccepted>)/, '$2$1'),
    },
  ]);

  it.each(documents.map((d) => [d.name]))('%s validates', (name) => {
    expect(results.find((r) => r.name === name)?.errors).toEqual([]);
  });

  it('rejects a body with elements out of XSD order', () => {
    expect(full).toMatch(/<Source [^>]*\/><AllEULAsAccepted>/);
    expect(results.find((r) => r.name === 'wrong order')?.errors.length).toBeGreaterThan(0);
  });
});

describe('vcd/wire/instantiate', () => {
  it('writes name, deploy and powerOn, bridged networks, leases, source and EULA acceptance', () => {
    const root = parseXml(full);
    const configs = children(childPath(root, 'InstantiationParams', 'NetworkConfigSection'), 'NetworkConfig');

    expect(root.attributes).toMatchObject({ name: 'lab-demo-4kq', deploy: 'false', powerOn: 'false' });
    expect(
      configs.map((c) => [
        attr(c, 'networkName'),
        attr(child(c, 'Configuration')?.children[0], 'href'),
        textOf(child(c, 'Configuration'), 'FenceMode'),
      ]),
    ).toEqual([
      ['Management', `${HREF}/network/2222`, 'bridged'],
      ['VM Network', `${HREF}/network/3333`, 'bridged'],
    ]);
    expect(
      textOf(childPath(root, 'InstantiationParams', 'LeaseSettingsSection'), 'DeploymentLeaseInSeconds'),
    ).toBe('14400');
    expect(
      textOf(childPath(root, 'InstantiationParams', 'LeaseSettingsSection'), 'StorageLeaseInSeconds'),
    ).toBe('604800');
    expect(attr(child(root, 'Source'), 'href')).toBe(`${HREF}/vAppTemplate/vappTemplate-1111`);
    expect(textOf(root, 'AllEULAsAccepted')).toBe('true');
  });

  it('keeps hostile values intact', () => {
    const root = parseXml(hostile);

    expect(attr(root, 'name')).toBe(HOSTILE);
    expect(textOf(root, 'Description')).toBe(HOSTILE.trim());
    expect(attr(child(root, 'Source'), 'href')).toBe(`${HREF}/vAppTemplate/vappTemplate-1?a=1&b="2"`);
  });

  it('leaves InstantiationParams out when there is nothing to say', () => {
    expect(child(parseXml(minimal), 'InstantiationParams')).toBeUndefined();
  });
});

describe('vcd/wire/metadata builders', () => {
  it('round-trip through the parser', () => {
    const entries = { 'labbot.id': 'demo-4kq', 'labbot.ticket': HOSTILE };

    expect(metadataToRecord(parseMetadata(buildMetadata(entries)))).toEqual(entries);
  });
});
