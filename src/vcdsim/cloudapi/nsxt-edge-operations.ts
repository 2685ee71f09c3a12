/**
 * Changes to an NSX-T edge gateway through the CloudAPI: NAT rules one by one, the firewall's user-defined list as a
 * whole. Each change is a task on the edge (202 + Location), so the edge takes one change at a time (BUSY_ENTITY
 * otherwise), and updates carry the `version` last read: a stale one is refused before anything changes.
 */
import { randomUUID } from 'node:crypto';
import { isIpv4, ipToInt } from '../network-pools';
import { type SimEdgeGateway, type SimTask } from '../model';
import { isIpExpression } from '../operations/edge-operations';
import { SimError, badRequest, busyEntity } from '../sim-error';
import { type SimState } from '../sim-state';
import { noSuchEntity, uuidOfUrn } from './cloudapi-http';
import { usableForNat, versionNumber } from './nsxt-documents';
import {
  isPortOrRange,
  oneOf,
  optArray,
  optBoolean,
  optInteger,
  optString,
  refId,
  reqString,
  versionOf,
  type JsonObject,
} from './json-fields';
import {
  type FirewallAction,
  type FirewallMatch,
  type NsxtNatType,
  type SimNsxtFirewallRule,
  type SimNsxtNatRule,
} from './nsxt-model';

/** NSX-T realizes a rule change in a second or two at speed factor 1. */
export const NSXT_TASK_MS = 2000;

/**
 * The edge named by a CloudAPI path id (`urn:vcloud:gateway:<uuid>`).
 *
 * @throws SimError 400 for a malformed id, 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN for an unknown one.
 */
export function requireCloudEdge(state: SimState, id: string): SimEdgeGateway {
  const uuid = uuidOfUrn(id, 'gateway');
  const edge = state.edgeById(uuid);
  if (edge === undefined) {
    throw noSuchEntity('gateway', uuid);
  }
  return edge;
}

/**
 * The edge must run NSX-T services: an NSX-V edge has no CloudAPI NAT or firewall, and a DISTRIBUTED_ONLY edge
 * (VCD 10.6) has no services router, which VCD reports as a missing right (terraform-provider-vcd#1300).
 *
 * @throws SimError 400 on an NSX-V edge, 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN on a DISTRIBUTED_ONLY one.
 */
export function requireEdgeServices(
  state: SimState,
  edge: SimEdgeGateway,
  service: 'NAT' | 'Firewall',
): void {
  if (state.nsxt.kind !== 'nsxt') {
    throw badRequest(
      `Edge gateway ${edge.name} is backed by NSX-V: ${service} rules of NSX-V edges are managed through the edge gateway's configureServices action.`,
    );
  }
  if (!state.nsxt.servicesAvailable()) {
    throw new SimError(
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
      `Either you need some or all of the following rights [Organization vDC Gateway: Configure ${service}] to perform operations [${service === 'NAT' ? 'VDC_GATEWAY_NAT_CONFIGURE' : 'VDC_GATEWAY_FIREWALL_CONFIGURE'}] for urn:vcloud:gateway:${edge.id} or the target entity is invalid.`,
    );
  }
}

/**
 * One change at a time per edge, as on VCD: a change sent while another one's task runs is refused with BUSY_ENTITY,
 * not queued. Real NSX-T edges do this too, for NAT rules, the firewall and IP sets alike: a firewall PUT sent during
 * a NAT rule create is answered `BUSY_ENTITY … The entity … gateway:<uuid> is busy completing an operation
 * NAT_RULE_CREATE` (orange-cloudavenue/terraform-provider-cloudavenue#841, VCD 10.5), and VMware's
 * terraform-provider-vcd locks the parent edge around every NSX-T rule and IP set change because "the Edge Gateway (or
 * a VDC Group if Edge Gateway belongs to one) cannot accept any other operations while it has a running task"
 * (maintainer, vmware/terraform-provider-vcd#806, 2024).
 *
 * @throws SimError 400 BUSY_ENTITY while another task changes the edge.
 */
export function assertEdgeIdle(state: SimState, edge: SimEdgeGateway): void {
  const running = state.activeTaskOf(edge.id);
  if (running !== undefined) {
    throw busyEntity('gateway', edge.id, running.operationName, running.id);
  }
}

