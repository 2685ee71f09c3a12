import { type LabEdgeRules } from '../../../src/labs/ports';
import {
  desiredFirewall,
  desiredNat,
  firewallBody,
  firewallKey,
  labOf,
  mergeFirewall,
  natBody,
  planLab,
  portKeyOfProfile,
  portProfileName,
  portsNeeded,
  setsNeeded,
  type Ids,
} from '../../../src/vcd/nsxt/plan';
import { type NsxtFirewallRule } from '../../../src/vcd/nsxt/wire';
import { cloudApiErrors } from '../../helpers/cloudapi-schema';

/** The rules buildLabEdgeRules makes for a lab with https in from two networks and the VM network out to two places. */
const RULES: LabEdgeRules = {
  nat: [
    {
      name: 'https',
      type: 'DNAT',
      originalIp: '203.0.113.10',
      originalPort: '8443',
      translatedIp: '10.10.0.11',
      translatedPort: '443',
      protocol: 'tcp',
    },
    { name: 'out', type: 'SNAT', originalIp: '10.20.0.11', translatedIp: '203.0.113.10', protocol: 'any' },
    { name: 'out', type: 'SNAT', originalIp: '10.20.0.12', translatedIp: '203.0.113.10', protocol: 'any' },
  ],
  firewall: [
    {
      name: 'https',
      sourceIp: '198.51.100.0/24',
      destinationIp: '203.0.113.10',
      destinationPort: '8443',
      protocol: 'tcp',
    },
    {
      name: 'https',
      sourceIp: '192.0.2.7',
      destinationIp: '203.0.113.10',
      destinationPort: '8443',
      protocol: 'tcp',
    },
    { name: 'out', sourceIp: '10.20.0.11', destinationIp: 'Any', destinationPort: 'Any', protocol: 'any' },
    { name: 'out', sourceIp: '10.20.0.12', destinationIp: 'Any', destinationPort: 'Any', protocol: 'any' },
  ],
};

function idsFor(labId: string | string[], rules: LabEdgeRules): Ids {
  const plans = (Array.isArray(labId) ? labId : [labId]).map((id) => planLab(id, rules));
  return {
    profiles: new Map(
      portsNeeded(plans).map((k) => [portProfileName(k), `urn:vcloud:applicationPortProfile:${k.port}`]),
    ),
    sets: new Map([...setsNeeded(plans).keys()].map((name, i) => [name, `urn:vcloud:firewallGroup:${i}`])),
  };
}

describe('NSX-T plan of a lab', () => {
  it('puts the public port in dnatExternalPort and the internal port in a shared profile, matching on the public address', () => {
    const [dnat, ...snat] = desiredNat('demo-abc', RULES);
    expect(dnat).toEqual({
      tag: 'labbot:demo-abc:https',
      type: 'DNAT',
      externalAddresses: '203.0.113.10',
      internalAddresses: '10.10.0.11',
      dnatExternalPort: '8443',
      port: { protocol: 'TCP', port: '443' },
    });
    expect(snat.map((r) => [r.type, r.externalAddresses, r.internalAddresses])).toEqual([
      ['SNAT', '203.0.113.10', '10.20.0.11'],
      ['SNAT', '203.0.113.10', '10.20.0.12'],
    ]);
    const body = natBody(dnat!, idsFor('demo-abc', RULES));
    expect(body.firewallMatch).toBe('MATCH_EXTERNAL_ADDRESS');
    expect(body.applicationPortProfile).toEqual({
      id: 'urn:vcloud:applicationPortProfile:443',
      name: 'labbot-tcp-443',
    });
    expect(natBody(snat[0]!, idsFor('demo-abc', RULES)).firewallMatch).toBe('MATCH_INTERNAL_ADDRESS');
  });

  it('turns one allow list into one rule with one IP set per side, Any into no set', () => {
    const firewall = desiredFirewall('demo-abc', RULES);
    expect(firewall).toEqual([
      {
        tag: 'labbot:demo-abc:https',
        sourceSet: { name: 'labbot:demo-abc:https#1:src', addresses: ['192.0.2.7', '198.51.100.0/24'] },
        destinationSet: { name: 'labbot:demo-abc:https#1:dst', addresses: ['203.0.113.10'] },
        port: { protocol: 'TCP', port: '8443' },
      },
      {
        tag: 'labbot:demo-abc:out',
        sourceSet: { name: 'labbot:demo-abc:out#1:src', addresses: ['10.20.0.11', '10.20.0.12'] },
      },
    ]);
  });

  it('keeps destinations with different sources in separate rules (no traffic the template did not allow)', () => {
    const firewall = desiredFirewall('demo-abc', {
      nat: [],
      firewall: [
        {
          name: 'out',
          sourceIp: '10.0.0.1',
          destinationIp: '192.0.2.1',
          destinationPort: 'Any',
          protocol: 'any',
        },
        {
          name: 'out',
          sourceIp: '10.0.0.2',
          destinationIp: '192.0.2.2',
          destinationPort: 'Any',
          protocol: 'any',
        },
      ],
    });
    expect(firewall.map((r) => [r.sourceSet?.addresses, r.destinationSet?.addresses])).toEqual([
      [['10.0.0.1'], ['192.0.2.1']],
      [['10.0.0.2'], ['192.0.2.2']],
    ]);
    expect(new Set(firewall.flatMap((r) => [r.sourceSet?.name, r.destinationSet?.name])).size).toBe(4);
  });

  it('makes one IP set of addresses several rules name (the public IP behind two ports), one per other list', () => {
    const toPublic = (name: string, port: string): LabEdgeRules['firewall'][number] => ({
      name,
      sourceIp: 'Any',
      destinationIp: '203.0.113.10',
      destinationPort: port,
      protocol: 'tcp',
    });
    const firewall = desiredFirewall('demo-abc', {
      nat: [],
      firewall: [
        toPublic('vcenter', '443'),
        toPublic('jump-ssh', '22'),
        { ...toPublic('esxi-ui', '9443'), sourceIp: '192.0.2.7' },
      ],
    });
    expect(firewall.map((r) => r.destinationSet?.name)).toEqual([
      'labbot:demo-abc:vcenter#1:dst',
      'labbot:demo-abc:vcenter#1:dst',
      'labbot:demo-abc:vcenter#1:dst',
    ]);
    expect(firewall.map((r) => r.sourceSet?.name)).toEqual([
      undefined,
      undefined,
      'labbot:demo-abc:esxi-ui#1:src',
    ]);
    expect([...setsNeeded([{ nat: [], firewall }]).entries()]).toEqual([
      ['labbot:demo-abc:vcenter#1:dst', ['203.0.113.10']],
      ['labbot:demo-abc:esxi-ui#1:src', ['192.0.2.7']],
    ]);
  });

  it('needs one profile per protocol and port whatever the number of labs', () => {
    const plans = [planLab('demo-a', RULES), planLab('demo-b', RULES)];
    expect(portsNeeded(plans).map(portProfileName).sort()).toEqual(['labbot-tcp-443', 'labbot-tcp-8443']);
    expect(portKeyOfProfile('labbot-udp-53')).toEqual({ protocol: 'UDP', port: '53' });
    expect(portKeyOfProfile('HTTPS')).toBeUndefined();
    expect(portKeyOfProfile('labbot-tcp-443-x')).toBeUndefined();
  });

  it('sends NAT and firewall bodies that the 37.2 Swagger accepts', () => {
    const ids = idsFor('demo-abc', RULES);
    const plan = planLab('demo-abc', RULES);
    for (const rule of plan.nat) {
      expect(cloudApiErrors('EdgeNatRule', natBody(rule, ids))).toEqual([]);
    }
    const rules = plan.firewall.map((r) => firewallBody(r, ids));
    expect(cloudApiErrors('EdgeFirewallRules', { userDefinedRules: rules })).toEqual([]);
    for (const rule of rules) {
      expect(cloudApiErrors('EdgeFirewallRule', rule)).toEqual([]);
    }
  });

  it('reads the lab of a tagged name or description, and no lab from anything else', () => {
    expect(labOf({ name: 'labbot:demo-abc:https#1:src' })).toBe('demo-abc');
    expect(labOf({ name: 'web', description: 'labbot:repro-x1:out' })).toBe('repro-x1');
    expect(labOf({ name: 'Allow SSH', description: 'added by hand' })).toBeUndefined();
    expect(labOf({ name: 'labbot-tcp-443' })).toBeUndefined();
  });
});

