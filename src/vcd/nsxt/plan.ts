/**
 * What an NSX-T edge must hold for a lab, and how that differs from what it holds (pure).
 *
 * A lab's rules become, on NSX-T:
 * - one NAT rule per lab NAT rule, named and described with its tag `labbot:<labId>:<rule>`. A DNAT rule has the
 *   public port in `dnatExternalPort` and the internal port in an application port profile `labbot-<proto>-<port>`
 *   (TENANT scope, one per protocol and port, shared by every lab that needs it);
 * - firewall rules, tagged the same way, whose sources and destinations are IP-set firewall groups named after the
 *   rule's tag (`…#<n>:src`/`…#<n>:dst`), one set per distinct address list of the lab (rules of the lab that name the
 *   same addresses share the set of the first), and whose port is a port profile; `Any` needs no group (an empty list
 *   means any).
 *
 * How the firewall matches DNAT traffic: the DNAT rules say `firewallMatch: MATCH_EXTERNAL_ADDRESS`, so the gateway
 * firewall sees the packet as it arrived, addressed to the lab's public IP and public port. That is what the
 * template's allow list guards and what labbot tells the owner, it is the same rule on NSX-V (whose firewall always
 * sees the original address), and it opens nothing more: a rule on the internal address would also let the allowed
 * sources reach that VM port over any other route through the edge (a VPN, another routed network), and would have to
 * follow the VM's internal address. SNAT rules keep the default (`MATCH_INTERNAL_ADDRESS`): their firewall rules name
 * the lab's internal addresses as sources.
 */
import { type LabEdgeRules, type LabFirewallRule } from '../../labs/ports';
import { labIdOfRule, ruleTag } from '../lab-edge-rules';
import { type EntityRef, type NsxtFirewallRule, type NsxtNatRule } from './wire';

/** A (protocol, port) an application port profile stands for. */
export interface PortKey {
  protocol: 'TCP' | 'UDP';
  port: string;
}

/** The shared profile's name: one per protocol and port, whichever lab needs it. */
export function portProfileName(key: PortKey): string {
  return `labbot-${key.protocol.toLowerCase()}-${key.port}`;
}

/** The (protocol, port) of a profile labbot made, from its name; undefined for every other profile. */
export function portKeyOfProfile(name: string): PortKey | undefined {
  const match = /^labbot-(tcp|udp)-(\d{1,5})$/.exec(name);
  return match === null ? undefined : { protocol: match[1] === 'tcp' ? 'TCP' : 'UDP', port: match[2] ?? '' };
}

function portKey(protocol: string, port: string | undefined): PortKey | undefined {
  if (port === undefined || port === '' || port.toLowerCase() === 'any') {
    return undefined;
  }
  if (protocol === 'tcp' || protocol === 'udp') {
    return { protocol: protocol === 'tcp' ? 'TCP' : 'UDP', port };
  }
  return undefined;
}

/** A NAT rule as labbot wants it, before profile ids are known. */
export interface DesiredNat {
  tag: string;
  type: 'DNAT' | 'SNAT';
  externalAddresses: string;
  internalAddresses: string;
  dnatExternalPort?: string;
  /** The internal port (DNAT only). */
  port?: PortKey;
}

/** A firewall rule as labbot wants it, before group and profile ids are known. */
export interface DesiredFirewall {
  tag: string;
  /** Name of the source IP set; undefined: any source. */
  sourceSet?: { name: string; addresses: string[] };
  destinationSet?: { name: string; addresses: string[] };
  port?: PortKey;
}

export interface LabPlan {
  nat: DesiredNat[];
  firewall: DesiredFirewall[];
}

const isAny = (address: string): boolean => address.trim().toLowerCase() === 'any';

/** The NAT rules of a lab on NSX-T. */
export function desiredNat(labId: string, rules: LabEdgeRules): DesiredNat[] {
  return rules.nat.map((r) => {
    const tag = ruleTag(labId, r.name);
    if (r.type === 'DNAT') {
      const port = portKey(r.protocol, r.translatedPort);
      return {
        tag,
        type: 'DNAT',
        externalAddresses: r.originalIp,
        internalAddresses: r.translatedIp,
        ...(r.originalPort !== undefined && !isAny(r.originalPort)
          ? { dnatExternalPort: r.originalPort }
          : {}),
        ...(port !== undefined ? { port } : {}),
      };
    }
    return { tag, type: 'SNAT', externalAddresses: r.translatedIp, internalAddresses: r.originalIp };
  });
}

