/**
 * `POST /api/admin/edgeGateway/<id>/action/configureServices`: replaces the NAT and/or firewall configuration of the
 * edge gateway, with a `networkConfigureEdgeGatewayServices` task (task name as vcloud-tools queries it,
 * gds-operations/vcloud-tools). The edge is a single writer: while the task runs, another configureServices answers
 * BUSY_ENTITY (govcd `edgegateway.go` retries on "is busy completing an operation.").
 */
import { type EdgeServicesParams, type FirewallRuleParams, type NatRuleParams } from '../bodies/edge-params';
import { uuidFromHref } from '../hrefs';
import {
  type SimEdgeGateway,
  type SimFirewallRule,
  type SimFirewallService,
  type SimNatRule,
  type SimNatService,
  type SimTask,
} from '../model';
import { isIpv4 } from '../network-pools';
import { badRequest, busyEntity, noAccess } from '../sim-error';
import { TASK_DURATIONS_MS, type SimState } from '../sim-state';

/** NAT rule ids start above the firewall's range, as VCD numbers them (65537, 65538, ...). */
const FIRST_NAT_RULE_ID = 65537;
const NAT_PROTOCOLS = ['tcp', 'udp', 'tcpudp', 'icmp', 'any'];

/** An edge interface as rules name it: the network it sits on. */
export interface EdgeInterface {
  readonly name: string;
  readonly networkId: string;
  readonly kind: 'uplink' | 'internal';
}

/** The edge's interfaces: the uplink to the external network and one per org VDC network routed through it. */
export function edgeInterfaces(state: SimState, edge: SimEdgeGateway): EdgeInterface[] {
  return [
    { name: edge.uplink.name, networkId: edge.uplink.networkId, kind: 'uplink' },
    ...state.networks
      .filter((n) => n.edgeName === edge.name)
      .map((n) => ({ name: n.name, networkId: n.id, kind: 'internal' as const })),
  ];
}

/**
 * The edge gateway with this id.
 *
 * @throws SimError 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN for an unknown id.
 */
export function requireEdge(state: SimState, id: string): SimEdgeGateway {
  const edge = state.edgeById(id);
  if (edge === undefined) {
    throw noAccess('gateway', id);
  }
  return edge;
}

/** An address, a CIDR block or a dash range, as NAT and firewall rules accept them. */
export function isIpExpression(value: string): boolean {
  const cidr = /^([^/]+)\/(\d{1,2})$/.exec(value);
  if (cidr !== null) {
    return isIpv4(cidr[1] ?? '') && Number(cidr[2]) <= 32;
  }
  const range = value.split('-');
  if (range.length === 2) {
    return isIpv4(range[0]?.trim() ?? '') && isIpv4(range[1]?.trim() ?? '');
  }
  return isIpv4(value);
}

/** `any`, a port, or a dash range of ports. */
function isPortExpression(value: string): boolean {
  if (value.toLowerCase() === 'any') {
    return true;
  }
  const ports = value.split('-').map((p) => p.trim());
  return (
    ports.length <= 2 &&
    ports.every((p) => /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535) &&
    (ports.length === 1 || Number(ports[0]) <= Number(ports[1]))
  );
}

function natRule(
  state: SimState,
  interfaces: readonly EdgeInterface[],
  params: NatRuleParams,
  id: number,
): SimNatRule {
  const where = `NAT rule ${id}`;
  const ruleType = params.ruleType?.toUpperCase();
  if (ruleType !== 'SNAT' && ruleType !== 'DNAT') {
    throw badRequest(`${where}: RuleType "${params.ruleType ?? ''}" is not valid; use SNAT or DNAT.`);
  }
  const interfaceId =
    params.interfaceHref === undefined
      ? undefined
      : (uuidFromHref(params.interfaceHref, '/api/admin/network/') ??
        uuidFromHref(params.interfaceHref, '/api/network/'));
  const applied = interfaces.find((i) => i.networkId === interfaceId);
  if (applied === undefined) {
    throw badRequest(`${where}: Interface must reference a network the edge gateway is connected to.`);
  }
  const originalIp = params.originalIp ?? '';
  const translatedIp = params.translatedIp ?? '';
  if (!isIpExpression(originalIp) || !isIpExpression(translatedIp)) {
    throw badRequest(`${where}: OriginalIp and TranslatedIp must be IP addresses, ranges or CIDR blocks.`);
  }
  // On the uplink, the public side of the rule must be one of the edge's own external addresses.
  const publicIp = ruleType === 'DNAT' ? originalIp : translatedIp;
  if (applied.kind === 'uplink' && !state.isPublicIp(publicIp)) {
    throw badRequest(
      `${where}: ${publicIp} is not an IP address of interface "${applied.name}" of edge gateway "${state.edge.name}".`,
    );
  }
  const protocol = (params.protocol ?? 'any').toLowerCase();
  if (!NAT_PROTOCOLS.includes(protocol)) {
    throw badRequest(
      `${where}: Protocol "${params.protocol ?? ''}" is not one of ${NAT_PROTOCOLS.join(', ')}.`,
    );
  }
  for (const port of [params.originalPort, params.translatedPort]) {
    if (port !== undefined && !isPortExpression(port)) {
      throw badRequest(`${where}: port "${port}" is not "any", a port or a port range.`);
    }
  }
  return {
    id,
    description: params.description,
    ruleType,
    isEnabled: params.isEnabled,
    interfaceName: applied.name,
    originalIp,
    originalPort: params.originalPort,
    translatedIp,
    translatedPort: params.translatedPort,
    protocol: params.protocol === undefined ? undefined : protocol,
    icmpSubType: params.icmpSubType,
  };
}

