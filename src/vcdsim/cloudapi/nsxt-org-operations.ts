/**
 * CloudAPI objects beside the edge's rules: firewall groups (IP sets owned by the edge), TENANT application port
 * profiles and IP Space floating IP allocations. Creating, changing or deleting one is a task; an IP set is realized
 * on the edge, so its task keeps the edge busy like a rule change does.
 */
import { randomUUID } from 'node:crypto';
import { type SimTask } from '../model';
import { isIpExpression } from '../operations/edge-operations';
import { SimError, badRequest } from '../sim-error';
import { type SimState } from '../sim-state';
import { noSuchEntity, uuidOfUrn } from './cloudapi-http';
import { versionNumber } from './nsxt-documents';
import { NSXT_TASK_MS, requireEdgeServices, startEdgeTask } from './nsxt-edge-operations';
import {
  isPortOrRange,
  oneOf,
  optArray,
  optInteger,
  optString,
  refId,
  reqString,
  type JsonObject,
} from './json-fields';
import {
  type PortProtocol,
  type SimFirewallGroup,
  type SimIpAllocation,
  type SimPortProfile,
} from './nsxt-model';

/** VCD refuses a second object of the same name in one scope with DUPLICATE_NAME. */
function duplicateName(kind: string, name: string): SimError {
  return new SimError(400, 'DUPLICATE_NAME', `${kind} with name "${name}" already exists.`);
}

/** Deleting something a rule still uses: the simulator's wording, VCD's generic code. */
function inUse(kind: string, name: string, users: string[]): SimError {
  return badRequest(`${kind} "${name}" cannot be deleted: it is used by ${users.join(', ')}.`);
}

/** @throws SimError 403 for an unknown firewall group id. */
export function requireGroup(state: SimState, id: string): SimFirewallGroup {
  const uuid = uuidOfUrn(id, 'firewallGroup');
  const group = state.nsxt.group(uuid);
  if (group === undefined) {
    throw noSuchEntity('firewallGroup', uuid);
  }
  return group;
}

function parseGroup(state: SimState, body: JsonObject, apiVersion: string, id: string): SimFirewallGroup {
  const where = 'Firewall group';
  const v = versionNumber(apiVersion);
  const name = reqString(body, 'name', where);
  const typeValue =
    (v >= 3502 ? optString(body, 'typeValue', where) : undefined) ?? optString(body, 'type', where);
  if (typeValue !== undefined && typeValue !== 'IP_SET') {
    throw badRequest(
      `${where} "${name}": the simulator's edge supports IP_SET groups only, not ${typeValue}.`,
    );
  }
  const owner =
    (v >= 3500 ? refId(body, 'ownerRef', where) : undefined) ?? refId(body, 'edgeGatewayRef', where);
  if (owner === undefined) {
    throw badRequest(`${where} "${name}": ${v >= 3500 ? '"ownerRef"' : '"edgeGatewayRef"'} is required.`);
  }
  const edgeId = uuidOfUrn(owner, 'gateway');
  if (state.edgeById(edgeId) === undefined) {
    throw noSuchEntity('gateway', edgeId);
  }
  const ipAddresses = optArray(body, 'ipAddresses', where).map((ip, i) => {
    if (typeof ip !== 'string' || !isIpExpression(ip)) {
      throw badRequest(`${where} "${name}": ipAddresses[${i}] is not an IP address, range or CIDR block.`);
    }
    return ip;
  });
  return {
    id,
    name,
    description: optString(body, 'description', where) ?? '',
    edgeId,
    ipAddresses,
    origin: state.nsxt.group(id)?.origin ?? 'api',
  };
}

export function createGroup(state: SimState, body: JsonObject, apiVersion: string): SimTask {
  const group = parseGroup(state, body, apiVersion, randomUUID());
  requireEdgeServices(state, state.edge, 'Firewall');
  if (state.nsxt.groups.some((g) => g.name === group.name)) {
    throw duplicateName('Firewall Group', group.name);
  }
  // The task's Owner is the new group: a create answers 202 with no body, and clients read the new object's id from
  // the finished task (go-vcloud-director's OpenApiPostItem, which createNsxtFirewallGroup uses: "Task Owner ID is the
  // ID of created object").
  return startEdgeTask(
    state,
    state.edge,
    'firewallGroupCreate',
    `Creating firewall group ${group.name}`,
    () => {
      state.nsxt.groups.push(group);
    },
    { kind: 'firewallGroup', id: group.id, name: group.name },
  );
}

export function updateGroup(state: SimState, id: string, body: JsonObject, apiVersion: string): SimTask {
  const current = requireGroup(state, id);
  const next = parseGroup(state, body, apiVersion, current.id);
  if (state.nsxt.groups.some((g) => g.name === next.name && g.id !== current.id)) {
    throw duplicateName('Firewall Group', next.name);
  }
  return startEdgeTask(
    state,
    state.edge,
    'firewallGroupUpdate',
    `Updating firewall group ${next.name}`,
    () => {
      const index = state.nsxt.groups.findIndex((g) => g.id === current.id);
      if (index >= 0) {
        state.nsxt.groups[index] = next;
      }
    },
  );
}

