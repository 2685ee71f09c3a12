/** Query types for templates and vApps: `vAppTemplate`, `vApp` (with 10.x size attributes and last-task fields). */
import { dateTime, type RenderContext } from '../../documents/common';
import { urn } from '../../hrefs';
import { MEDIA, statusName } from '../../media-types';
import { type SimTask, type SimVApp } from '../../model';
import { storageLeaseExpiry } from '../../sim-state';
import { taskStatusAt } from '../../task-engine';
import { fromRows, lazyRows, type Columns, type QueryType, type RowShape } from '../query-row';

const b = (value: boolean): string => String(value);

export const vAppTemplate: QueryType = {
  name: 'vAppTemplate',
  recordElement: 'VAppTemplateRecord',
  referencesElement: 'VAppTemplateReferences',
  referenceElement: 'VAppTemplateReference',
  entityMediaType: MEDIA.vAppTemplate,
  attributes: [
    'name',
    'description',
    'ownerName',
    'catalogName',
    'isPublished',
    'vdc',
    'vdcName',
    'org',
    'creationDate',
    'isBusy',
    'isGoldMaster',
    'isEnabled',
    'status',
    'isDeployed',
    'isExpired',
    'storageProfileName',
    'numberOfVMs',
    'numberOfCpus',
    'memoryAllocationMB',
    'storageKB',
  ],
  list: fromRows(({ state, hrefs }) => {
    const busy = state.activeTasksByEntity();
    return state.templates.map((t) => ({
      href: hrefs.vAppTemplate(t.id),
      id: urn('vapptemplate', t.id),
      name: t.name,
      refUrns: { vdc: urn('vdc', t.vdcId), org: urn('org', state.org.id) },
      metadata: [],
      attributes: {
        name: t.name,
        description: t.description,
        ownerName: t.owner.name,
        catalogName: state.catalog.name,
        isPublished: 'false',
        vdc: hrefs.vdc(t.vdcId),
        vdcName: state.vdcById(t.vdcId)?.name,
        org: hrefs.org(state.org.id),
        creationDate: dateTime(t.createdAt),
        isBusy: b(busy.has(t.id)),
        isGoldMaster: 'false',
        isEnabled: 'true',
        status: t.resolved ? 'RESOLVED' : 'UNRESOLVED',
        isDeployed: 'false',
        isExpired: 'false',
        storageProfileName: 'Standard',
        numberOfVMs: String(t.vms.length),
        numberOfCpus: String(t.vms.reduce((s, vm) => s + vm.spec.cpus, 0)),
        memoryAllocationMB: String(t.vms.reduce((s, vm) => s + vm.spec.memoryMb, 0)),
        storageKB: String(t.vms.reduce((s, vm) => s + vm.spec.diskGb * 1024 * 1024, 0)),
      },
    }));
  }),
};

const VAPP_ATTRIBUTES = [
  'name',
  'description',
  'vdc',
  'vdcName',
  'isPublic',
  'isEnabled',
  'isBusy',
  'creationDate',
  'status',
  'ownerName',
  'isDeployed',
  'isInMaintenanceMode',
  'isAutoNature',
  'isExpired',
  'numberOfVMs',
  'numberOfCpus',
  'memoryAllocationMB',
  'storageKB',
  'task',
  'taskStatus',
  'taskStatusName',
] as const;

type VAppAttribute = (typeof VAPP_ATTRIBUTES)[number];

function vAppShape(ctx: RenderContext): RowShape<SimVApp, VAppAttribute> {
  const { state, hrefs } = ctx;
  const lastTasks = state.lastTaskByOwner();
  const busy = state.activeTasksByEntity();
  const last = (v: SimVApp): SimTask | undefined => lastTasks.get(v.id);
  const columns: Columns<SimVApp, VAppAttribute> = {
    name: (v) => v.name,
    description: (v) => v.description,
    vdc: (v) => hrefs.vdc(v.vdcId),
    vdcName: (v) => state.vdcById(v.vdcId)?.name,
    isPublic: () => 'false',
    isEnabled: () => 'true',
    isBusy: (v) => b(busy.has(v.id)),
    creationDate: (v) => dateTime(v.createdAt),
    status: (v) => statusName(v.status),
    ownerName: (v) => v.owner.name,
    isDeployed: (v) => b(v.deployed),
    isInMaintenanceMode: () => 'false',
    isAutoNature: () => 'false',
    isExpired: (v) => b((storageLeaseExpiry(v) ?? Number.POSITIVE_INFINITY) <= ctx.now),
    numberOfVMs: (v) => String(v.vms.length),
    numberOfCpus: (v) => String(v.vms.reduce((s, vm) => s + vm.cpus, 0)),
    memoryAllocationMB: (v) => String(v.vms.reduce((s, vm) => s + vm.memoryMb, 0)),
    storageKB: (v) => String(v.vms.reduce((s, vm) => s + vm.diskGb * 1024 * 1024, 0)),
    task: (v) => {
      const task = last(v);
      return task === undefined ? undefined : hrefs.task(task.id);
    },
    taskStatus: (v) => {
      const task = last(v);
      return task === undefined ? undefined : taskStatusAt(task, ctx.now);
    },
    taskStatusName: (v) => last(v)?.operationName,
  };
  return {
    attributes: VAPP_ATTRIBUTES,
    columns,
    head: (v) => {
      const task = last(v);
      return {
        href: hrefs.vApp(v.id),
        id: urn('vapp', v.id),
        name: v.name,
        refUrns: { vdc: urn('vdc', v.vdcId), ...(task ? { task: urn('task', task.id) } : {}) },
      };
    },
    metadata: (v) => [...v.metadata.values()],
  };
}

export const vApp: QueryType = {
  name: 'vApp',
  recordElement: 'VAppRecord',
  referencesElement: 'VAppReferences',
  referenceElement: 'VAppReference',
  entityMediaType: MEDIA.vApp,
  attributes: VAPP_ATTRIBUTES,
  list: (ctx) => lazyRows(vAppShape(ctx), ctx.state.vApps()),
};
