/** The edge gateway: read it (admin URL, as tenants use it too) and configure its NAT and firewall services. */
import { parseEdgeServices } from '../bodies/edge-params';
import { edgeGatewayDocument } from '../documents/edge-gateway';
import { xmlResponse, type Route } from '../http/sim-http';
import { MEDIA } from '../media-types';
import { configureEdgeServices, requireEdge } from '../operations/edge-operations';
import { badRequest } from '../sim-error';
import { acceptedTask, requireContentType } from './route-helpers';

const EDGE = '/api/admin/edgeGateway/([^/]+)';

export const edgeRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: new RegExp(`^${EDGE}$`),
    operation: 'edgeGateway.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) =>
      xmlResponse(200, edgeGatewayDocument(req.ctx, requireEdge(req.ctx.state, id)), MEDIA.edgeGateway),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${EDGE}/action/configureServices$`),
    operation: 'edgeGateway.configureServices',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      requireEdge(req.ctx.state, id);
      if (req.ctx.state.nsxt.kind === 'nsxt') {
        // What VCD answers for NSX-V calls on an NSX-T edge (terraform-provider-vcd#617).
        throw badRequest('Backing NSX "" is not a NSX-V manager. Cannot be used for Nsx-V api calls.');
      }
      requireContentType(req, MEDIA.edgeGatewayServiceConfiguration);
      return acceptedTask(req, configureEdgeServices(req.ctx.state, id, parseEdgeServices(req.body)));
    },
  },
];
