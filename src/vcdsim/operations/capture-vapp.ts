/**
 * `POST /api/catalog/<id>/action/captureVApp`: a new vApp template in the catalog, written by a `vdcCaptureTemplate`
 * task whose Owner is the template (task names as VCD logs them, vmware-archive/container-service-extension#170).
 * While the task runs the template is listed but busy; a vApp captured while deployed keeps its memory state.
 */
import { randomUUID } from 'node:crypto';
import { type CaptureParams } from '../bodies/section-params';
import { uuidFromHref } from '../hrefs';
import { STATUS } from '../media-types';
import { type SimTask, type SimTemplate } from '../model';
import { SimError, noAccess, wrongPowerState } from '../sim-error';
import { TASK_DURATIONS_MS, type SimState } from '../sim-state';
import { assertStorageFits, vAppStorageMb } from './quota';
import { assertIdle, requireVApp, vAppLocks } from './vapp-guards';

/**
 * Captures a vApp into the catalog → 202 with the capture task.
 *
 * @throws SimError 403 for an unknown catalog, vApp or target catalog item; 400 INVALID_REFERENCE for a Source that is
 *   not a vApp; 400 DUPLICATE_NAME when the catalog has an item of that name (and no TargetCatalogItem replaces it);
 *   400 BUSY_ENTITY; 400 BAD_REQUEST for a vApp still being created or a VDC out of storage;
 *   400 OPERATION_LIMITS_EXCEEDED.
 */
export function captureVApp(
  state: SimState,
  catalogId: string,
  params: CaptureParams,
): { task: SimTask; template: SimTemplate } {
  if (catalogId !== state.catalog.id) {
    throw noAccess('catalog', catalogId);
  }
  const vAppId = uuidFromHref(params.sourceHref, '/api/vApp/vapp-');
  if (vAppId === undefined) {
    throw new SimError(400, 'INVALID_REFERENCE', `Invalid reference "${params.sourceHref}": not a vApp.`);
  }
  const vApp = requireVApp(state, vAppId);
  let replaced: SimTemplate | undefined;
  if (params.targetCatalogItemHref !== undefined) {
    const itemId = uuidFromHref(params.targetCatalogItemHref, '/api/catalogItem/') ?? '';
    replaced = state.templateByCatalogItem(itemId);
    if (replaced === undefined) {
      throw noAccess('catalogItem', itemId);
    }
  }
  if (state.templates.some((t) => t.name === params.name && t !== replaced)) {
    throw new SimError(400, 'DUPLICATE_NAME', `The VCD entity ${params.name} already exists.`);
  }
  assertIdle(state, vApp);
  if (replaced !== undefined) {
    const busy = state.activeTaskOf(replaced.id);
    if (busy !== undefined) {
      throw new SimError(
        400,
        'BUSY_ENTITY',
        `The entity Ref: com.vmware.vcloud.entity.vappTemplate:${replaced.id} is busy completing an operation VDC_CAPTURE_TEMPLATE(com.vmware.vcloud.entity.task:${busy.id}).`,
      );
    }
  }
  if (vApp.status === STATUS.unresolved || vApp.status === STATUS.failedCreation) {
    throw wrongPowerState(vApp.name, 'powered off');
  }
  const vdc = state.vdcById(vApp.vdcId) ?? state.vdc;
  state.assertTaskCapacity();
  assertStorageFits(state, vdc, vAppStorageMb(vApp));

  const template: SimTemplate = {
    id: randomUUID(),
    name: params.name,
    description: params.description ?? '',
    createdAt: state.now(),
    vms: vApp.vms.map((vm) => ({
      id: randomUUID(),
      spec: {
        name: vm.name,
        description: vm.description,
        cpus: vm.cpus,
        memoryMb: vm.memoryMb,
        diskGb: vm.diskGb,
        osType: vm.osType,
        osDescription: vm.osDescription,
        nestedHypervisor: vm.nestedHypervisor,
        nics: vm.nics.map((nic) => ({
          network: nic.network,
          adapterType: nic.adapterType,
          allocationMode: nic.allocationMode,
        })),
      },
      macs: vm.nics.map((nic) => nic.mac),
    })),
    networkNames: vApp.networks.map((n) => n.name),
    vdcId: vdc.id,
    catalogItemId: replaced?.catalogItemId ?? randomUUID(),
    resolved: false,
    withMemoryState: vApp.deployed,
    storageLeaseSeconds: 0,
    owner: state.user,
  };
  const task = state.startTask({
    operationName: 'vdcCaptureTemplate',
    operation: `Capturing Virtual Application Template ${template.name}(${template.id})`,
    owner: { kind: 'vAppTemplate', id: template.id, name: template.name },
    locks: [template.id, ...vAppLocks(vApp)],
    durationMs: TASK_DURATIONS_MS.capture,
    queued: true,
    onSuccess: () => {
      template.resolved = true;
      if (replaced !== undefined) {
        state.removeTemplate(replaced.id);
      }
    },
    onFailure: () => state.removeTemplate(template.id),
  });
  state.addTemplate(template);
  return { task, template };
}
