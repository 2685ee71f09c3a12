/**
 * The org and what hangs off it: VDCs, networks, the query service, the catalog with its items and templates, and
 * capture into the catalog.
 */
import { parseCaptureVAppParams } from '../bodies/section-params';
import { MEDIA_ADMIN_CATALOG, catalogDocument, catalogItemDocument } from '../documents/catalog';
import { orgVdcNetworkDocument } from '../documents/network';
import { orgDocument, orgListDocument, vdcDocument } from '../documents/org';
import { vAppTemplateDocument } from '../documents/vapp-template';
import { xmlResponse, type Route } from '../http/sim-http';
import { MEDIA } from '../media-types';
import { runQuery } from '../query/query-service';
import { captureVApp } from '../operations/capture-vapp';
import { noAccess } from '../sim-error';
import { acceptedTask, requireContentType } from './route-helpers';

export const catalogRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/org$/,
    operation: 'org.list',
    versioning: 'api',
    authenticated: true,
    handle: (req) => xmlResponse(200, orgListDocument(req.ctx), MEDIA.orgList),
  },
  {
    method: 'GET',
    pattern: /^\/api\/org\/([^/]+)$/,
    operation: 'org.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      if (id !== req.ctx.state.org.id) {
        throw noAccess('org', id);
      }
      return xmlResponse(200, orgDocument(req.ctx), MEDIA.org);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/vdc\/([^/]+)$/,
    operation: 'vdc.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const vdc = req.ctx.state.vdcById(id);
      if (vdc === undefined) {
        throw noAccess('vdc', id);
      }
      return xmlResponse(200, vdcDocument(req.ctx, vdc), MEDIA.vdc);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/query$/,
    operation: 'query',
    versioning: 'api',
    authenticated: true,
    handle: (req) => {
      const answer = runQuery(req.ctx, req.query, req.apiVersion);
      return xmlResponse(200, answer.document, answer.mediaType);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/vAppTemplate\/vappTemplate-([^/]+)$/,
    operation: 'vAppTemplate.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const template = req.ctx.state.template(id);
      if (template === undefined) {
        throw noAccess('vappTemplate', id);
      }
      return xmlResponse(200, vAppTemplateDocument(req.ctx, template), MEDIA.vAppTemplate);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/catalog\/([^/]+)$/,
    operation: 'catalog.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      if (id !== req.ctx.state.catalog.id) {
        throw noAccess('catalog', id);
      }
      return xmlResponse(200, catalogDocument(req.ctx), MEDIA.catalog);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/admin\/catalog\/([^/]+)$/,
    operation: 'catalog.admin.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      if (id !== req.ctx.state.catalog.id) {
        throw noAccess('catalog', id);
      }
      return xmlResponse(200, catalogDocument(req.ctx, true), MEDIA_ADMIN_CATALOG);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/catalogItem\/([^/]+)$/,
    operation: 'catalogItem.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const template = req.ctx.state.templateByCatalogItem(id);
      if (template === undefined) {
        throw noAccess('catalogItem', id);
      }
      return xmlResponse(200, catalogItemDocument(req.ctx, template), MEDIA.catalogItem);
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/catalog\/([^/]+)\/action\/captureVApp$/,
    operation: 'catalog.captureVApp',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      if (id !== req.ctx.state.catalog.id) {
        throw noAccess('catalog', id);
      }
      requireContentType(req, MEDIA.captureVAppParams);
      const { task } = captureVApp(req.ctx.state, id, parseCaptureVAppParams(req.body));
      return acceptedTask(req, task);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/(admin\/)?network\/([^/]+)$/,
    operation: 'network.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [admin, id = '']) => {
      // vApp networks and the provider's external network are not readable here; a tenant gets 403 for both.
      const network = req.ctx.state.network(id);
      if (network === undefined) {
        throw noAccess('network', id);
      }
      const asAdmin = admin !== undefined && admin !== '';
      return xmlResponse(
        200,
        orgVdcNetworkDocument(req.ctx, network, asAdmin),
        asAdmin ? MEDIA.adminNetwork : MEDIA.orgNetwork,
      );
    },
  },
];
