/** vApp metadata: list, read one, set one (PUT), merge many (POST), delete one. Writes answer 202 with a Task. */
import { metadataDocument, metadataValueDocument } from '../documents/metadata';
import { xmlResponse, type Route, type SimRequest } from '../http/sim-http';
import { MEDIA } from '../media-types';
import { type MetadataDomain } from '../model';
import { parseMetadata, parseMetadataValue } from '../bodies/metadata-params';
import { badRequest } from '../sim-error';
import { findMetadata, removeMetadata, updateMetadata } from '../operations/metadata-operations';
import { requireVApp } from '../operations/vapp-guards';
import { acceptedTask, requireContentType } from './route-helpers';

const VAPP_METADATA = '/api/vApp/vapp-([^/]+)/metadata';
/** `.../metadata/<key>` or `.../metadata/SYSTEM/<key>` (the SYSTEM domain lives under its own path). */
const ENTRY = new RegExp(`^${VAPP_METADATA}/(?:(SYSTEM|GENERAL)/)?([^/]+)$`);

function entryParams(
  req: SimRequest,
  params: readonly string[],
): { id: string; domain: MetadataDomain; key: string } {
  const [id = '', domain, rawKey = ''] = params;
  let key: string;
  try {
    key = decodeURIComponent(rawKey);
  } catch {
    key = rawKey;
  }
  requireVApp(req.ctx.state, id);
  return { id, domain: domain === 'SYSTEM' ? 'SYSTEM' : 'GENERAL', key };
}

export const metadataRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: new RegExp(`^${VAPP_METADATA}$`),
    operation: 'vApp.metadata.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) =>
      xmlResponse(200, metadataDocument(req.ctx, requireVApp(req.ctx.state, id)), MEDIA.metadata),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${VAPP_METADATA}$`),
    operation: 'vApp.metadata.post',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      requireVApp(req.ctx.state, id);
      requireContentType(req, MEDIA.metadata);
      return acceptedTask(req, updateMetadata(req.ctx.state, id, parseMetadata(req.body)));
    },
  },
  {
    method: 'GET',
    pattern: ENTRY,
    operation: 'vApp.metadata.entry.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, params) => {
      const { id, domain, key } = entryParams(req, params);
      const vApp = requireVApp(req.ctx.state, id);
      return xmlResponse(
        200,
        metadataValueDocument(req.ctx, vApp, findMetadata(vApp, domain, key)),
        MEDIA.metadataValue,
      );
    },
  },
  {
    method: 'PUT',
    pattern: ENTRY,
    operation: 'vApp.metadata.entry.put',
    versioning: 'api',
    authenticated: true,
    handle: (req, params) => {
      const { id, domain, key } = entryParams(req, params);
      requireContentType(req, MEDIA.metadataValue);
      const value = parseMetadataValue(req.body, domain);
      // The path names the domain (SYSTEM entries live under .../metadata/SYSTEM/); a body that disagrees is refused.
      if (value.domain !== domain) {
        throw badRequest(
          `The metadata domain ${value.domain} in the body does not match the request path (${domain}).`,
        );
      }
      return acceptedTask(req, updateMetadata(req.ctx.state, id, [{ ...value, key }]));
    },
  },
  {
    method: 'DELETE',
    pattern: ENTRY,
    operation: 'vApp.metadata.entry.delete',
    versioning: 'api',
    authenticated: true,
    handle: (req, params) => {
      const { id, domain, key } = entryParams(req, params);
      return acceptedTask(req, removeMetadata(req.ctx.state, id, domain, key));
    },
  },
];