/**
 * The firewall rules of a lab on NSX-T. The domain lists one rule per (source, destination); here the entries of a
 * rule name that share protocol, port and destination are one rule with the sources in one IP set, and such rules
 * with the same sources merge into one with several destinations. This is exactly the same traffic (sources ×
 * destinations) with far fewer rules and sets.
 */
export function desiredFirewall(labId: string, rules: LabEdgeRules): DesiredFirewall[] {
  const byDestination = new Map<string, { rule: LabFirewallRule; sources: string[] }>();
  for (const rule of rules.firewall) {
    const key = JSON.stringify([
      rule.name,
      rule.protocol,
      rule.destinationPort.toLowerCase(),
      rule.destinationIp,
    ]);
    const entry = byDestination.get(key) ?? { rule, sources: [] };
    if (!entry.sources.includes(rule.sourceIp)) {
      entry.sources.push(rule.sourceIp);
    }
    byDestination.set(key, entry);
  }
  const merged = new Map<string, { rule: LabFirewallRule; sources: string[]; destinations: string[] }>();
  for (const { rule, sources } of byDestination.values()) {
    const key = JSON.stringify([
      rule.name,
      rule.protocol,
      rule.destinationPort.toLowerCase(),
      [...sources].sort(),
    ]);
    const entry = merged.get(key) ?? { rule, sources, destinations: [] };
    entry.destinations.push(rule.destinationIp);
    merged.set(key, entry);
  }
  const counters = new Map<string, number>();
  // One set per distinct address list of the lab: the lab's public IP behind several DNAT ports is one set, not one
  // per port. Each set is an object the edge creates in a task of its own, one at a time.
  const byContent = new Map<string, { name: string; addresses: string[] }>();
  return [...merged.values()].map(({ rule, sources, destinations }) => {
    const tag = ruleTag(labId, rule.name);
    const n = (counters.get(tag) ?? 0) + 1;
    counters.set(tag, n);
    const set = (
      side: 'src' | 'dst',
      addresses: string[],
    ): { name: string; addresses: string[] } | undefined => {
      if (addresses.some(isAny)) {
        return undefined;
      }
      const sorted = [...addresses].sort();
      const key = JSON.stringify(sorted);
      const found = byContent.get(key) ?? { name: `${tag}#${n}:${side}`, addresses: sorted };
      byContent.set(key, found);
      return found;
    };
    const sourceSet = set('src', sources);
    const destinationSet = set('dst', destinations);
    const port = portKey(rule.protocol, rule.destinationPort);
    return {
      tag,
      ...(sourceSet !== undefined ? { sourceSet } : {}),
      ...(destinationSet !== undefined ? { destinationSet } : {}),
      ...(port !== undefined ? { port } : {}),
    };
  });
}

export function planLab(labId: string, rules: LabEdgeRules): LabPlan {
  return { nat: desiredNat(labId, rules), firewall: desiredFirewall(labId, rules) };
}

/** Every (protocol, port) the plans need a profile for. */
export function portsNeeded(plans: Iterable<LabPlan>): PortKey[] {
  const keys = new Map<string, PortKey>();
  for (const plan of plans) {
    for (const item of [...plan.nat, ...plan.firewall]) {
      if (item.port !== undefined) {
        keys.set(portProfileName(item.port), item.port);
      }
    }
  }
  return [...keys.values()];
}

/** Every IP set the plans need, by name. */
export function setsNeeded(plans: Iterable<LabPlan>): Map<string, string[]> {
  const sets = new Map<string, string[]>();
  for (const plan of plans) {
    for (const rule of plan.firewall) {
      for (const set of [rule.sourceSet, rule.destinationSet]) {
        if (set !== undefined) {
          sets.set(set.name, set.addresses);
        }
      }
    }
  }
  return sets;
}

/** Ids of profiles and sets by name, as the edge's context holds them. */
export interface Ids {
  profiles: ReadonlyMap<string, string>;
  sets: ReadonlyMap<string, string>;
}

function idOf(map: ReadonlyMap<string, string>, name: string, what: string): EntityRef {
  const id = map.get(name);
  if (id === undefined) {
    throw new Error(`${what} ${name} was not created`);
  }
  return { id, name };
}