function natService(
  state: SimState,
  interfaces: readonly EdgeInterface[],
  params: NonNullable<EdgeServicesParams['nat']>,
): SimNatService {
  const given = params.rules.map((r) => r.id).filter((id) => id !== undefined);
  const duplicate = given.find((id, i) => given.indexOf(id) !== i);
  if (duplicate !== undefined) {
    throw badRequest(`Two NAT rules have Id ${duplicate}.`);
  }
  let next = Math.max(FIRST_NAT_RULE_ID - 1, ...given) + 1;
  const rules = params.rules.map((rule) => natRule(state, interfaces, rule, rule.id ?? next++));
  return { isEnabled: params.isEnabled, rules };
}

/** Firewall addresses: `Any`, `internal`, `external`, or an address expression. */
function checkFirewallAddress(where: string, value: string | undefined): string {
  const v = value ?? 'Any';
  if (!['any', 'internal', 'external'].includes(v.toLowerCase()) && !isIpExpression(v)) {
    throw badRequest(`${where}: "${v}" is not Any, internal, external, an IP address, range or CIDR block.`);
  }
  return v;
}

function firewallRule(params: FirewallRuleParams, id: string): SimFirewallRule {
  const where = `Firewall rule ${id}`;
  const policy = (params.policy ?? 'allow').toLowerCase();
  if (policy !== 'allow' && policy !== 'drop') {
    throw badRequest(`${where}: Policy "${params.policy ?? ''}" is not allow or drop.`);
  }
  const protocols = params.protocols ?? { any: true };
  if (
    !protocols.tcp &&
    !protocols.udp &&
    !protocols.icmp &&
    !protocols.any &&
    protocols.other === undefined
  ) {
    throw badRequest(`${where}: Protocols selects no protocol.`);
  }
  for (const range of [params.destinationPortRange, params.sourcePortRange]) {
    if (range !== undefined && !isPortExpression(range)) {
      throw badRequest(`${where}: port range "${range}" is not Any, a port or a port range.`);
    }
  }
  return {
    id,
    isEnabled: params.isEnabled,
    matchOnTranslate: params.matchOnTranslate,
    description: params.description,
    policy,
    protocols,
    icmpSubType: params.icmpSubType,
    port: params.port,
    destinationPortRange: params.destinationPortRange ?? 'Any',
    destinationIp: checkFirewallAddress(where, params.destinationIp),
    sourcePort: params.sourcePort,
    sourcePortRange: params.sourcePortRange ?? 'Any',
    sourceIp: checkFirewallAddress(where, params.sourceIp),
    direction: params.direction,
    enableLogging: params.enableLogging,
  };
}

function firewallService(params: NonNullable<EdgeServicesParams['firewall']>): SimFirewallService {
  const defaultAction = (params.defaultAction ?? 'drop').toLowerCase();
  if (defaultAction !== 'allow' && defaultAction !== 'drop') {
    throw badRequest(`Firewall DefaultAction "${params.defaultAction ?? ''}" is not allow or drop.`);
  }
  const given = params.rules.map((r) => r.id).filter((id) => id !== undefined);
  const duplicate = given.find((id, i) => given.indexOf(id) !== i);
  if (duplicate !== undefined) {
    throw badRequest(`Two firewall rules have Id ${duplicate}.`);
  }
  let next = Math.max(0, ...given.map((id) => Number.parseInt(id, 10)).filter(Number.isFinite)) + 1;
  return {
    isEnabled: params.isEnabled,
    defaultAction,
    logDefaultAction: params.logDefaultAction,
    rules: params.rules.map((rule) => firewallRule(rule, rule.id ?? String(next++))),
  };
}

/**
 * Validates a configureServices body against this edge and starts the task that applies it; the services not sent
 * stay as they are.
 *
 * @throws SimError 403 for an unknown edge; 400 BUSY_ENTITY while a configureServices task runs; 400 BAD_REQUEST for
 *   rules that do not fit the edge (unknown interface, foreign public address, bad ports or protocols);
 *   400 OPERATION_LIMITS_EXCEEDED.
 */
export function configureEdgeServices(state: SimState, edgeId: string, params: EdgeServicesParams): SimTask {
  const edge = requireEdge(state, edgeId);
  const running = state.activeTaskOf(edge.id);
  if (running !== undefined) {
    throw busyEntity('gateway', edge.id, running.operationName, running.id);
  }
  const interfaces = edgeInterfaces(state, edge);
  const nat = params.nat === undefined ? undefined : natService(state, interfaces, params.nat);
  const firewall = params.firewall === undefined ? undefined : firewallService(params.firewall);
  return state.startTask({
    operationName: 'networkConfigureEdgeGatewayServices',
    operation: `Configuring Edge Gateway ${edge.name}(${edge.id})`,
    owner: { kind: 'edgeGateway', id: edge.id, name: edge.name },
    durationMs: TASK_DURATIONS_MS.configureEdge,
    queued: true,
    onSuccess: () => {
      if (nat !== undefined) {
        edge.nat = nat;
      }
      if (firewall !== undefined) {
        edge.firewall = firewall;
      }
    },
  });
}