export function deleteGroup(state: SimState, id: string): SimTask {
  const current = requireGroup(state, id);
  const users = state.nsxt.referencesTo(current.id);
  if (users.length > 0) {
    throw inUse('Firewall Group', current.name, users);
  }
  return startEdgeTask(
    state,
    state.edge,
    'firewallGroupDelete',
    `Deleting firewall group ${current.name}`,
    () => {
      const index = state.nsxt.groups.findIndex((g) => g.id === current.id);
      if (index >= 0) {
        state.nsxt.groups.splice(index, 1);
      }
    },
  );
}

/** @throws SimError 403 for an unknown profile id. */
export function requireProfile(state: SimState, id: string): SimPortProfile {
  const uuid = uuidOfUrn(id, 'applicationPortProfile');
  const profile = state.nsxt.profile(uuid);
  if (profile === undefined) {
    throw noSuchEntity('applicationPortProfile', uuid);
  }
  return profile;
}

const PROTOCOLS: readonly PortProtocol[] = ['TCP', 'UDP', 'ICMPv4', 'ICMPv6'];

function parseProfile(body: JsonObject, id: string): SimPortProfile {
  const where = 'Application port profile';
  const name = reqString(body, 'name', where);
  const scope = optString(body, 'scope', where) ?? 'TENANT';
  if (scope !== 'TENANT') {
    throw new SimError(
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
      `${where} "${name}": an organization can only manage TENANT profiles, not ${scope}.`,
    );
  }
  const ports = optArray(body, 'applicationPorts', where).map((item, i) => {
    if (typeof item !== 'object' || item === null) {
      throw badRequest(`${where} "${name}": applicationPorts[${i}] must be an object.`);
    }
    const entry = item as JsonObject;
    const protocol = oneOf(reqString(entry, 'protocol', where), PROTOCOLS, 'protocol', where);
    const destinationPorts = optArray(entry, 'destinationPorts', where).map((port) => {
      if (typeof port !== 'string' || !isPortOrRange(port)) {
        throw badRequest(`${where} "${name}": "${String(port)}" is not a port or port range.`);
      }
      return port;
    });
    if (protocol.startsWith('ICMP') && destinationPorts.length > 0) {
      throw badRequest(`${where} "${name}": ICMP entries take no ports.`);
    }
    return { protocol, destinationPorts };
  });
  if (ports.length === 0) {
    throw badRequest(`${where} "${name}": "applicationPorts" needs at least one entry.`);
  }
  return {
    id,
    name,
    description: optString(body, 'description', where) ?? '',
    scope: 'TENANT',
    ports,
    origin: 'api',
  };
}

/**
 * Port profile tasks are the org's: they keep only the profile busy, not the edge. A create's Owner is the new profile
 * (go-vcloud-director's CreateNsxtAppPortProfile reads it back through OpenApiPostItem, as for IP sets).
 */
function startProfileTask(
  state: SimState,
  profile: SimPortProfile,
  operationName: string,
  apply: () => void,
  ownsProfile = false,
): SimTask {
  return state.startTask({
    operationName,
    operation: `${operationName} ${profile.name}`,
    owner: ownsProfile
      ? { kind: 'applicationPortProfile', id: profile.id, name: profile.name }
      : { kind: 'org', id: state.org.id, name: state.org.name },
    locks: [profile.id],
    durationMs: NSXT_TASK_MS,
    queued: true,
    onSuccess: apply,
  });
}

export function createProfile(state: SimState, body: JsonObject): SimTask {
  const profile = parseProfile(body, randomUUID());
  if (state.nsxt.profiles.some((p) => p.scope === 'TENANT' && p.name === profile.name)) {
    throw duplicateName('Application Port Profile', profile.name);
  }
  return startProfileTask(
    state,
    profile,
    'applicationPortProfileCreate',
    () => {
      state.nsxt.profiles.push(profile);
    },
    true,
  );
}

function assertTenant(profile: SimPortProfile): void {
  if (profile.scope !== 'TENANT') {
    throw new SimError(
      403,
      'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
      `Application port profile "${profile.name}" has scope ${profile.scope}: an organization cannot change it.`,
    );
  }
}

export function updateProfile(state: SimState, id: string, body: JsonObject): SimTask {
  const current = requireProfile(state, id);
  assertTenant(current);
  const next = parseProfile(body, current.id);
  return startProfileTask(state, current, 'applicationPortProfileUpdate', () => {
    const index = state.nsxt.profiles.findIndex((p) => p.id === current.id);
    if (index >= 0) {
      state.nsxt.profiles[index] = next;
    }
  });
}

export function deleteProfile(state: SimState, id: string): SimTask {
  const current = requireProfile(state, id);
  assertTenant(current);
  const users = state.nsxt.referencesTo(current.id);
  if (users.length > 0) {
    throw inUse('Application Port Profile', current.name, users);
  }
  return startProfileTask(state, current, 'applicationPortProfileDelete', () => {
    const index = state.nsxt.profiles.findIndex((p) => p.id === current.id);
    if (index >= 0) {
      state.nsxt.profiles.splice(index, 1);
    }
  });
}