/**
 * Starts a task on the edge that applies `apply` when it succeeds. It keeps the edge busy whatever its Owner: the edge
 * (rules), or the object a create makes (an IP set), whose id the Owner then tells the client.
 */
export function startEdgeTask(
  state: SimState,
  edge: SimEdgeGateway,
  operationName: string,
  operation: string,
  apply: () => void,
  owner: { kind: 'edgeGateway' | 'firewallGroup'; id: string; name: string } = {
    kind: 'edgeGateway',
    id: edge.id,
    name: edge.name,
  },
): SimTask {
  assertEdgeIdle(state, edge);
  return state.startTask({
    operationName,
    operation: `${operation} on Edge Gateway ${edge.name}(${edge.id})`,
    owner,
    locks: owner.id === edge.id ? [edge.id] : [edge.id, owner.id],
    durationMs: NSXT_TASK_MS,
    queued: true,
    onSuccess: apply,
  });
}

/**
 * A stale or missing `version` on an update. VCD's exact wording for this refusal is not in public sources; the code is
 * VCD's generic 400 BAD_REQUEST and the message says what to do.
 */
export function versionConflict(what: string, sent: number | undefined, current: number): SimError {
  return sent === undefined
    ? badRequest(`${what}: "version" is required on update; read the object and send its version.`)
    : badRequest(
        `${what} was changed by someone else: the request has version ${sent}, the current version is ${current}. Read it again and retry.`,
      );
}

/** True when the address is one the edge may use on its uplink: sub-allocated, or a floating IP of its IP Space. */
function isEdgePublicIp(state: SimState, ip: string): boolean {
  const space = state.nsxt.ipSpace;
  if (space !== undefined) {
    return space.allocations.some((a) => a.value === ip);
  }
  const { uplink } = state.edge;
  return (
    ip === uplink.primaryIp ||
    (isIpv4(ip) && ipToInt(ip) >= ipToInt(uplink.poolStart) && ipToInt(ip) <= ipToInt(uplink.poolEnd))
  );
}

const NAT_TYPES: readonly NsxtNatType[] = ['DNAT', 'SNAT', 'NO_DNAT', 'NO_SNAT', 'REFLEXIVE'];
const FIREWALL_MATCHES: readonly FirewallMatch[] = [
  'MATCH_INTERNAL_ADDRESS',
  'MATCH_EXTERNAL_ADDRESS',
  'BYPASS',
];

/** The rule type: `type` from API 36.0, the deprecated `ruleType` otherwise (either may come, they must agree). */
function natTypeOf(body: JsonObject, v: number, where: string): NsxtNatType {
  const type = v >= 3600 ? optString(body, 'type', where) : undefined;
  const ruleType = optString(body, 'ruleType', where);
  if (type !== undefined && ruleType !== undefined && type !== ruleType) {
    throw badRequest(`${where}: "type" ${type} and "ruleType" ${ruleType} disagree.`);
  }
  const chosen = type ?? ruleType;
  if (chosen === undefined) {
    throw badRequest(`${where}: the NAT rule type is required (${v >= 3600 ? '"type"' : '"ruleType"'}).`);
  }
  const allowed = v >= 3600 ? NAT_TYPES : NAT_TYPES.filter((t) => t !== 'REFLEXIVE');
  return oneOf(chosen, allowed, type === undefined ? 'ruleType' : 'type', where);
}

/**
 * A NAT rule from a POST or PUT body, checked against the edge as NSX-T checks it.
 *
 * @throws SimError 400 naming the field that is missing or wrong.
 */
