/**
 * Reader for `EdgeGatewayServiceConfiguration` (POST /api/admin/edgeGateway/{id}/action/configureServices): the
 * NatService and FirewallService of a legacy edge gateway, checked against XSD network.xsd's sequences. What the values
 * mean for this edge (interfaces, public addresses) is checked in operations/edge-operations.ts.
 */
import { type XmlNode } from '../../vcd/wire/xml';
import { badRequest } from '../sim-error';
import { checkSequence, many, opt, type Particle } from './body-schema';
import { all, bool, first, int, readBody, text } from './xml-read';

/** Members of the NetworkService substitution group (XSD network.xsd) a configureServices body may carry. */
const NETWORK_SERVICES = [
  'NetworkService',
  'DhcpService',
  'GatewayDhcpService',
  'FirewallService',
  'NatService',
  'IpsecVpnService',
  'GatewayIpsecVpnService',
  'StaticRoutingService',
  'LoadBalancerService',
];

const SUPPORTED_SERVICES = ['NatService', 'FirewallService'];

/** An `xs:choice` of single elements, required. */
function oneOf(...names: string[]): Particle {
  return { names, min: 1, max: 1 };
}

export interface NatRuleParams {
  readonly description?: string;
  readonly ruleType?: string;
  readonly isEnabled: boolean;
  readonly id?: number;
  readonly interfaceHref?: string;
  readonly originalIp?: string;
  readonly originalPort?: string;
  readonly translatedIp?: string;
  readonly translatedPort?: string;
  readonly protocol?: string;
  readonly icmpSubType?: string;
}

export interface FirewallRuleParams {
  readonly id?: string;
  readonly isEnabled: boolean;
  readonly matchOnTranslate: boolean;
  readonly description?: string;
  readonly policy?: string;
  readonly protocols?: { tcp?: boolean; udp?: boolean; icmp?: boolean; any?: boolean; other?: string };
  readonly icmpSubType?: string;
  readonly port?: number;
  readonly destinationPortRange?: string;
  readonly destinationIp?: string;
  readonly sourcePort?: number;
  readonly sourcePortRange?: string;
  readonly sourceIp?: string;
  readonly direction?: string;
  readonly enableLogging: boolean;
}

export interface EdgeServicesParams {
  readonly nat?: { readonly isEnabled: boolean; readonly rules: readonly NatRuleParams[] };
  readonly firewall?: {
    readonly isEnabled: boolean;
    readonly defaultAction?: string;
    readonly logDefaultAction: boolean;
    readonly rules: readonly FirewallRuleParams[];
  };
}

function parseNatRule(rule: XmlNode): NatRuleParams {
  checkSequence(rule, [
    opt('Description'),
    opt('RuleType'),
    opt('IsEnabled'),
    opt('Id'),
    oneOf('GatewayNatRule', 'OneToOneBasicRule', 'OneToOneVmRule', 'PortForwardingRule', 'VmRule'),
  ]);
  const gateway = first(rule, 'GatewayNatRule');
  if (gateway === undefined) {
    // The other rule kinds belong to vApp networks' NAT; an edge gateway takes GatewayNatRule only.
    throw badRequest('An edge gateway NAT rule must be a GatewayNatRule.');
  }
  checkSequence(gateway, [
    opt('Interface'),
    opt('OriginalIp'),
    opt('OriginalPort'),
    opt('TranslatedIp'),
    opt('TranslatedPort'),
    opt('Protocol'),
    opt('IcmpSubType'),
  ]);
  return {
    description: text(rule, 'Description'),
    ruleType: text(rule, 'RuleType'),
    isEnabled: bool(text(rule, 'IsEnabled'), true),
    id: int(text(rule, 'Id')),
    interfaceHref: first(gateway, 'Interface')?.attributes['href']?.trim(),
    originalIp: text(gateway, 'OriginalIp'),
    originalPort: text(gateway, 'OriginalPort'),
    translatedIp: text(gateway, 'TranslatedIp'),
    translatedPort: text(gateway, 'TranslatedPort'),
    protocol: text(gateway, 'Protocol'),
    icmpSubType: text(gateway, 'IcmpSubType'),
  };
}

