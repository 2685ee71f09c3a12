import { accessSections, labReply, MAC_MAPPING_INSTRUCTION } from '../../src/commands/lab-reply';
import { plainText, type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabNetworkError } from '../../src/labs/errors';
import { firstFreeAddress, normalizeAddressExpression, parseIpRange } from '../../src/labs/ipv4';
import { type Lab, type VmInfo } from '../../src/labs/lab';
import { buildLabEdgeRules, esxiNicSpecs, initialLabNetwork, vmnicTable } from '../../src/labs/lab-network';
import { type TemplateNetworkPolicy } from '../../src/labs/policy';
import { renderReplyText } from '../../src/shell/render-text';
import { renderReplyBlocks } from '../../src/slack/render/render-reply';
import { blockViolations } from '../slack/block-kit-limits';

const policy = (overrides: Partial<TemplateNetworkPolicy> = {}): TemplateNetworkPolicy => ({
  esxiVms: ['esxi-01'],
  managementNetwork: 'Management',
  vmNetwork: 'VM Network',
  vmNics: 2,
  adapterType: 'E1000',
  ipAllocation: 'POOL',
  dnat: [
    {
      name: 'ui',
      vm: 'esxi-01',
      protocol: 'tcp',
      publicPort: 443,
      port: 443,
      allow: ['198.51.100.0/24', '192.0.2.7'],
    },
  ],
  snat: [{ name: 'out', network: 'VM Network', allow: ['Any'] }],
  ...overrides,
});

function esxi(name = 'esxi-01', base = 1): VmInfo {
  return {
    name,
    href: `https://vcd/api/vApp/vm-${name}`,
    powerState: 'powered_off',
    cpus: 4,
    memoryMb: 16384,
    nics: [
      {
        index: 2,
        network: 'VM Network',
        mac: `00:50:56:00:0${base}:02`,
        ipAddress: `10.20.0.${base}2`,
        connected: true,
      },
      {
        index: 0,
        network: 'Management',
        mac: `00:50:56:00:0${base}:00`,
        ipAddress: `10.10.0.${base}0`,
        connected: true,
      },
      {
        index: 1,
        network: 'VM Network',
        mac: `00:50:56:00:0${base}:01`,
        ipAddress: `10.20.0.${base}1`,
        connected: true,
      },
    ],
  };
}