/** @throws SimError 403 for an unknown IP Space. */
export function requireIpSpace(state: SimState, id: string): NonNullable<SimState['nsxt']['ipSpace']> {
  const uuid = uuidOfUrn(id, 'ipSpace');
  const space = state.nsxt.ipSpace;
  if (space === undefined || space.id !== uuid) {
    throw noSuchEntity('ipSpace', uuid);
  }
  return space;
}

/**
 * `POST …/ipSpaces/{id}/allocate` with an IpSpaceIpAllocationRequest (`type` FLOATING_IP, `quantity` 1-5 or a
 * `value`). The addresses are taken now, so a concurrent request cannot get them too; the task's
 * `Result/ResultContent` carries `[{id, value, suggestedValue}]` (go-vcloud-director IpSpaceIpAllocationRequestResult).
 *
 * @throws SimError 400 for another type, a bad quantity, a taken value or an exhausted IP Space.
 */
export function allocateFloatingIps(state: SimState, id: string, body: JsonObject): SimTask {
  const space = requireIpSpace(state, id);
  const where = 'IP Space allocation';
  const type = reqString(body, 'type', where);
  if (type !== 'FLOATING_IP') {
    throw badRequest(
      `${where}: the simulator's IP Space has no prefixes; only FLOATING_IP can be allocated, not ${type}.`,
    );
  }
  const value = optString(body, 'value', where);
  const quantity = optInteger(body, 'quantity', where);
  if (value !== undefined && quantity !== undefined) {
    throw badRequest(`${where}: give "quantity" or "value", not both.`);
  }
  const count = quantity ?? 1;
  if (count < 1 || count > 5) {
    throw badRequest(`${where}: "quantity" must be from 1 to 5.`);
  }
  const allocations: SimIpAllocation[] = [];
  const now = state.now();
  if (value !== undefined) {
    if (space.allocations.some((a) => a.value === value) || !isIpExpression(value)) {
      throw badRequest(`${where}: ${value} is not a free address of IP Space ${space.name}.`);
    }
    allocations.push({ id: randomUUID(), value, allocatedAt: now });
    space.allocations.push(...allocations);
  } else {
    for (let i = 0; i < count; i += 1) {
      const ip = state.nsxt.nextFreeFloatingIp();
      if (ip === undefined) {
        space.allocations.splice(space.allocations.length - allocations.length, allocations.length);
        throw badRequest(`${where}: IP Space ${space.name} has no free floating IP address left.`);
      }
      const allocation = { id: randomUUID(), value: ip, allocatedAt: now };
      allocations.push(allocation);
      space.allocations.push(allocation);
    }
  }
  const task = state.startTask({
    operationName: 'ipSpaceIpAllocate',
    operation: `Allocating ${allocations.length} floating IP address(es) from IP Space ${space.name}`,
    owner: { kind: 'org', id: state.org.id, name: state.org.name },
    locks: allocations.map((a) => a.id),
    durationMs: NSXT_TASK_MS / 2,
    queued: false,
    onSuccess: () => undefined,
    onFailure: () => {
      space.allocations.splice(
        0,
        space.allocations.length,
        ...space.allocations.filter((a) => !allocations.includes(a)),
      );
    },
  });
  task.result = JSON.stringify(
    allocations.map((a) => ({
      id: `urn:vcloud:ipSpaceIpAllocation:${a.id}`,
      value: a.value,
      suggestedValue: '',
    })),
  );
  return task;
}

/** @throws SimError 403 for an unknown allocation. */
export function requireAllocation(state: SimState, spaceId: string, allocationId: string): SimIpAllocation {
  const space = requireIpSpace(state, spaceId);
  const uuid = uuidOfUrn(allocationId, 'ipSpaceIpAllocation');
  const allocation = space.allocations.find((a) => a.id === uuid);
  if (allocation === undefined) {
    throw noSuchEntity('ipSpaceIpAllocation', uuid);
  }
  return allocation;
}

/** Releases a floating IP; one a NAT rule still uses is refused. */
export function releaseAllocation(state: SimState, spaceId: string, allocationId: string): SimTask {
  const space = requireIpSpace(state, spaceId);
  const allocation = requireAllocation(state, spaceId, allocationId);
  const users = state.nsxt.natRules.filter((r) => r.externalAddresses === allocation.value);
  if (users.length > 0) {
    throw inUse(
      'Floating IP',
      allocation.value,
      users.map((r) => `NAT rule "${r.name}"`),
    );
  }
  return state.startTask({
    operationName: 'ipSpaceIpAllocationDelete',
    operation: `Releasing floating IP ${allocation.value} to IP Space ${space.name}`,
    owner: { kind: 'org', id: state.org.id, name: state.org.name },
    locks: [allocation.id],
    durationMs: NSXT_TASK_MS / 2,
    queued: false,
    onSuccess: () => {
      const index = space.allocations.indexOf(allocation);
      if (index >= 0) {
        space.allocations.splice(index, 1);
      }
    },
  });
}