describe('whole-list firewall merge', () => {
  const foreign = (name: string): NsxtFirewallRule => ({
    id: `fw-${name}`,
    name,
    actionValue: 'ALLOW',
    direction: 'IN',
    sourceFirewallGroups: null,
    destinationFirewallGroups: null,
    applicationPortProfiles: [{ id: 'urn:vcloud:applicationPortProfile:ssh', name: 'SSH' }],
    comments: 'kept as read',
    version: { version: 3 },
  });
  const ids = idsFor(['demo-abc', 'demo-zzz'], RULES);
  const wanted = planLab('demo-abc', RULES).firewall.map((r) => firewallBody(r, ids));

  it('keeps every other rule as read and in its place, and the changed lab only once', () => {
    const other = { ...firewallBody(planLab('demo-zzz', RULES).firewall[0]!, ids), id: 'fw-z' };
    const stale = { ...wanted[0]!, id: 'fw-old', sourceFirewallGroups: null };
    const current = [foreign('Allow SSH'), stale, other, foreign('Deny all from bad')];
    const merged = mergeFirewall(current, new Set(['demo-abc']), wanted);
    expect(merged.map((r) => r.name)).toEqual([
      'Allow SSH',
      'labbot:demo-zzz:https',
      'Deny all from bad',
      'labbot:demo-abc:https',
      'labbot:demo-abc:out',
    ]);
    expect(merged[0]).toEqual({
      ...current[0],
      sourceFirewallGroups: undefined,
      destinationFirewallGroups: undefined,
    });
    expect(cloudApiErrors('EdgeFirewallRules', { userDefinedRules: merged })).toEqual([]);
    expect(merged[1]).toEqual(other);
  });

  it('keeps the id and version of a lab rule that is already as wanted', () => {
    const current = [{ ...wanted[0]!, id: 'fw-1', version: { version: 7 } }, foreign('Allow SSH')];
    const merged = mergeFirewall(current, new Set(['demo-abc']), wanted);
    expect(merged.find((r) => r.id === 'fw-1')?.version).toEqual({ version: 7 });
    expect(merged.map(firewallKey)).toContain(firewallKey(wanted[1]!));
  });

  it('removes a lab entirely with no wanted rules', () => {
    const current = [foreign('a'), { ...wanted[0]!, id: 'x' }, foreign('b')];
    expect(mergeFirewall(current, new Set(['demo-abc']), []).map((r) => r.name)).toEqual(['a', 'b']);
  });
});
