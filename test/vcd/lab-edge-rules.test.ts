import { type LabEdgeRules } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import {
  EdgeRuleWriter,
  labIdOfRule,
  labsWithRules,
  replaceLabRules,
  ruleTag,
} from '../../src/vcd/lab-edge-rules';
import { type EdgeServices } from '../../src/vcd/network-resources';
import { planNicChanges } from '../../src/vcd/nic-plan';
import { type VcdEdgeGateway } from '../../src/vcd/wire/edge-gateway';
import {
  buildNetworkConnectionSection,
  type VcdNetworkConnectionSection,
} from '../../src/vcd/wire/network-connection';
import { buildEdgeGatewayServiceConfiguration } from '../../src/vcd/wire/network-services';
import { validateAgainstXsd } from '../helpers/xsd';

const UPLINK = { href: 'https://vcd/api/admin/network/ext-1', name: 'ext-internet' };

function rules(ip: string, target: string): LabEdgeRules {
  return {
    nat: [
      {
        name: 'ui',
        type: 'DNAT',
        originalIp: ip,
        originalPort: '443',
        translatedIp: target,
        translatedPort: '443',
        protocol: 'tcp',
      },
      { name: 'out', type: 'SNAT', originalIp: target, translatedIp: ip, protocol: 'any' },
    ],
    firewall: [
      { name: 'ui', sourceIp: '198.51.100.0/24', destinationIp: ip, destinationPort: '443', protocol: 'tcp' },
    ],
  };
}

function foreign(): EdgeServices {
  return {
    nat: {
      enabled: true,
      rules: [
        {
          id: '65537',
          description: 'web server',
          ruleType: 'DNAT',
          enabled: true,
          interfaceHref: UPLINK.href,
          originalIp: '203.0.113.5',
          translatedIp: '10.0.0.5',
        },
        {
          description: 'labbot is not a tag',
          ruleType: 'SNAT',
          enabled: true,
          interfaceHref: UPLINK.href,
          originalIp: '10.0.0.0/24',
          translatedIp: '203.0.113.2',
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
          description: 'Allow all outgoing',
          policy: 'allow',
          protocols: ['any'],
          destinationIp: 'external',
          sourceIp: 'internal',
        },
      ],
    },
  };
}

/** The edge document a fake edge with these services would serve. */
function asEdge(services: EdgeServices): VcdEdgeGateway {
  return {
    href: 'https://vcd/api/admin/edgeGateway/e1',
    name: 'edge-01',
    interfaces: [],
    uplinks: [{ interfaceType: 'uplink', networkHref: UPLINK.href, networkName: UPLINK.name, subnets: [] }],
    links: [],
    nat: {
      enabled: services.nat.enabled,
      rules: services.nat.rules.map((r) => ({
        ...r,
        kind: 'gateway' as const,
        interfaceHref: r.interfaceHref,
      })),
    },
    firewall: {
      enabled: services.firewall.enabled,
      rules: services.firewall.rules.map((r) => ({ ...r, protocols: [...r.protocols] })),
    },
  };
}

