import { buildCaptureVAppParams } from '../../../src/vcd/wire/capture';
import { buildInstantiateVAppTemplateParams } from '../../../src/vcd/wire/instantiate';
import { buildLeaseSettingsSection, parseLeaseSettingsSection } from '../../../src/vcd/wire/lease';
import {
  buildNetworkConnectionSection,
  parseNetworkConnectionSection,
  toNetworkConnectionInput,
} from '../../../src/vcd/wire/network-connection';
import {
  buildEdgeGatewayServiceConfiguration,
  readFirewallService,
  readNatService,
  type EdgeServicesInput,
} from '../../../src/vcd/wire/network-services';
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
const nics = buildNetworkConnectionSection({
  primaryIndex: 0,
  connections: [
    // Out of order on purpose: the builder writes index order.
    { index: 2, network: 'VM Network', connected: true, allocationMode: 'POOL', adapterType: 'E1000' },
    {
      index: 0,
      network: 'Management',
      connected: true,
      allocationMode: 'MANUAL',
      ipAddress: '10.10.0.5',
      mac: '00:50:56:01:00:01',
      adapterType: 'VMXNET3',
      needsCustomization: false,
    },
    { index: 1, network: 'VM Network', connected: false, allocationMode: 'NONE', mac: '00:50:56:01:00:02' },
  ],
});
const edgeServices: EdgeServicesInput = {
  nat: {
    enabled: true,
    rules: [
      {
        id: '65537',
        description: `labbot demo-4kq ssh ${HOSTILE}`,
        ruleType: 'DNAT',
        enabled: true,
        interfaceHref: `${HREF}/admin/network/uplink-1`,
        interfaceName: 'uplink',
        originalIp: '203.0.113.10',
        originalPort: '2201',
        translatedIp: '10.10.0.5',
        translatedPort: '22',
        protocol: 'tcp',
      },
      {
        ruleType: 'SNAT',
        enabled: true,
        interfaceHref: `${HREF}/admin/network/uplink-1`,
        originalIp: '10.20.0.0/16',
        translatedIp: '203.0.113.10',
      },
    ],
  },
  firewall: {
    enabled: true,
    defaultAction: 'drop',
    logDefaultAction: false,
    rules: [
      {
        id: '1',
        enabled: true,
        description: 'labbot demo-4kq ssh',
        policy: 'allow',
        protocols: ['tcp'],
        destinationPortRange: '2201',
        destinationIp: '203.0.113.10',
        sourceIp: 'Any',
      },
      { enabled: true, policy: 'allow', protocols: ['any'], destinationIp: 'external', sourceIp: 'internal' },
      {
        enabled: false,
        policy: 'drop',
        protocols: ['icmp'],
        destinationIp: 'Any',
        sourceIp: '198.51.100.0/24',
      },
      {
        enabled: true,
        policy: 'allow',
        protocols: ['tcp', 'udp'],
        destinationIp: '10.10.0.2',
        sourceIp: 'Any',
      },
    ],
  },
};
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
  {
    name: 'lease both',
    xml: buildLeaseSettingsSection({ deploymentLeaseSeconds: 4 * 3600, storageLeaseSeconds: 7 * 86400 }),
  },
  { name: 'lease runtime only', xml: buildLeaseSettingsSection({ deploymentLeaseSeconds: 0 }) },
  { name: 'lease empty', xml: buildLeaseSettingsSection({}) },
  {
    name: 'capture full',
    xml: buildCaptureVAppParams({
      name: HOSTILE,
      description: HOSTILE,
      sourceHref: `${HREF}/vApp/vapp-1`,
      customizeOnInstantiate: false,
      storageProfileHref: `${HREF}/vdcStorageProfile/sp-1`,
      targetCatalogItemHref: `${HREF}/catalogItem/ci-1`,
    }),
  },
  {
    name: 'capture minimal',
    xml: buildCaptureVAppParams({ name: 'esxi8-golden', sourceHref: `${HREF}/vApp/vapp-1` }),
  },
  { name: 'network connections', xml: nics },
  { name: 'network connections empty', xml: buildNetworkConnectionSection({ connections: [] }) },
  {
    name: 'network connections hostile',
    xml: buildNetworkConnectionSection({
      connections: [{ index: 0, network: HOSTILE, connected: true, allocationMode: 'DHCP' }],
    }),
  },
  { name: 'edge services', xml: buildEdgeGatewayServiceConfiguration(edgeServices) },
  {
    name: 'edge services nat only, no rules',
    xml: buildEdgeGatewayServiceConfiguration({ nat: { enabled: false, rules: [] } }),
  },
  { name: 'edge services none', xml: buildEdgeGatewayServiceConfiguration({}) },
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