export function parseNatRule(
  state: SimState,
  body: JsonObject,
  apiVersion: string,
  base: { id: string; version: number; origin: 'person' | 'api' },
): SimNsxtNatRule {
  const v = versionNumber(apiVersion);
  const where = 'NAT rule';
  const name = reqString(body, 'name', where);
  const type = natTypeOf(body, v, where);
  const externalAddresses = reqString(body, 'externalAddresses', where);
  const internalAddresses = reqString(body, 'internalAddresses', where);
  for (const [field, value] of [
    ['externalAddresses', externalAddresses],
    ['internalAddresses', internalAddresses],
  ] as const) {
    if (!isIpExpression(value)) {
      throw badRequest(`${where} "${name}": ${field} "${value}" is not an IP address or CIDR block.`);
    }
  }
  if (
    (type === 'DNAT' || type === 'SNAT' || type === 'REFLEXIVE') &&
    !isEdgePublicIp(state, externalAddresses)
  ) {
    throw badRequest(
      `${where} "${name}": external address ${externalAddresses} is not allocated to edge gateway ${state.edge.name}.`,
    );
  }
  // Before 35.0 the DNAT public port was called internalPort; from 35.0 that field is gone and ignored.
  const port =
    v >= 3500 ? optString(body, 'dnatExternalPort', where) : optString(body, 'internalPort', where);
  if (port !== undefined && port !== '' && !isPortOrRange(port)) {
    throw badRequest(`${where} "${name}": "${port}" is not a port or port range.`);
  }
  if (port !== undefined && port !== '' && type !== 'DNAT') {
    throw badRequest(`${where} "${name}": an external port is only supported on DNAT rules.`);
  }
  const profileId = refId(body, 'applicationPortProfile', where);
  let applicationPortProfileId: string | undefined;
  if (profileId !== undefined) {
    const profile = state.nsxt.profile(uuidOfUrn(profileId, 'applicationPortProfile'));
    if (profile === undefined) {
      throw badRequest(`${where} "${name}": application port profile ${profileId} does not exist.`);
    }
    if (!usableForNat(profile)) {
      throw badRequest(
        `${where} "${name}": application port profile "${profile.name}" cannot be used for NAT (one application port with at most one destination port).`,
      );
    }
    applicationPortProfileId = profile.id;
  }
  const firewallMatch =
    v >= 3502
      ? oneOf(
          optString(body, 'firewallMatch', where) ?? 'MATCH_INTERNAL_ADDRESS',
          FIREWALL_MATCHES,
          'firewallMatch',
          where,
        )
      : 'MATCH_INTERNAL_ADDRESS';
  const priority = v >= 3502 ? (optInteger(body, 'priority', where) ?? 0) : 0;
  if (priority < 0 || priority > 2147481599) {
    throw badRequest(`${where} "${name}": "priority" must be from 0 to 2147481599.`);
  }
  return {
    id: base.id,
    name,
    description: optString(body, 'description', where) ?? '',
    enabled: optBoolean(body, 'enabled', where, true),
    type,
    externalAddresses,
    internalAddresses,
    dnatExternalPort: port === '' ? undefined : port,
    snatDestinationAddresses: optString(body, 'snatDestinationAddresses', where),
    applicationPortProfileId,
    firewallMatch,
    priority,
    logging: optBoolean(body, 'logging', where, false),
    origin: base.origin,
    version: base.version,
  };
}

/** @throws SimError 404 RESOURCE_NOT_FOUND for a rule id the edge does not have. */
export function requireNatRule(state: SimState, ruleId: string): SimNsxtNatRule {
  const rule = state.nsxt.natRule(decodeURIComponent(ruleId));
  if (rule === undefined) {
    throw new SimError(404, 'RESOURCE_NOT_FOUND', `NAT rule ${decodeURIComponent(ruleId)} does not exist.`);
  }
  return rule;
}

export function createNatRule(
  state: SimState,
  edge: SimEdgeGateway,
  body: JsonObject,
  apiVersion: string,
): SimTask {
  requireEdgeServices(state, edge, 'NAT');
  const rule = parseNatRule(state, body, apiVersion, { id: randomUUID(), version: 0, origin: 'api' });
  return startEdgeTask(state, edge, 'edgeGatewayNatRuleCreate', `Creating NAT rule ${rule.name}`, () => {
    state.nsxt.natRules = [...state.nsxt.natRules, rule];
  });
}