describe('vcd/lab-edge-rules', () => {
  it('tags rules with the lab id and reads the tag back; other descriptions are nobody’s', () => {
    expect(ruleTag('demo-4kq', 'esxi-ui')).toBe('labbot:demo-4kq:esxi-ui');
    expect(labIdOfRule('labbot:repro-ticket-123:ssh')).toBe('repro-ticket-123');
    expect(labIdOfRule('labbot is not a tag')).toBeUndefined();
    expect(labIdOfRule('web server')).toBeUndefined();
    expect(labIdOfRule(undefined)).toBeUndefined();
  });

  it('replaces one lab’s rules, keeps other labs’ and foreign rules in place, and is idempotent', () => {
    const withA = replaceLabRules(
      foreign(),
      new Map([['demo-a', rules('203.0.113.10', '10.10.0.10')]]),
      UPLINK,
    );
    const withAB = replaceLabRules(withA, new Map([['demo-b', rules('203.0.113.11', '10.10.0.11')]]), UPLINK);
    const again = replaceLabRules(withAB, new Map([['demo-a', rules('203.0.113.10', '10.10.0.10')]]), UPLINK);

    expect(again.nat.rules.slice(0, 2)).toEqual(foreign().nat.rules);
    expect(again.nat.rules).toHaveLength(2 + 2 + 2);
    expect(again.firewall.rules).toHaveLength(1 + 1 + 1);
    expect(labsWithRules(asEdge(again))).toEqual(['demo-a', 'demo-b']);
    const removed = replaceLabRules(
      replaceLabRules(again, new Map([['demo-a', { nat: [], firewall: [] }]]), UPLINK),
      new Map([['demo-b', { nat: [], firewall: [] }]]),
      UPLINK,
    );
    expect(removed).toEqual(foreign());
  });

  it('builds edge and NIC bodies that validate against the XSD, with user text escaped', () => {
    const edge = buildEdgeGatewayServiceConfiguration(
      replaceLabRules(foreign(), new Map([['demo-a', rules('203.0.113.10', '10.10.0.10')]]), UPLINK),
    );
    const section: VcdNetworkConnectionSection = {
      primaryIndex: 0,
      links: [],
      connections: [
        {
          index: 0,
          network: 'Management & <Mgmt>',
          mac: '00:50:56:00:00:01',
          connected: true,
          allocationMode: 'POOL',
          adapterType: 'VMXNET3',
        },
      ],
    };
    const plan = planNicChanges(section, [
      { index: 0, network: 'Management & <Mgmt>', allocationMode: 'POOL' },
      { index: 1, network: 'VM Network', adapterType: 'E1000', allocationMode: 'POOL' },
    ]);
    const nics = buildNetworkConnectionSection(plan ?? { connections: [] });

    expect(nics).toContain('network="Management &amp; &lt;Mgmt&gt;"');
    expect(
      validateAgainstXsd([
        { name: 'edge', xml: edge },
        { name: 'nics', xml: nics },
      ]),
    ).toEqual([
      { name: 'edge', errors: [] },
      { name: 'nics', errors: [] },
    ]);
  });

  it('batches labs arriving together or while a change is in flight into few configureServices calls', async () => {
    let services = foreign();
    const updates: string[][] = [];
    let release: () => void = () => undefined;
    let gate: Promise<void> | undefined = new Promise((resolve) => (release = resolve));
    const writer = new EdgeRuleWriter({
      read: () => Promise.resolve(asEdge(services)),
      update: async (_href, change) => {
        const next = change(structuredClone(services));
        updates.push(labsWithRules(asEdge(next)));
        await gate;
        gate = undefined;
        services = next;
      },
      logger: createSilentLogger(),
    });

    const first = ['demo-a', 'demo-b', 'demo-c'].map((id, i) =>
      writer.set('edge', id, rules(`203.0.113.${10 + i}`, `10.10.0.${10 + i}`)),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const later = ['demo-d', 'demo-e'].map((id, i) =>
      writer.set('edge', id, rules(`203.0.113.${20 + i}`, `10.10.0.${20 + i}`)),
    );
    release();
    await Promise.all([...first, ...later]);

    expect(updates).toEqual([
      ['demo-a', 'demo-b', 'demo-c'],
      ['demo-a', 'demo-b', 'demo-c', 'demo-d', 'demo-e'],
    ]);
  });

  it('applies again when another writer (a replica) replaced the edge between its read and write', async () => {
    let services = foreign();
    let rounds = 0;
    const writer = new EdgeRuleWriter({
      read: () => Promise.resolve(asEdge(services)),
      update: (_href, change) => {
        rounds++;
        const next = change(structuredClone(services));
        // The first time, the other replica's stale read-modify-write lands right after ours and drops our rules.
        services = rounds === 1 ? foreign() : next;
        return Promise.resolve();
      },
      logger: createSilentLogger(),
    });

    await writer.set('edge', 'demo-a', rules('203.0.113.10', '10.10.0.10'));

    expect(rounds).toBe(2);
    expect(labsWithRules(asEdge(services))).toEqual(['demo-a']);
  });

  it('leaves a VM that already has its NICs alone, and keeps MANUAL addresses', () => {
    const section: VcdNetworkConnectionSection = {
      primaryIndex: 0,
      links: [],
      connections: [
        {
          index: 0,
          network: 'Management',
          mac: '00:50:56:00:00:01',
          connected: true,
          allocationMode: 'MANUAL',
          ipAddress: '10.10.0.5',
          adapterType: 'VMXNET3',
        },
        {
          index: 1,
          network: 'VM Network',
          mac: '00:50:56:00:00:02',
          connected: true,
          allocationMode: 'POOL',
          adapterType: 'E1000',
        },
      ],
    };
    expect(
      planNicChanges(section, [
        { index: 0, network: 'Management', allocationMode: 'MANUAL' },
        { index: 1, network: 'VM Network', adapterType: 'E1000', allocationMode: 'POOL' },
      ]),
    ).toBeUndefined();
    const plan = planNicChanges(section, [
      { index: 0, network: 'Management', allocationMode: 'MANUAL' },
      { index: 1, network: 'VM Network', adapterType: 'E1000', allocationMode: 'MANUAL' },
      { index: 2, network: 'VM Network', adapterType: 'E1000', allocationMode: 'MANUAL' },
    ]);
    expect(plan?.connections.map((c) => [c.index, c.allocationMode, c.ipAddress, c.mac])).toEqual([
      [0, 'MANUAL', '10.10.0.5', '00:50:56:00:00:01'],
      [1, 'POOL', undefined, '00:50:56:00:00:02'],
      [2, 'NONE', undefined, undefined],
    ]);
  });
});