/** The NAT rule body labbot sends (Swagger `EdgeNatRule`). */
export function natBody(rule: DesiredNat, ids: Ids): NsxtNatRule {
  return {
    name: rule.tag,
    description: rule.tag,
    enabled: true,
    type: rule.type,
    externalAddresses: rule.externalAddresses,
    internalAddresses: rule.internalAddresses,
    ...(rule.dnatExternalPort !== undefined ? { dnatExternalPort: rule.dnatExternalPort } : {}),
    ...(rule.port !== undefined
      ? { applicationPortProfile: idOf(ids.profiles, portProfileName(rule.port), 'port profile') }
      : {}),
    firewallMatch: rule.type === 'DNAT' ? 'MATCH_EXTERNAL_ADDRESS' : 'MATCH_INTERNAL_ADDRESS',
    logging: false,
  };
}

/** The firewall rule labbot puts in the whole list (Swagger `EdgeFirewallRule`). */
export function firewallBody(rule: DesiredFirewall, ids: Ids): NsxtFirewallRule {
  // A side left out means any (the Swagger types them as arrays: null is not valid JSON for them).
  return {
    name: rule.tag,
    description: rule.tag,
    enabled: true,
    actionValue: 'ALLOW',
    direction: 'IN_OUT',
    ipProtocol: 'IPV4',
    logging: false,
    ...(rule.sourceSet !== undefined
      ? { sourceFirewallGroups: [idOf(ids.sets, rule.sourceSet.name, 'IP set')] }
      : {}),
    ...(rule.destinationSet !== undefined
      ? { destinationFirewallGroups: [idOf(ids.sets, rule.destinationSet.name, 'IP set')] }
      : {}),
    ...(rule.port !== undefined
      ? { applicationPortProfiles: [idOf(ids.profiles, portProfileName(rule.port), 'port profile')] }
      : {}),
  };
}

/** The content of a NAT rule that matters to labbot, to compare what is with what should be (ids aside). */
export function natKey(
  rule: Pick<
    NsxtNatRule,
    | 'name'
    | 'externalAddresses'
    | 'internalAddresses'
    | 'dnatExternalPort'
    | 'applicationPortProfile'
    | 'type'
    | 'ruleType'
    | 'firewallMatch'
  >,
): string {
  return JSON.stringify([
    rule.name,
    (rule.type ?? rule.ruleType ?? '').toUpperCase(),
    rule.externalAddresses,
    rule.internalAddresses,
    rule.dnatExternalPort ?? '',
    rule.applicationPortProfile?.id ?? '',
    rule.firewallMatch ?? 'MATCH_INTERNAL_ADDRESS',
  ]);
}

/** The content of a firewall rule that matters to labbot. */
export function firewallKey(rule: NsxtFirewallRule): string {
  const ids = (refs: EntityRef[] | null | undefined): string[] => (refs ?? []).map((r) => r.id).sort();
  return JSON.stringify([
    rule.name ?? '',
    (rule.actionValue ?? (typeof rule.action === 'string' ? rule.action : '')).toUpperCase(),
    ids(rule.sourceFirewallGroups),
    ids(rule.destinationFirewallGroups),
    ids(rule.applicationPortProfiles),
    rule.enabled !== false,
  ]);
}

/** The lab a NAT or firewall rule, an IP set or an IP allocation is tagged with (name or description). */
export function labOf(item: { name?: string; description?: string }): string | undefined {
  return labIdOfRule(item.description) ?? labIdOfRule(item.name);
}

/**
 * The whole firewall list with the rules of the changed labs replaced: every other rule (a person's, another lab's,
 * labbot's of labs not in this change) stays as read and in its place; the changed labs' rules go after them. A
 * wanted rule that is already there unchanged keeps its id and version.
 */
export function mergeFirewall(
  current: readonly NsxtFirewallRule[],
  changed: ReadonlySet<string>,
  wanted: readonly NsxtFirewallRule[],
): NsxtFirewallRule[] {
  const touched = (rule: NsxtFirewallRule): boolean => {
    const labId = labOf(rule);
    return labId !== undefined && changed.has(labId);
  };
  const existing = new Map<string, NsxtFirewallRule[]>();
  for (const rule of current.filter(touched)) {
    const key = firewallKey(rule);
    existing.set(key, [...(existing.get(key) ?? []), rule]);
  }
  const kept = current.filter((r) => !touched(r));
  const placed = wanted.map((rule) => {
    const same = existing.get(firewallKey(rule))?.shift();
    return same === undefined
      ? rule
      : { ...rule, id: same.id, ...(same.version ? { version: same.version } : {}) };
  });
  return [...kept, ...placed].map(withoutNulls);
}

/** A rule without its null fields: VCD reads a missing list as any, as it does null, and the Swagger wants lists. */
function withoutNulls(rule: NsxtFirewallRule): NsxtFirewallRule {
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== null));
}
