/** Read-only routes: the org, its VDC, the query service and vApp templates. */
import { orgDocument, orgListDocument, vdcDocument } from '../documents/org';
import { vAppTemplateDocument } from '../documents/vapp-template';
import { xmlResponse, type Route } from '../http/sim-http';
import { MEDIA } from '../media-types';
import { runQuery } from '../query/query-service';
import { noAccess } from '../sim-error';

export const catalogRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/org$/,
    versioning: 'api',
    authenticated: true,
    handle: (req) => xmlResponse(200, orgListDocument(req.ctx), MEDIA.orgList),
  },
  {
    method: 'GET',
    pattern: /^\/api\/org\/([^/]+)$/,
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
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      if (id !== req.ctx.state.vdc.id) {
        throw noAccess('vdc', id);
      }
      return xmlResponse(200, vdcDocument(req.ctx), MEDIA.vdc);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/query$/,
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
];