describe('vcd/wire lease, capture, NIC and edge builders', () => {
  it('write leases that read back, with only the given values', () => {
    expect(
      parseLeaseSettingsSection(buildLeaseSettingsSection({ deploymentLeaseSeconds: 3600.7 })),
    ).toMatchObject({
      deploymentLeaseInSeconds: 3600,
      storageLeaseInSeconds: undefined,
    });
    expect(
      parseLeaseSettingsSection(
        buildLeaseSettingsSection({ deploymentLeaseSeconds: -5, storageLeaseSeconds: 1e12 }),
      ),
    ).toMatchObject({ deploymentLeaseInSeconds: 0, storageLeaseInSeconds: 2 ** 31 - 1 });
  });

  it('write capture params in schema order with the vApp as source', () => {
    const root = parseXml(
      buildCaptureVAppParams({
        name: 'golden',
        description: 'd',
        sourceHref: `${HREF}/vApp/vapp-1`,
        customizeOnInstantiate: true,
      }),
    );

    expect(root.children.map((c) => c.name)).toEqual(['Description', 'Source', 'CustomizationSection']);
    expect(attr(child(root, 'Source'), 'href')).toBe(`${HREF}/vApp/vapp-1`);
    expect(textOf(child(root, 'CustomizationSection'), 'CustomizeOnInstantiate')).toBe('true');
  });

  it('write NICs in index order and read them back unchanged', () => {
    const section = parseNetworkConnectionSection(nics);

    expect(section.primaryIndex).toBe(0);
    expect(
      section.connections.map((n) => [n.index, n.network, n.mac, n.adapterType, n.allocationMode]),
    ).toEqual([
      [0, 'Management', '00:50:56:01:00:01', 'VMXNET3', 'MANUAL'],
      [1, 'VM Network', '00:50:56:01:00:02', undefined, 'NONE'],
      [2, 'VM Network', undefined, 'E1000', 'POOL'],
    ]);
    expect(buildNetworkConnectionSection(toNetworkConnectionInput(section))).toBe(nics);
  });

  it('write edge NAT and firewall rules that read back as written', () => {
    const root = parseXml(buildEdgeGatewayServiceConfiguration(edgeServices));
    const nat = readNatService(child(root, 'NatService') ?? root);
    const firewall = readFirewallService(child(root, 'FirewallService') ?? root);

    expect(root.children.map((c) => c.name)).toEqual(['FirewallService', 'NatService']);
    expect(nat.rules[0]).toMatchObject({
      kind: 'gateway',
      id: '65537',
      ruleType: 'DNAT',
      interfaceHref: `${HREF}/admin/network/uplink-1`,
      originalIp: '203.0.113.10',
      originalPort: '2201',
      translatedIp: '10.10.0.5',
      translatedPort: '22',
      protocol: 'tcp',
      description: `labbot demo-4kq ssh ${HOSTILE}`.trim(),
    });
    expect(
      firewall.rules.map((r) => [r.policy, r.protocols, r.destinationPortRange, r.destinationIp, r.sourceIp]),
    ).toEqual([
      ['allow', ['tcp'], '2201', '203.0.113.10', 'Any'],
      ['allow', ['any'], 'Any', 'external', 'internal'],
      ['drop', ['icmp'], 'Any', 'Any', '198.51.100.0/24'],
      ['allow', ['tcp', 'udp'], 'Any', '10.10.0.2', 'Any'],
    ]);
  });
});
