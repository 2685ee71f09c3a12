/**
 * NAT and firewall services (XSD `vcloud/network.xsd`: NatServiceType, FirewallServiceType), as found in an edge
 * gateway's EdgeGatewayServiceConfiguration and in a vApp network's Features, and the body that reconfigures an
 * edge gateway's services.
 */
import { readReference } from './link';
import { VCLOUD_NS } from './namespaces';
import { el, serializeXml, textEl, type XmlElement } from './xml-builder';
import { child, children, textOf, toBoolean, type XmlNode } from './xml';

/** The NatRule variants of the XSD's choice; edge gateways use `gateway` rules, vApp networks the others. */
export type NatRuleKind = 'gateway' | 'oneToOneBasic' | 'oneToOneVm' | 'portForwarding' | 'vm' | 'unknown';

/** One NAT rule. The address fields are filled from whichever variant the rule is. */
export interface VcdNatRule {
  kind: NatRuleKind;
  id?: string;
  description?: string;
  /** SNAT or DNAT (gateway rules). */
  ruleType?: string;
  enabled: boolean;
  /** The edge interface (usually the uplink network) the rule applies to. */
  interfaceHref?: string;
  interfaceName?: string;
  originalIp?: string;
  originalPort?: string;
  translatedIp?: string;
  translatedPort?: string;
  protocol?: string;
  icmpSubType?: string;
}

export interface VcdNatService {
  enabled: boolean;
  natType?: string;
  policy?: string;
  rules: VcdNatRule[];
}

export interface VcdFirewallRule {
  id?: string;
  enabled: boolean;
  matchOnTranslate?: boolean;
  description?: string;
  /** allow or drop. */
  policy?: string;
  /** Lower-cased protocol names the rule matches: tcp, udp, icmp, any, or the text of Other. */
  protocols: string[];
  icmpSubType?: string;
  /** Destination port range, e.g. `22`, `8000-8100` or `Any` (older servers: Port). */
  destinationPortRange?: string;
  /** An IP, CIDR, range, `Any`, `internal` or `external`; undefined when the rule selects a VM. */
  destinationIp?: string;
  sourcePortRange?: string;
  sourceIp?: string;
  enableLogging?: boolean;
}

export interface VcdFirewallService {
  enabled: boolean;
  defaultAction?: string;
  logDefaultAction?: boolean;
  rules: VcdFirewallRule[];
}

const NAT_VARIANTS: Record<string, NatRuleKind> = {
  GatewayNatRule: 'gateway',
  OneToOneBasicRule: 'oneToOneBasic',
  OneToOneVmRule: 'oneToOneVm',
  PortForwardingRule: 'portForwarding',
  VmRule: 'vm',
};

function readNatRule(node: XmlNode): VcdNatRule {
  const variant = node.children.find((c) => c.name in NAT_VARIANTS);
  const kind = variant === undefined ? 'unknown' : (NAT_VARIANTS[variant.name] ?? 'unknown');
  const iface = readReference(child(variant, 'Interface'));
  const text = (name: string): string | undefined => textOf(variant, name) || undefined;
  return {
    kind,
    id: textOf(node, 'Id') || undefined,
    description: textOf(node, 'Description') || undefined,
    ruleType: textOf(node, 'RuleType') || undefined,
    enabled: toBoolean(textOf(node, 'IsEnabled')) ?? true,
    interfaceHref: iface?.href,
    interfaceName: iface?.name,
    originalIp: text('OriginalIp') ?? text('ExternalIpAddress'),
    originalPort: text('OriginalPort') ?? text('ExternalPort'),
    translatedIp: text('TranslatedIp') ?? text('InternalIpAddress'),
    translatedPort: text('TranslatedPort') ?? text('InternalPort'),
    protocol: text('Protocol'),
    icmpSubType: text('IcmpSubType'),
  };
}

/** Reads a NatService element. Never throws. */
export function readNatService(node: XmlNode): VcdNatService {
  return {
    enabled: toBoolean(textOf(node, 'IsEnabled')) ?? false,
    natType: textOf(node, 'NatType') || undefined,
    policy: textOf(node, 'Policy') || undefined,
    rules: children(node, 'NatRule').map(readNatRule),
  };
}

