/**
 * The CloudAPI networking routes (`/cloudapi/1.0.0/…`, JSON, swagger 37.2): edge gateways, their NAT and firewall
 * rules and used addresses, firewall groups, application port profiles, org VDC networks and IP Spaces.
 */
import {
  acceptedJsonTask,
  applyFilter,
  cursorPage,
  jsonBody,
  jsonOk,
  noSuchEntity,
  pagedList,
  uuidOfUrn,
  type FilterFields,
} from '../cloudapi/cloudapi-http';
import {
  edgeGatewayJson,
  edgeRef,
  firewallGroupJson,
  firewallRuleJson,
  firewallRulesJson,
  ipAllocationJson,
  ipSpaceJson,
  ipSpaceSummaryJson,
  natRuleJson,
  ownerRef,
  portProfileJson,
  usedIpAddresses,
  usedIpJson,
  vdcGroupJson,
  vdcNetworkJson,
} from '../cloudapi/nsxt-documents';
import {
  createNatRule,
  deleteFirewallRule,
  deleteNatRule,
  replaceFirewallRules,
  requireCloudEdge,
  requireEdgeServices,
  requireFirewallRule,
  requireNatRule,
  updateFirewallRule,
  updateNatRule,
} from '../cloudapi/nsxt-edge-operations';
import {
  allocateFloatingIps,
  createGroup,
  createProfile,
  deleteGroup,
  deleteProfile,
  releaseAllocation,
  requireAllocation,
  requireGroup,
  requireIpSpace,
  requireProfile,
  updateGroup,
  updateProfile,
} from '../cloudapi/nsxt-org-operations';
import { urn } from '../hrefs';
import { type Route, type SimRequest, type SimResponse } from '../http/sim-http';
import { SimError } from '../sim-error';

const API = '/cloudapi/1\\.0\\.0';
const EDGE = `${API}/edgeGateways/([^/]+)`;

function route(
  method: string,
  path: string,
  operation: string,
  handle: (req: SimRequest, params: readonly string[]) => SimResponse,
): Route {
  return {
    method,
    pattern: new RegExp(`^${path}$`),
    operation,
    versioning: 'cloudapi',
    authenticated: true,
    handle,
  };
}

function edgeFields(req: SimRequest): FilterFields {
  const json = edgeGatewayJson(req.ctx, req.ctx.state.edge);
  const owner = ownerRef(req.ctx);
  return {
    id: urn('gateway', req.ctx.state.edge.id),
    name: req.ctx.state.edge.name,
    'orgVdc.id': req.ctx.state.nsxt.vdcGroup === undefined ? urn('vdc', req.ctx.state.vdc.id) : undefined,
    'ownerRef.id': owner.id,
    'ownerRef.name': owner.name,
    'orgRef.id': urn('org', req.ctx.state.org.id),
    'gatewayBacking.gatewayType': (json.gatewayBacking as { gatewayType: string }).gatewayType,
  };
}

