/** Task routes: read a task (its status derived from the injected clock) and cancel one in flight. */
import { taskElement } from '../documents/task';
import { emptyResponse, xmlResponse, type Route } from '../http/sim-http';
import { MEDIA } from '../media-types';
import { noAccess } from '../sim-error';

export const taskRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/task\/([^/]+)$/,
    operation: 'task.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const task = req.ctx.state.task(id);
      if (task === undefined) {
        throw noAccess('task', id);
      }
      return xmlResponse(200, taskElement(req.ctx, task, true), MEDIA.task);
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/task\/([^/]+)\/action\/cancel$/,
    operation: 'task.cancel',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const task = req.ctx.state.task(id);
      if (task === undefined) {
        throw noAccess('task', id);
      }
      req.ctx.state.cancelTask(task);
      return emptyResponse(204);
    },
  },
];
