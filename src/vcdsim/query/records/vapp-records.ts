/** Query types for templates and vApps: `vAppTemplate`, `vApp` (with 10.x size attributes and last-task fields). */
import { dateTime } from '../../documents/common';
import { urn } from '../../hrefs';
import { MEDIA, statusName } from '../../media-types';
import { type SimVApp } from '../../model';
import { storageLeaseExpiry } from '../../sim-state';
import { taskStatusAt } from '../../task-engine';
import { type QueryType } from '../query-row';

const b = (value: boolean): string => String(value);

function vAppTotals(vApp: SimVApp): Record<string, string> {
  return {
    numberOfVMs: String(vApp.vms.length),
    numberOfCpus: String(vApp.vms.reduce((s, vm) => s + vm.cpus, 0)),
    memoryAllocationMB: String(vApp.vms.reduce((s, vm) => s + vm.memoryMb, 0)),
    storageKB: String(vApp.vms.reduce((s, vm) => s + vm.diskGb * 1024 * 1024, 0)),
  };
}

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
  rows: ({ state, hrefs }) => {
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
  },
};

export const vApp: QueryType = {
  name: 'vApp',
  recordElement: 'VAppRecord',
  referencesElement: 'VAppReferences',
  referenceElement: 'VAppReference',
  entityMediaType: MEDIA.vApp,
  attributes: [
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
  ],
  rows: (ctx) => {
    const { state, hrefs } = ctx;
    const lastTasks = state.lastTaskByOwner();
    const busy = state.activeTasksByEntity();
    return state.vApps().map((v) => {
      const last = lastTasks.get(v.id);
      return {
        href: hrefs.vApp(v.id),
        id: urn('vapp', v.id),
        name: v.name,
        refUrns: { vdc: urn('vdc', v.vdcId), ...(last ? { task: urn('task', last.id) } : {}) },
        metadata: [...v.metadata.values()],
        attributes: {
          name: v.name,
          description: v.description,
          vdc: hrefs.vdc(v.vdcId),
          vdcName: state.vdcById(v.vdcId)?.name,
          isPublic: 'false',
          isEnabled: 'true',
          isBusy: b(busy.has(v.id)),
          creationDate: dateTime(v.createdAt),
          status: statusName(v.status),
          ownerName: v.owner.name,
          isDeployed: b(v.deployed),
          isInMaintenanceMode: 'false',
          isAutoNature: 'false',
          isExpired: b((storageLeaseExpiry(v) ?? Number.POSITIVE_INFINITY) <= ctx.now),
          ...vAppTotals(v),
          task: last === undefined ? undefined : hrefs.task(last.id),
          taskStatus: last === undefined ? undefined : taskStatusAt(last, ctx.now),
          taskStatusName: last?.operationName,
        },
      };
    });
  },
};