const edgeRoutes: Route[] = [
  route('GET', `${API}/edgeGateways`, 'cloudapi.edgeGateway.list', (req) =>
    pagedList(
      req,
      applyFilter(req, [req.ctx.state.edge], () => edgeFields(req)),
      (edge) => edgeGatewayJson(req.ctx, edge),
      'EdgeGateways',
    ),
  ),
  route('GET', EDGE, 'cloudapi.edgeGateway.get', (req, [id = '']) =>
    jsonOk(edgeGatewayJson(req.ctx, requireCloudEdge(req.ctx.state, id))),
  ),
  route('GET', `${EDGE}/usedIpAddresses`, 'cloudapi.edgeGateway.usedIpAddresses', (req, [id = '']) => {
    requireCloudEdge(req.ctx.state, id);
    const used = applyFilter(req, usedIpAddresses(req.ctx), (u) => ({
      ipAddress: u.ipAddress,
      category: u.category,
    }));
    return pagedList(req, used, (u) => usedIpJson(req.ctx, u), 'GatewayUsedIpAddresses');
  }),
  route('GET', `${EDGE}/nat/rules`, 'cloudapi.nat.list', (req, [id = '']) => {
    const edge = requireCloudEdge(req.ctx.state, id);
    requireEdgeServices(req.ctx.state, edge, 'NAT');
    return cursorPage(
      req,
      req.ctx.state.nsxt.natRules,
      (rules) => ({
        status: 'REALIZED',
        values: rules.map((r) => natRuleJson(req.ctx, r, req.apiVersion)),
      }),
      'EdgeNatRules',
    );
  }),
  route('POST', `${EDGE}/nat/rules`, 'cloudapi.nat.create', (req, [id = '']) => {
    const edge = requireCloudEdge(req.ctx.state, id);
    return acceptedJsonTask(req, createNatRule(req.ctx.state, edge, jsonBody(req), req.apiVersion));
  }),
  route('GET', `${EDGE}/nat/rules/([^/]+)`, 'cloudapi.nat.get', (req, [id = '', ruleId = '']) => {
    const edge = requireCloudEdge(req.ctx.state, id);
    requireEdgeServices(req.ctx.state, edge, 'NAT');
    return jsonOk(natRuleJson(req.ctx, requireNatRule(req.ctx.state, ruleId), req.apiVersion));
  }),
  route('PUT', `${EDGE}/nat/rules/([^/]+)`, 'cloudapi.nat.update', (req, [id = '', ruleId = '']) => {
    const edge = requireCloudEdge(req.ctx.state, id);
    return acceptedJsonTask(req, updateNatRule(req.ctx.state, edge, ruleId, jsonBody(req), req.apiVersion));
  }),
  route('DELETE', `${EDGE}/nat/rules/([^/]+)`, 'cloudapi.nat.delete', (req, [id = '', ruleId = '']) => {
    const edge = requireCloudEdge(req.ctx.state, id);
    return acceptedJsonTask(req, deleteNatRule(req.ctx.state, edge, ruleId));
  }),
  route('GET', `${EDGE}/firewall/rules`, 'cloudapi.firewall.get', (req, [id = '']) => {
    const edge = requireCloudEdge(req.ctx.state, id);
    requireEdgeServices(req.ctx.state, edge, 'Firewall');
    return jsonOk(firewallRulesJson(req.ctx, req.ctx.state.nsxt, req.apiVersion));
  }),
  route('PUT', `${EDGE}/firewall/rules`, 'cloudapi.firewall.put', (req, [id = '']) => {
    const edge = requireCloudEdge(req.ctx.state, id);
    return acceptedJsonTask(req, replaceFirewallRules(req.ctx.state, edge, jsonBody(req), req.apiVersion));
  }),
  route(
    'GET',
    `${EDGE}/firewall/rules/([^/]+)`,
    'cloudapi.firewall.rule.get',
    (req, [id = '', ruleId = '']) => {
      const edge = requireCloudEdge(req.ctx.state, id);
      requireEdgeServices(req.ctx.state, edge, 'Firewall');
      return jsonOk(firewallRuleJson(req.ctx, requireFirewallRule(req.ctx.state, ruleId), req.apiVersion));
    },
  ),
  route(
    'PUT',
    `${EDGE}/firewall/rules/([^/]+)`,
    'cloudapi.firewall.rule.update',
    (req, [id = '', ruleId = '']) => {
      const edge = requireCloudEdge(req.ctx.state, id);
      return acceptedJsonTask(
        req,
        updateFirewallRule(req.ctx.state, edge, ruleId, jsonBody(req), req.apiVersion),
      );
    },
  ),
  route(
    'DELETE',
    `${EDGE}/firewall/rules/([^/]+)`,
    'cloudapi.firewall.rule.delete',
    (req, [id = '', ruleId = '']) => {
      const edge = requireCloudEdge(req.ctx.state, id);
      return acceptedJsonTask(req, deleteFirewallRule(req.ctx.state, edge, ruleId));
    },
  ),
];

