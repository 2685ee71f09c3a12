/** The `Task` document (XSD task.xsd TaskType), standalone or embedded in an entity's `Tasks`. */
import { urn } from '../hrefs';
import { MEDIA } from '../media-types';
import { type SimTask, type TaskOwnerKind } from '../model';
import { isInFlight, taskProgressAt, taskStatusAt } from '../task-engine';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT, dateTime, link, reference, type RenderContext } from './common';
import { errorElement } from './error';

/** Tasks expire about 90 days after they start (expiryTime in the fixtures). */
const TASK_EXPIRY_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * The Owner reference of a task: the entity it works on. CloudAPI objects have no XML document: their Owner carries
 * the object's URN in `id` (what go-vcloud-director's OpenApiPostItem reads back after a create) and its CloudAPI URL.
 */
function owner(ctx: RenderContext, task: SimTask): XmlNodeOut {
  const { hrefs } = ctx;
  const kinds: Record<TaskOwnerKind, [string, string | undefined, string?]> = {
    vapp: [hrefs.vApp(task.ownerId), MEDIA.vApp],
    vm: [hrefs.vm(task.ownerId), MEDIA.vm],
    vAppTemplate: [hrefs.vAppTemplate(task.ownerId), MEDIA.vAppTemplate],
    edgeGateway: [hrefs.edgeGateway(task.ownerId), MEDIA.edgeGateway],
    org: [hrefs.org(task.ownerId), MEDIA.org],
    firewallGroup: [
      hrefs.cloudapi('firewallGroups', 'firewallGroup', task.ownerId),
      undefined,
      urn('firewallGroup', task.ownerId),
    ],
    applicationPortProfile: [
      hrefs.cloudapi('applicationPortProfiles', 'applicationPortProfile', task.ownerId),
      undefined,
      urn('applicationPortProfile', task.ownerId),
    ],
  };
  const [href, type, id] = kinds[task.ownerKind];
  return reference('Owner', href, type, task.ownerName, id);
}

/** A Task element as of `ctx.now`; `root` adds namespace declarations for a standalone document. */
export function taskElement(ctx: RenderContext, task: SimTask, root: boolean): XmlNodeOut {
  const { hrefs } = ctx;
  const href = hrefs.task(task.id);
  return x(
    'Task',
    {
      ...(root ? VCLOUD_ROOT : {}),
      cancelRequested: task.cancelRequested,
      expiryTime: dateTime(task.createdAt + TASK_EXPIRY_MS),
      operation: task.operation,
      operationName: task.operationName,
      serviceNamespace: 'com.vmware.cloud',
      startTime: dateTime(task.createdAt),
      endTime: task.endedAt === undefined ? undefined : dateTime(task.endedAt),
      status: taskStatusAt(task, ctx.now),
      name: 'task',
      id: urn('task', task.id),
      href,
      type: MEDIA.task,
    },
    isInFlight(task) && link('task:cancel', `${href}/action/cancel`),
    owner(ctx, task),
    task.error !== undefined && errorElement(task.error),
    reference('User', hrefs.user(task.user.id), MEDIA.user, task.user.name),
    reference('Organization', hrefs.org(ctx.state.org.id), MEDIA.org, ctx.state.org.name),
    xText('Progress', taskProgressAt(task, ctx.now)),
    task.error !== undefined && xText('Details', task.error.message),
    task.result !== undefined &&
      taskStatusAt(task, ctx.now) === 'success' &&
      x('Result', {}, xText('ResultContent', task.result)),
  );
}