function parseProtocols(node: XmlNode | undefined): FirewallRuleParams['protocols'] {
  if (node === undefined) {
    return undefined;
  }
  checkSequence(node, [opt('Tcp'), opt('Udp'), opt('Icmp'), opt('Any'), opt('Other')]);
  const names = node.children.map((c) => c.name);
  const tcpUdp = names.filter((n) => n === 'Tcp' || n === 'Udp').length;
  // XSD: a choice of (Tcp?, Udp?) | Icmp? | Any? | Other?.
  if ((tcpUdp > 0 && names.length > tcpUdp) || (tcpUdp === 0 && names.length > 1)) {
    throw badRequest(
      `Invalid firewall rule protocols (${names.join(', ')}): use Tcp and/or Udp, or one of Icmp, Any, Other.`,
    );
  }
  return {
    tcp: text(node, 'Tcp') === undefined ? undefined : bool(text(node, 'Tcp'), false),
    udp: text(node, 'Udp') === undefined ? undefined : bool(text(node, 'Udp'), false),
    icmp: text(node, 'Icmp') === undefined ? undefined : bool(text(node, 'Icmp'), false),
    any: text(node, 'Any') === undefined ? undefined : bool(text(node, 'Any'), false),
    other: text(node, 'Other'),
  };
}

function parseFirewallRule(rule: XmlNode): FirewallRuleParams {
  checkSequence(rule, [
    opt('Id'),
    opt('IsEnabled'),
    opt('MatchOnTranslate'),
    opt('Description'),
    opt('Policy'),
    opt('Protocols'),
    opt('IcmpSubType'),
    opt('Port'),
    opt('DestinationPortRange'),
    oneOf('DestinationIp', 'DestinationVm'),
    opt('SourcePort'),
    opt('SourcePortRange'),
    oneOf('SourceIp', 'SourceVm'),
    opt('Direction'),
    opt('EnableLogging'),
  ]);
  if (first(rule, 'DestinationVm') !== undefined || first(rule, 'SourceVm') !== undefined) {
    throw badRequest('Firewall rules on this edge gateway select traffic by IP address, not by VM.');
  }
  return {
    id: text(rule, 'Id'),
    isEnabled: bool(text(rule, 'IsEnabled'), true),
    matchOnTranslate: bool(text(rule, 'MatchOnTranslate'), false),
    description: text(rule, 'Description'),
    policy: text(rule, 'Policy'),
    protocols: parseProtocols(first(rule, 'Protocols')),
    icmpSubType: text(rule, 'IcmpSubType'),
    port: int(text(rule, 'Port')),
    destinationPortRange: text(rule, 'DestinationPortRange'),
    destinationIp: text(rule, 'DestinationIp'),
    sourcePort: int(text(rule, 'SourcePort')),
    sourcePortRange: text(rule, 'SourcePortRange'),
    sourceIp: text(rule, 'SourceIp'),
    direction: text(rule, 'Direction'),
    enableLogging: bool(text(rule, 'EnableLogging'), false),
  };
}

/**
 * Reads an `EdgeGatewayServiceConfiguration` body. Only the services present are returned: configureServices
 * replaces those and leaves the others as they are.
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body, elements out of order, a service given twice, or a service
 *   the simulator does not model (DHCP, VPN, static routing, load balancer).
 */
export function parseEdgeServices(body: string): EdgeServicesParams {
  const root = readBody(body, 'EdgeGatewayServiceConfiguration');
  checkSequence(root, [many(NETWORK_SERVICES)]);
  const seen = new Set<string>();
  for (const service of root.children) {
    if (!SUPPORTED_SERVICES.includes(service.name)) {
      throw badRequest(
        `The simulated edge gateway models NatService and FirewallService only; ${service.name} is not supported.`,
      );
    }
    if (seen.has(service.name)) {
      throw badRequest(`${service.name} appears more than once.`);
    }
    seen.add(service.name);
  }
  const nat = first(root, 'NatService');
  const firewall = first(root, 'FirewallService');
  if (nat !== undefined) {
    checkSequence(nat, [opt('IsEnabled'), opt('NatType'), opt('Policy'), many('NatRule'), opt('ExternalIp')]);
  }
  if (firewall !== undefined) {
    checkSequence(firewall, [
      opt('IsEnabled'),
      opt('DefaultAction'),
      opt('LogDefaultAction'),
      many('FirewallRule'),
    ]);
  }
  return {
    nat:
      nat === undefined
        ? undefined
        : { isEnabled: bool(text(nat, 'IsEnabled'), true), rules: all(nat, 'NatRule').map(parseNatRule) },
    firewall:
      firewall === undefined
        ? undefined
        : {
            isEnabled: bool(text(firewall, 'IsEnabled'), true),
            defaultAction: text(firewall, 'DefaultAction'),
            logDefaultAction: bool(text(firewall, 'LogDefaultAction'), false),
            rules: all(firewall, 'FirewallRule').map(parseFirewallRule),
          },
  };
}