const groupRoutes: Route[] = [
  route('GET', `${API}/firewallGroups/summaries`, 'cloudapi.firewallGroup.list', (req) => {
    const { state } = req.ctx;
    const edge = edgeRef(state.edge);
    const groups = applyFilter(req, state.nsxt.groups, (g) => ({
      id: urn('firewallGroup', g.id),
      name: g.name,
      'ownerRef.id': edge.id,
      'edgeGatewayRef.id': edge.id,
      typeValue: 'IP_SET',
      type: 'IP_SET',
    }));
    return pagedList(req, groups, (g) => firewallGroupJson(req.ctx, g, req.apiVersion), 'FirewallGroups');
  }),
  route('POST', `${API}/firewallGroups`, 'cloudapi.firewallGroup.create', (req) =>
    acceptedJsonTask(req, createGroup(req.ctx.state, jsonBody(req), req.apiVersion)),
  ),
  route('GET', `${API}/firewallGroups/([^/]+)`, 'cloudapi.firewallGroup.get', (req, [id = '']) =>
    jsonOk(firewallGroupJson(req.ctx, requireGroup(req.ctx.state, id), req.apiVersion)),
  ),
  route('PUT', `${API}/firewallGroups/([^/]+)`, 'cloudapi.firewallGroup.update', (req, [id = '']) =>
    acceptedJsonTask(req, updateGroup(req.ctx.state, id, jsonBody(req), req.apiVersion)),
  ),
  route('DELETE', `${API}/firewallGroups/([^/]+)`, 'cloudapi.firewallGroup.delete', (req, [id = '']) =>
    acceptedJsonTask(req, deleteGroup(req.ctx.state, id)),
  ),
];

const profileRoutes: Route[] = [
  route('GET', `${API}/applicationPortProfiles`, 'cloudapi.applicationPortProfile.list', (req) => {
    const profiles = applyFilter(req, req.ctx.state.nsxt.profiles, (p) => ({
      id: urn('applicationPortProfile', p.id),
      name: p.name,
      scope: p.scope,
      'orgRef.id': p.scope === 'TENANT' ? urn('org', req.ctx.state.org.id) : undefined,
      contextEntityId: p.scope === 'TENANT' ? ownerRef(req.ctx).id : undefined,
    }));
    return pagedList(req, profiles, (p) => portProfileJson(req.ctx, p), 'ApplicationPortProfiles');
  }),
  route('POST', `${API}/applicationPortProfiles`, 'cloudapi.applicationPortProfile.create', (req) =>
    acceptedJsonTask(req, createProfile(req.ctx.state, jsonBody(req))),
  ),
  route(
    'GET',
    `${API}/applicationPortProfiles/([^/]+)`,
    'cloudapi.applicationPortProfile.get',
    (req, [id = '']) => jsonOk(portProfileJson(req.ctx, requireProfile(req.ctx.state, id))),
  ),
  route(
    'PUT',
    `${API}/applicationPortProfiles/([^/]+)`,
    'cloudapi.applicationPortProfile.update',
    (req, [id = '']) => acceptedJsonTask(req, updateProfile(req.ctx.state, id, jsonBody(req))),
  ),
  route(
    'DELETE',
    `${API}/applicationPortProfiles/([^/]+)`,
    'cloudapi.applicationPortProfile.delete',
    (req, [id = '']) => acceptedJsonTask(req, deleteProfile(req.ctx.state, id)),
  ),
];

/** orgVdcNetworks pages at most 32 (swagger 37.2: default 16, maximum 32). */
const NETWORK_PAGES = { defaultSize: 16, maxSize: 32 };

const networkRoutes: Route[] = [
  route('GET', `${API}/orgVdcNetworks`, 'cloudapi.orgVdcNetwork.list', (req) => {
    const { state } = req.ctx;
    const owner = ownerRef(req.ctx);
    const networks = applyFilter(req, state.networks, (n) => ({
      id: urn('network', n.id),
      name: n.name,
      'orgVdc.id': state.nsxt.vdcGroup === undefined ? urn('vdc', n.vdcId) : undefined,
      'ownerRef.id': owner.id,
      'connection.routerRef.id': urn('gateway', state.edge.id),
      networkType: 'NAT_ROUTED',
    }));
    return pagedList(req, networks, (n) => vdcNetworkJson(req.ctx, n), 'VdcNetworks', NETWORK_PAGES);
  }),
  route('GET', `${API}/orgVdcNetworks/([^/]+)`, 'cloudapi.orgVdcNetwork.get', (req, [id = '']) => {
    const decoded = decodeURIComponent(id);
    const network = req.ctx.state.networks.find((n) => urn('network', n.id) === decoded);
    if (network === undefined) {
      throw new SimError(
        403,
        'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
        `Either you need some or all of the following rights [] to perform operations [] for ${decoded} or the target entity is invalid.`,
      );
    }
    return jsonOk(vdcNetworkJson(req.ctx, network));
  }),
];

