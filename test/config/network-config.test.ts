import { ConfigError } from '../../src/config/config-error';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { loadConfig } from '../../src/config/load-config';

const KINDS = `kinds:
  - { name: demo, defaultTemplate: esxi8, defaultLifetimeHours: 4, maxLifetimeHours: 12 }
  - { name: repro, defaultTemplate: esxi8, defaultLifetimeHours: 72, maxLifetimeHours: 336 }
`;

function load(yaml: string) {
  return loadConfig({}, { path: 'labbot.yml', text: yaml });
}

function problemsOf(yaml: string): string[] {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems.map((p) => `${p.key}: ${p.message} | ${p.fix}`);
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function template(network: string): string {
  return `templates:
  - key: esxi8
    vcpus: 4
    memoryGb: 16
    storageGb: 100
${network}
${KINDS}`;
}

describe('config: template network and edge', () => {
  it('fills defaults: Management, 2 E1000 NICs on VM Network, POOL, the simulator edge', () => {
    const config = load(template('    network: { esxiVm: esxi-01 }'));

    expect(config.policy.templates[0]?.network).toEqual({
      esxiVms: ['esxi-01'],
      managementNetwork: 'Management',
      vmNetwork: 'VM Network',
      vmNics: 2,
      adapterType: 'E1000',
      ipAllocation: 'POOL',
      dnat: [],
      snat: [],
    });
    expect(config.policy.edge).toEqual({
      gateway: 'edge-01',
      publicIps: { start: '203.0.113.10', end: '203.0.113.60' },
    });
  });

  it('loads a template without network as before (no network key at all)', () => {
    const config = load(template(''));

    expect(config.policy.templates[0]).not.toHaveProperty('network');
  });

  it('takes a list of ESXi VMs, rules with allow lists, and a configured edge', () => {
    const config = load(`${template(`    network:
      esxiVm: [esxi-01, esxi-02]
      jumpHost: jump
      ipAllocation: DHCP
      dnat:
        - { name: ssh, vm: jump, publicPort: 2222, port: 22, allow: [any, 198.51.100.7, 10.0.0.0/8] }
      snat:
        - { name: out, network: VM Network, allow: [Any] }`)}edge: { gateway: edge-02, publicIps: 192.0.2.5-192.0.2.9 }
`);

    expect(config.policy.templates[0]?.network).toMatchObject({
      esxiVms: ['esxi-01', 'esxi-02'],
      jumpHost: 'jump',
      ipAllocation: 'DHCP',
      dnat: [
        {
          name: 'ssh',
          vm: 'jump',
          protocol: 'tcp',
          publicPort: 2222,
          port: 22,
          allow: ['Any', '198.51.100.7', '10.0.0.0/8'],
        },
      ],
      snat: [{ name: 'out', network: 'VM Network', allow: ['Any'] }],
    });
    expect(config.policy.edge).toEqual({
      gateway: 'edge-02',
      publicIps: { start: '192.0.2.5', end: '192.0.2.9' },
    });
  });

  it('lists every network problem with its fix', () => {
    const problems = problemsOf(`${template(`    network:
      esxiVm: esxi-01
      vmNetwork: Other Net
      adapterType: E1001
      dnat:
        - { name: ui, vm: esxi-01, publicPort: 443, port: 443, allow: [] }
        - { name: ui, vm: esxi-01, publicPort: 443, port: 80, allow: [300.1.1.1] }`)}edge: { gateway: edge-01, publicIps: 203.0.113.60-203.0.113.10 }
`);

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/templates\.0\.network\.adapterType/),
        expect.stringMatching(/dnat\.0\.allow: list the addresses allowed .*Any/),
        expect.stringMatching(/dnat\.1\.allow\.0: "300\.1\.1\.1" is not Any/),
        expect.stringMatching(
          /edge\.publicIps: "203\.0\.113\.60-203\.0\.113\.10" is not an ascending IPv4 range/,
        ),
      ]),
    );
  });

  it('cross-checks networks, duplicate rule names and public ports', () => {
    const problems = problemsOf(
      template(`    network:
      esxiVm: esxi-01
      vmNetwork: Other Net
      dnat:
        - { name: ui, vm: esxi-01, publicPort: 443, port: 443, allow: [Any] }
        - { name: ui, vm: esxi-01, publicPort: 443, port: 80, allow: [Any] }`),
    );

    expect(problems).toEqual([
      'labbot.yml: templates.0.network.vmNetwork: network "Other Net" is not one of the networks bridged into each vApp (Management, VM Network) | add "Other Net" to networks, or use one of: Management, VM Network',
      'labbot.yml: templates.0.network: rule name "ui" appears twice in template "esxi8" | give every dnat and snat rule of a template a unique name',
      'labbot.yml: templates.0.network.dnat: public port tcp/443 is used twice in template "esxi8" | give each dnat rule its own public port',
    ]);
  });

  it('gives the three built-in templates a network block and the default edge', () => {
    expect(DEFAULT_POLICY.templates.map((t) => t.network?.esxiVms)).toEqual([
      ['esxi-01'],
      ['esxi-01'],
      ['esxi-01', 'esxi-02'],
    ]);
    expect(loadConfig({}).policy.edge?.gateway).toBe('edge-01');
  });
});
