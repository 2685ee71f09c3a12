/** What an injected fault answers, shaped like the real thing. */
import { randomUUID } from 'node:crypto';
import { type InjectedError } from '../faults';
import { SimError, busyEntity, type EntityKind } from '../sim-error';
import { type SimState } from '../sim-state';
import { errorResponse, routePath } from './dispatch';
import { emptyResponse, type SimResponse } from './sim-http';

/** The entity a path is about, for a BUSY_ENTITY message that names it (a vApp when the path names none). */
function entityOf(path: string): { kind: EntityKind; id: string } {
  const patterns: [RegExp, EntityKind][] = [
    [/\/vApp\/vm-([0-9a-f-]{36})/i, 'vm'],
    [/\/vApp\/vapp-([0-9a-f-]{36})/i, 'vapp'],
    [/\/edgeGateway\/([0-9a-f-]{36})/i, 'gateway'],
    [/\/edgeGateways\/urn:vcloud:gateway:([0-9a-f-]{36})/i, 'gateway'],
    [/\/vAppTemplate\/vappTemplate-([0-9a-f-]{36})/i, 'vappTemplate'],
  ];
  for (const [pattern, kind] of patterns) {
    const id = pattern.exec(path)?.[1];
    if (id !== undefined) {
      return { kind, id };
    }
  }
  return { kind: 'vapp', id: randomUUID() };
}

/**
 * The response for an injected error. 5xx from the cell answer with VCD's generic Error; 502/503/504 come from the load
 * balancer in front of the cells, with no VCD body at all.
 */
export function injectedResponse(
  error: InjectedError,
  rawUrl: string,
  requestId: string,
  state: SimState,
): SimResponse {
  let path = '/';
  try {
    path = routePath(rawUrl);
  } catch {
    // An unparsable URL names no entity; the message then names a made-up one.
  }
  switch (error) {
    case 500:
      return errorResponse(
        new SimError(
          500,
          'INTERNAL_SERVER_ERROR',
          'Unable to perform this action. Contact your cloud administrator.',
        ),
        requestId,
        path,
      );
    case 502:
    case 503:
    case 504:
      return emptyResponse(error);
    case 'BUSY_ENTITY': {
      const entity = entityOf(path);
      return errorResponse(
        busyEntity(entity.kind, entity.id, 'vappUpdateVApp', randomUUID()),
        requestId,
        path,
      );
    }
    case 'OPERATION_LIMITS_EXCEEDED':
      return errorResponse(
        new SimError(
          400,
          'OPERATION_LIMITS_EXCEEDED',
          `The maximum number of simultaneous operations for user "${state.user.name}" on organization "${state.org.name}" has been reached.`,
        ),
        requestId,
        path,
      );
  }
}