const ipSpaceRoutes: Route[] = [
  route('GET', `${API}/ipSpaces/summaries`, 'cloudapi.ipSpace.list', (req) => {
    const space = req.ctx.state.nsxt.ipSpace;
    const spaces = applyFilter(req, space === undefined ? [] : [space], (s) => ({
      id: urn('ipSpace', s.id),
      name: s.name,
      type: 'PUBLIC',
      'orgRef.id': urn('org', req.ctx.state.org.id),
    }));
    return pagedList(req, spaces, (s) => ipSpaceSummaryJson(req.ctx, s), 'IpSpaceSummaries');
  }),
  route('GET', `${API}/ipSpaces/([^/]+)`, 'cloudapi.ipSpace.get', (req, [id = '']) =>
    jsonOk(ipSpaceJson(req.ctx, requireIpSpace(req.ctx.state, id))),
  ),
  route('POST', `${API}/ipSpaces/([^/]+)/allocate`, 'cloudapi.ipSpace.allocate', (req, [id = '']) =>
    acceptedJsonTask(req, allocateFloatingIps(req.ctx.state, id, jsonBody(req))),
  ),
  route('GET', `${API}/ipSpaces/([^/]+)/allocations`, 'cloudapi.ipSpace.allocations', (req, [id = '']) => {
    const space = requireIpSpace(req.ctx.state, id);
    const allocations = applyFilter(req, space.allocations, (a) => ({
      id: urn('ipSpaceIpAllocation', a.id),
      type: 'FLOATING_IP',
      value: a.value,
    }));
    return pagedList(req, allocations, (a) => ipAllocationJson(req.ctx, a), 'IpSpaceIpAllocations');
  }),
  route(
    'GET',
    `${API}/ipSpaces/([^/]+)/allocations/([^/]+)`,
    'cloudapi.ipSpace.allocation.get',
    (req, [id = '', allocationId = '']) =>
      jsonOk(ipAllocationJson(req.ctx, requireAllocation(req.ctx.state, id, allocationId))),
  ),
  route(
    'DELETE',
    `${API}/ipSpaces/([^/]+)/allocations/([^/]+)`,
    'cloudapi.ipSpace.allocation.delete',
    (req, [id = '', allocationId = '']) =>
      acceptedJsonTask(req, releaseAllocation(req.ctx.state, id, allocationId)),
  ),
];

const vdcGroupRoutes: Route[] = [
  route('GET', `${API}/vdcGroups`, 'cloudapi.vdcGroup.list', (req) => {
    const { state } = req.ctx;
    const groups = applyFilter(req, state.nsxt.vdcGroup === undefined ? [] : [state.nsxt.vdcGroup], (g) => ({
      id: urn('vdcGroup', g.id),
      name: g.name,
      orgId: urn('org', state.org.id),
      'participatingOrgVdcs.vdcRef.id': urn('vdc', state.vdc.id),
    }));
    return pagedList(req, groups, (g) => vdcGroupJson(req.ctx, g), 'VdcGroups');
  }),
  route('GET', `${API}/vdcGroups/([^/]+)`, 'cloudapi.vdcGroup.get', (req, [id = '']) => {
    const uuid = uuidOfUrn(id, 'vdcGroup');
    const group = req.ctx.state.nsxt.vdcGroup;
    if (group?.id !== uuid) {
      throw noSuchEntity('vdcGroup', uuid);
    }
    return jsonOk(vdcGroupJson(req.ctx, group));
  }),
];

export const cloudApiRoutes: readonly Route[] = [
  ...vdcGroupRoutes,
  ...edgeRoutes,
  ...groupRoutes,
  ...profileRoutes,
  ...networkRoutes,
  ...ipSpaceRoutes,
];
