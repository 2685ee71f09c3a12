/** Small pieces several route files share. */
import { taskElement } from '../documents/task';
import { taskAccepted, type SimRequest, type SimResponse } from '../http/sim-http';
import { MEDIA } from '../media-types';
import { type SimTask, type SimVApp, type SimVm } from '../model';
import { SimError } from '../sim-error';
import { requireVm as requireVmIn } from '../operations/vapp-guards';

/** 202 Accepted with the Task and `Location: <task href>`. */
export function acceptedTask(req: SimRequest, task: SimTask): SimResponse {
  return taskAccepted(taskElement(req.ctx, task, true), req.ctx.hrefs.task(task.id), MEDIA.task);
}

/**
 * Checks the request's Content-Type against the media type VCD requires for this body.
 *
 * @throws SimError 415 when it differs (parameters such as `;version=` or `;charset=` are ignored).
 */
export function requireContentType(req: SimRequest, mediaType: string): void {
  const sent = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (sent !== mediaType.toLowerCase()) {
    throw new SimError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Unsupported media type "${sent}": expected ${mediaType}.`,
    );
  }
}

/**
 * The VM with this id and the vApp holding it.
 *
 * @throws SimError 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN when no live vApp has it.
 */
export function requireVm(req: SimRequest, vmId: string): { vApp: SimVApp; vm: SimVm } {
  return requireVmIn(req.ctx.state, vmId);
}