export function updateNatRule(
  state: SimState,
  edge: SimEdgeGateway,
  ruleId: string,
  body: JsonObject,
  apiVersion: string,
): SimTask {
  requireEdgeServices(state, edge, 'NAT');
  const current = requireNatRule(state, ruleId);
  const sentId = optString(body, 'id', 'NAT rule');
  if (sentId !== undefined && sentId !== current.id) {
    throw badRequest(`NAT rule: the body's id ${sentId} is not the id ${current.id} of the address.`);
  }
  const sent = versionOf(body, 'NAT rule');
  if (sent !== current.version) {
    throw versionConflict(`NAT rule "${current.name}"`, sent, current.version);
  }
  const next = parseNatRule(state, body, apiVersion, {
    id: current.id,
    version: current.version + 1,
    origin: current.origin,
  });
  return startEdgeTask(state, edge, 'edgeGatewayNatRuleUpdate', `Updating NAT rule ${next.name}`, () => {
    state.nsxt.natRules = state.nsxt.natRules.map((r) => (r.id === current.id ? next : r));
  });
}

/** DELETE carries no body, so no version: the rule goes whatever its version. */
export function deleteNatRule(state: SimState, edge: SimEdgeGateway, ruleId: string): SimTask {
  requireEdgeServices(state, edge, 'NAT');
  const current = requireNatRule(state, ruleId);
  return startEdgeTask(state, edge, 'edgeGatewayNatRuleDelete', `Deleting NAT rule ${current.name}`, () => {
    state.nsxt.natRules = state.nsxt.natRules.filter((r) => r.id !== current.id);
  });
}

function refIds(
  state: SimState,
  body: JsonObject,
  field: string,
  where: string,
  kind: 'firewallGroup' | 'applicationPortProfile',
): string[] {
  return optArray(body, field, where).map((item, i) => {
    if (typeof item !== 'object' || item === null) {
      throw badRequest(`${where}: ${field}[${i}] must be an object with an id.`);
    }
    const id = reqString(item as JsonObject, 'id', `${where}: ${field}[${i}]`);
    const uuid = uuidOfUrn(id, kind);
    const exists = kind === 'firewallGroup' ? state.nsxt.group(uuid) : state.nsxt.profile(uuid);
    if (exists === undefined) {
      throw badRequest(`${where}: ${field}[${i}] ${id} does not exist.`);
    }
    return uuid;
  });
}

const ACTIONS: readonly FirewallAction[] = ['ALLOW', 'DROP', 'REJECT'];

/** One rule of a firewall PUT; an existing id must come with its current version. */
function parseFirewallRule(state: SimState, body: JsonObject, index: number, v: number): SimNsxtFirewallRule {
  const where = `Firewall rule ${index + 1}`;
  const name = reqString(body, 'name', where);
  const actionValue = v >= 3502 ? optString(body, 'actionValue', where) : undefined;
  const action = optString(body, 'action', where);
  const chosen = actionValue ?? action;
  if (chosen === undefined) {
    throw badRequest(`${where} "${name}": ${v >= 3502 ? '"actionValue"' : '"action"'} is required.`);
  }
  const id = optString(body, 'id', where);
  const existing = id === undefined ? undefined : state.nsxt.userRules.find((r) => r.id === id);
  if (id !== undefined && existing === undefined) {
    throw versionConflict(`Firewall rule "${name}" (${id})`, versionOf(body, where), -1);
  }
  const rule: SimNsxtFirewallRule = {
    id: existing?.id ?? randomUUID(),
    name,
    description: optString(body, 'description', where),
    comments: v >= 3602 ? optString(body, 'comments', where) : existing?.comments,
    sourceGroupIds: refIds(state, body, 'sourceFirewallGroups', where, 'firewallGroup'),
    destinationGroupIds: refIds(state, body, 'destinationFirewallGroups', where, 'firewallGroup'),
    portProfileIds: refIds(state, body, 'applicationPortProfiles', where, 'applicationPortProfile'),
    ipProtocol: oneOf(
      optString(body, 'ipProtocol', where) ?? 'IPV4_IPV6',
      ['IPV4', 'IPV6', 'IPV4_IPV6'],
      'ipProtocol',
      where,
    ),
    action: oneOf(
      chosen,
      actionValue === undefined ? ACTIONS.filter((a) => a !== 'REJECT') : ACTIONS,
      'action',
      where,
    ),
    direction: oneOf(
      optString(body, 'direction', where) ?? 'IN_OUT',
      ['IN', 'OUT', 'IN_OUT'],
      'direction',
      where,
    ),
    logging: optBoolean(body, 'logging', where, false),
    enabled: optBoolean(body, 'enabled', where, true),
    origin: existing?.origin ?? 'api',
    version: existing?.version ?? 0,
  };
  if (existing !== undefined) {
    const sent = versionOf(body, where);
    if (sent !== existing.version) {
      throw versionConflict(`Firewall rule "${existing.name}"`, sent, existing.version);
    }
    return sameRule(existing, rule) ? existing : { ...rule, version: existing.version + 1 };
  }
  return rule;
}