function readFirewallRule(node: XmlNode): VcdFirewallRule {
  const protocols = child(node, 'Protocols');
  const names: string[] = [];
  for (const p of protocols?.children ?? []) {
    if (p.name === 'Other') {
      names.push(p.text.trim());
    } else if (toBoolean(p.text)) {
      names.push(p.name.toLowerCase());
    }
  }
  const port = textOf(node, 'Port');
  const sourcePort = textOf(node, 'SourcePort');
  const range = (rangeName: string, single: string | undefined): string | undefined =>
    textOf(node, rangeName) || (single === undefined || single === '-1' ? undefined : single);
  return {
    id: textOf(node, 'Id') || undefined,
    enabled: toBoolean(textOf(node, 'IsEnabled')) ?? true,
    matchOnTranslate: toBoolean(textOf(node, 'MatchOnTranslate')),
    description: textOf(node, 'Description') || undefined,
    policy: textOf(node, 'Policy') || undefined,
    protocols: names,
    icmpSubType: textOf(node, 'IcmpSubType') || undefined,
    destinationPortRange: range('DestinationPortRange', port),
    destinationIp: textOf(node, 'DestinationIp') || undefined,
    sourcePortRange: range('SourcePortRange', sourcePort),
    sourceIp: textOf(node, 'SourceIp') || undefined,
    enableLogging: toBoolean(textOf(node, 'EnableLogging')),
  };
}

/** Reads a FirewallService element. Never throws. */
export function readFirewallService(node: XmlNode): VcdFirewallService {
  return {
    enabled: toBoolean(textOf(node, 'IsEnabled')) ?? false,
    defaultAction: textOf(node, 'DefaultAction') || undefined,
    logDefaultAction: toBoolean(textOf(node, 'LogDefaultAction')),
    rules: children(node, 'FirewallRule').map(readFirewallRule),
  };
}

/** A gateway NAT rule to write (the only variant an edge gateway takes). */
export interface GatewayNatRuleInput {
  id?: string;
  description?: string;
  ruleType: 'SNAT' | 'DNAT';
  enabled: boolean;
  /** href of the edge interface's network (the uplink for DNAT/SNAT to the outside). */
  interfaceHref: string;
  interfaceName?: string;
  originalIp: string;
  originalPort?: string;
  translatedIp: string;
  translatedPort?: string;
  /** tcp, udp, tcpudp, icmp or any. */
  protocol?: string;
  icmpSubType?: string;
}

export interface NatServiceInput {
  enabled: boolean;
  rules: GatewayNatRuleInput[];
}

export interface FirewallRuleInput {
  id?: string;
  enabled: boolean;
  /** Match the translated (post-DNAT) address rather than the original; default false. */
  matchOnTranslate?: boolean;
  description?: string;
  policy: 'allow' | 'drop';
  /** Which protocols; `any` alone matches everything. */
  protocols: ('tcp' | 'udp' | 'icmp' | 'any')[];
  icmpSubType?: string;
  destinationPortRange?: string;
  destinationIp: string;
  sourcePortRange?: string;
  sourceIp: string;
  enableLogging?: boolean;
}

export interface FirewallServiceInput {
  enabled: boolean;
  defaultAction: 'allow' | 'drop';
  logDefaultAction: boolean;
  rules: FirewallRuleInput[];
}

/** The services one configureServices call replaces; a service left out keeps its current configuration. */
export interface EdgeServicesInput {
  nat?: NatServiceInput;
  firewall?: FirewallServiceInput;
}

/** A read gateway NAT rule as input, for read-modify-write; undefined for variants an edge cannot take. */
export function toGatewayNatRuleInput(rule: VcdNatRule): GatewayNatRuleInput | undefined {
  if (
    rule.kind !== 'gateway' ||
    rule.interfaceHref === undefined ||
    rule.originalIp === undefined ||
    rule.translatedIp === undefined ||
    (rule.ruleType !== 'SNAT' && rule.ruleType !== 'DNAT')
  ) {
    return undefined;
  }
  return {
    id: rule.id,
    description: rule.description,
    ruleType: rule.ruleType,
    enabled: rule.enabled,
    interfaceHref: rule.interfaceHref,
    interfaceName: rule.interfaceName,
    originalIp: rule.originalIp,
    originalPort: rule.originalPort,
    translatedIp: rule.translatedIp,
    translatedPort: rule.translatedPort,
    protocol: rule.protocol,
    icmpSubType: rule.icmpSubType,
  };
}