describe('labs/ipv4', () => {
  it('parses ranges, finds the lowest free address, and normalizes allow-list entries', () => {
    expect(parseIpRange('203.0.113.10-203.0.113.60')).toEqual({ start: '203.0.113.10', end: '203.0.113.60' });
    expect(parseIpRange('203.0.113.60-203.0.113.10')).toBeUndefined();
    expect(parseIpRange('203.0.113.1-2-3')).toBeUndefined();
    const range = { start: '10.0.0.254', end: '10.0.1.1' };
    expect(firstFreeAddress(range, new Set(['10.0.0.254', '10.0.0.255']))).toBe('10.0.1.0');
    expect(
      firstFreeAddress(range, new Set(['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1'])),
    ).toBeUndefined();
    expect(normalizeAddressExpression(' any ')).toBe('Any');
    expect(normalizeAddressExpression('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(normalizeAddressExpression('10.0.0.1 - 10.0.0.9')).toBe('10.0.0.1-10.0.0.9');
    expect(normalizeAddressExpression('10.0.0.0/33')).toBeUndefined();
    expect(normalizeAddressExpression('<!channel>')).toBeUndefined();
  });
});

describe('labs/lab-network', () => {
  it('asks for vmnic0 on Management and N E1000 NICs on the VM network, all with the allocation mode', () => {
    expect(esxiNicSpecs(policy({ vmNics: 3, ipAllocation: 'DHCP' }))).toEqual([
      { index: 0, network: 'Management', allocationMode: 'DHCP' },
      { index: 1, network: 'VM Network', adapterType: 'E1000', allocationMode: 'DHCP' },
      { index: 2, network: 'VM Network', adapterType: 'E1000', allocationMode: 'DHCP' },
      { index: 3, network: 'VM Network', adapterType: 'E1000', allocationMode: 'DHCP' },
    ]);
  });

  it('builds DNAT to the VM’s management address with one firewall rule per allowed source, and SNAT per address', () => {
    const { rules, access } = buildLabEdgeRules(policy(), '203.0.113.10', [esxi()]);

    expect(rules.nat).toEqual([
      {
        name: 'ui',
        type: 'DNAT',
        originalIp: '203.0.113.10',
        originalPort: '443',
        translatedIp: '10.10.0.10',
        translatedPort: '443',
        protocol: 'tcp',
      },
      { name: 'out', type: 'SNAT', originalIp: '10.20.0.12', translatedIp: '203.0.113.10', protocol: 'any' },
      { name: 'out', type: 'SNAT', originalIp: '10.20.0.11', translatedIp: '203.0.113.10', protocol: 'any' },
    ]);
    expect(rules.firewall).toEqual([
      {
        name: 'ui',
        sourceIp: '198.51.100.0/24',
        destinationIp: '203.0.113.10',
        destinationPort: '443',
        protocol: 'tcp',
      },
      {
        name: 'ui',
        sourceIp: '192.0.2.7',
        destinationIp: '203.0.113.10',
        destinationPort: '443',
        protocol: 'tcp',
      },
      { name: 'out', sourceIp: '10.20.0.12', destinationIp: 'Any', destinationPort: 'Any', protocol: 'any' },
      { name: 'out', sourceIp: '10.20.0.11', destinationIp: 'Any', destinationPort: 'Any', protocol: 'any' },
    ]);
    expect(access).toEqual([
      {
        name: 'ui',
        vm: 'esxi-01',
        protocol: 'tcp',
        publicPort: 443,
        port: 443,
        url: 'https://203.0.113.10:443',
        allow: ['198.51.100.0/24', '192.0.2.7'],
      },
    ]);
  });

  it('opens nothing without rules, and refuses rules whose VM or address is missing', () => {
    expect(buildLabEdgeRules(policy({ dnat: [], snat: [] }), '203.0.113.10', [esxi()]).rules).toEqual({
      nat: [],
      firewall: [],
    });
    expect(() => buildLabEdgeRules(policy(), '203.0.113.10', [])).toThrow(LabNetworkError);
    const noIp = esxi();
    noIp.nics = noIp.nics.map(({ ipAddress: _ip, ...n }) => n);
    expect(() => buildLabEdgeRules(policy(), '203.0.113.10', [noIp])).toThrow(
      /has no IP address on "Management"/,
    );
  });

  it('lists the vmnics of each ESXi host in index order, and only those', () => {
    const lab = {
      vms: [esxi('esxi-01', 1), esxi('esxi-02', 2), { ...esxi('vcsa', 3) }],
      network: initialLabNetwork(policy({ esxiVms: ['esxi-01', 'esxi-02'] }), 'edge-01'),
    };
    expect(vmnicTable(lab).map((r) => `${r.host} ${r.vmnic} ${r.mac}`)).toEqual([
      'esxi-01 vmnic0 00:50:56:00:01:00',
      'esxi-01 vmnic1 00:50:56:00:01:01',
      'esxi-01 vmnic2 00:50:56:00:01:02',
      'esxi-02 vmnic0 00:50:56:00:02:00',
      'esxi-02 vmnic1 00:50:56:00:02:01',
      'esxi-02 vmnic2 00:50:56:00:02:02',
    ]);
    expect(vmnicTable({ vms: lab.vms })).toEqual([]);
  });
});

describe('access info in the lab message', () => {
  function readyLab(overrides: Partial<Lab> = {}): Lab {
    const template = DEFAULT_POLICY.templates.find((t) => t.key === 'vsphere8');
    const net = template?.network as TemplateNetworkPolicy;
    const vms = [
      esxi('esxi-01', 1),
      esxi('esxi-02', 2),
      { ...esxi('vcsa', 3), nics: [esxi('vcsa', 3).nics[1] as VmInfo['nics'][number]] },
      { ...esxi('jump', 4), nics: [esxi('jump', 4).nics[1] as VmInfo['nics'][number]] },
    ];
    const { access } = buildLabEdgeRules(net, '203.0.113.12', vms);
    return {
      id: 'demo-abc',
      kind: 'demo',
      owner: 'U1',
      template: 'vsphere8',
      vappName: 'lab-demo-abc',
      desired: 'running',
      phase: 'ready',
      createdAt: new Date('2025-01-01T00:00:00Z'),
      expiresAt: new Date('2025-01-01T04:00:00Z'),
      vms,
      spec: { vcpus: 12, memoryGb: 50, storageGb: 440 },
      extensions: 0,
      poweredOnMs: 0,
      network: {
        ...initialLabNetwork(net, 'edge-01'),
        nicsConfigured: true,
        publicIp: '203.0.113.12',
        rulesApplied: true,
        access,
      },
      ...overrides,
    };
  }
  const context = { now: new Date('2025-01-01T01:00:00Z'), rates: DEFAULT_POLICY.rates, simulated: true };

  it('shows URLs, ports, the jump host and the vmnic MAC table with the 1:1 instruction', () => {
    const text = renderReplyText(labReply(readyLab(), context, { type: 'ready' }));

    expect(text).toContain('https://203.0.113.12:443 → vcsa:443 (vcenter), from Any');
    expect(text).toContain('203.0.113.12:22/tcp → jump:22 (jump-ssh)');
    expect(text).toContain('https://203.0.113.12:9444 → esxi-02:443');
    expect(text).toMatch(/Jump host: .*jump.* at .*203\.0\.113\.12:22/);
    expect(text).toMatch(/esxi-02 +vmnic2 +00:50:56:00:02:02 +VM Network +10\.20\.0\.22/);
    expect(text).toContain(MAC_MAPPING_INSTRUCTION);
  });

  it('renders within Block Kit limits, escaping what came from config', () => {
    const lab = readyLab();
    const network = lab.network as NonNullable<Lab['network']>;
    const many = Array.from({ length: 60 }, (_, i) => ({
      ...(network.access[0] as NonNullable<Lab['network']>['access'][number]),
      name: `r${i}`,
      vm: `<!channel> *vm${i}*`,
    }));
    const reply: Reply = labReply({ ...lab, network: { ...network, access: many } }, context);
    const blocks = renderReplyBlocks(reply).blocks;

    expect(blockViolations(blocks, 'message')).toEqual([]);
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
  });

  it('shows nothing once the rules are released, or for labs without networking', () => {
    const lab = readyLab();
    expect(
      accessSections({
        ...lab,
        network: { ...(lab.network as NonNullable<Lab['network']>), released: true },
      }),
    ).toEqual([]);
    const { network: _n, ...plain } = lab;
    expect(accessSections(plain)).toEqual([]);
    expect(plainText(['x'])).toBe('x');
  });
});