function sameRule(a: SimNsxtFirewallRule, b: SimNsxtFirewallRule): boolean {
  return JSON.stringify({ ...a, version: 0 }) === JSON.stringify({ ...b, version: 0 });
}

/**
 * `PUT …/firewall/rules`: the body's `userDefinedRules` become the whole user-defined list, in its order; a rule left
 * out is deleted. System and default rules in the body are ignored, as VCD keeps its own.
 *
 * @throws SimError 400 for a bad rule, an unknown group or profile, or a stale version of an existing rule.
 */
export function replaceFirewallRules(
  state: SimState,
  edge: SimEdgeGateway,
  body: JsonObject,
  apiVersion: string,
): SimTask {
  requireEdgeServices(state, edge, 'Firewall');
  const v = versionNumber(apiVersion);
  const items = optArray(body, 'userDefinedRules', 'Firewall rules');
  if (items.length > 1000) {
    throw badRequest('Firewall rules: at most 1000 user-defined rules.');
  }
  const rules = items.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw badRequest(`Firewall rule ${i + 1} must be an object.`);
    }
    return parseFirewallRule(state, item as JsonObject, i, v);
  });
  const ids = rules.map((r) => r.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) {
    throw badRequest(`Firewall rules: rule ${duplicate} appears twice.`);
  }
  return startEdgeTask(state, edge, 'edgeGatewayFirewallRulesUpdate', 'Updating firewall rules', () => {
    state.nsxt.userRules = rules;
  });
}

/** @throws SimError 404 RESOURCE_NOT_FOUND for a user-defined rule id the edge does not have. */
export function requireFirewallRule(state: SimState, ruleId: string): SimNsxtFirewallRule {
  const id = decodeURIComponent(ruleId);
  const rule =
    state.nsxt.userRules.find((r) => r.id === id) ?? state.nsxt.defaultRules.find((r) => r.id === id);
  if (rule === undefined) {
    throw new SimError(404, 'RESOURCE_NOT_FOUND', `Firewall rule ${id} does not exist.`);
  }
  return rule;
}

/** `PUT …/firewall/rules/{id}`: one user-defined rule, in place, with its current version. */
export function updateFirewallRule(
  state: SimState,
  edge: SimEdgeGateway,
  ruleId: string,
  body: JsonObject,
  apiVersion: string,
): SimTask {
  requireEdgeServices(state, edge, 'Firewall');
  const current = requireFirewallRule(state, ruleId);
  if (current.origin === 'default') {
    throw badRequest('The default firewall rule cannot be changed through the simulator.');
  }
  const next = parseFirewallRule(state, { ...body, id: current.id }, 0, versionNumber(apiVersion));
  return startEdgeTask(
    state,
    edge,
    'edgeGatewayFirewallRuleUpdate',
    `Updating firewall rule ${next.name}`,
    () => {
      state.nsxt.userRules = state.nsxt.userRules.map((r) => (r.id === current.id ? next : r));
    },
  );
}

/** `DELETE …/firewall/rules/{id}`: no body, no version. */
export function deleteFirewallRule(state: SimState, edge: SimEdgeGateway, ruleId: string): SimTask {
  requireEdgeServices(state, edge, 'Firewall');
  const current = requireFirewallRule(state, ruleId);
  if (current.origin === 'default') {
    throw badRequest('The default firewall rule cannot be deleted.');
  }
  return startEdgeTask(
    state,
    edge,
    'edgeGatewayFirewallRuleDelete',
    `Deleting firewall rule ${current.name}`,
    () => {
      state.nsxt.userRules = state.nsxt.userRules.filter((r) => r.id !== current.id);
    },
  );
}