/** A read firewall rule as input; undefined for rules that select VMs rather than addresses. */
export function toFirewallRuleInput(rule: VcdFirewallRule): FirewallRuleInput | undefined {
  const protocols = rule.protocols.filter(
    (p): p is FirewallRuleInput['protocols'][number] =>
      p === 'tcp' || p === 'udp' || p === 'icmp' || p === 'any',
  );
  if (
    rule.destinationIp === undefined ||
    rule.sourceIp === undefined ||
    (rule.policy !== 'allow' && rule.policy !== 'drop') ||
    protocols.length !== rule.protocols.length
  ) {
    return undefined;
  }
  return {
    id: rule.id,
    enabled: rule.enabled,
    matchOnTranslate: rule.matchOnTranslate,
    description: rule.description,
    policy: rule.policy,
    protocols,
    icmpSubType: rule.icmpSubType,
    destinationPortRange: rule.destinationPortRange,
    destinationIp: rule.destinationIp,
    sourcePortRange: rule.sourcePortRange,
    sourceIp: rule.sourceIp,
    enableLogging: rule.enableLogging,
  };
}

function natServiceElement(nat: NatServiceInput): XmlElement {
  return el('NatService', {}, [
    textEl('IsEnabled', nat.enabled),
    ...nat.rules.map((r) =>
      el('NatRule', {}, [
        r.description !== undefined && textEl('Description', r.description),
        textEl('RuleType', r.ruleType),
        textEl('IsEnabled', r.enabled),
        r.id !== undefined && /^\d+$/.test(r.id) && textEl('Id', r.id),
        el('GatewayNatRule', {}, [
          el('Interface', {
            href: r.interfaceHref,
            name: r.interfaceName,
            type: 'application/vnd.vmware.admin.network+xml',
          }),
          textEl('OriginalIp', r.originalIp),
          r.originalPort !== undefined && textEl('OriginalPort', r.originalPort),
          textEl('TranslatedIp', r.translatedIp),
          r.translatedPort !== undefined && textEl('TranslatedPort', r.translatedPort),
          r.protocol !== undefined && textEl('Protocol', r.protocol),
          r.icmpSubType !== undefined && textEl('IcmpSubType', r.icmpSubType),
        ]),
      ]),
    ),
  ]);
}

function protocolsElement(protocols: FirewallRuleInput['protocols']): XmlElement {
  // The XSD's choice: Tcp and/or Udp, or exactly one of Icmp / Any.
  if (protocols.includes('any') || protocols.length === 0) {
    return el('Protocols', {}, [textEl('Any', true)]);
  }
  if (protocols.includes('icmp') && protocols.length === 1) {
    return el('Protocols', {}, [textEl('Icmp', true)]);
  }
  return el('Protocols', {}, [
    protocols.includes('tcp') && textEl('Tcp', true),
    protocols.includes('udp') && textEl('Udp', true),
  ]);
}

function firewallServiceElement(firewall: FirewallServiceInput): XmlElement {
  return el('FirewallService', {}, [
    textEl('IsEnabled', firewall.enabled),
    textEl('DefaultAction', firewall.defaultAction),
    textEl('LogDefaultAction', firewall.logDefaultAction),
    ...firewall.rules.map((r) =>
      el('FirewallRule', {}, [
        r.id !== undefined && textEl('Id', r.id),
        textEl('IsEnabled', r.enabled),
        textEl('MatchOnTranslate', r.matchOnTranslate ?? false),
        r.description !== undefined && textEl('Description', r.description),
        textEl('Policy', r.policy),
        protocolsElement(r.protocols),
        r.icmpSubType !== undefined && textEl('IcmpSubType', r.icmpSubType),
        // Port/SourcePort are the pre-5.1 single ports; -1 means "use the ranges".
        textEl('Port', -1),
        textEl('DestinationPortRange', r.destinationPortRange ?? 'Any'),
        textEl('DestinationIp', r.destinationIp),
        textEl('SourcePort', -1),
        textEl('SourcePortRange', r.sourcePortRange ?? 'Any'),
        textEl('SourceIp', r.sourceIp),
        textEl('EnableLogging', r.enableLogging ?? false),
      ]),
    ),
  ]);
}

/**
 * Builds the body of `POST <edgeGateway>/action/configureServices` (XSD GatewayFeaturesType). Only the services
 * given are sent, and VCD replaces each sent service's whole configuration, so callers send back every rule they
 * want to keep. Never throws; values are escaped.
 */
export function buildEdgeGatewayServiceConfiguration(services: EdgeServicesInput): string {
  return serializeXml(
    el('EdgeGatewayServiceConfiguration', { xmlns: VCLOUD_NS }, [
      services.firewall !== undefined && firewallServiceElement(services.firewall),
      services.nat !== undefined && natServiceElement(services.nat),
    ]),
  );
}
