/** The `vm` query type: template VMs (isVAppTemplate="true") and vApp VMs, as VCD lists both. */
import { type RenderContext } from '../../documents/common';
import { urn } from '../../hrefs';
import { MEDIA, statusName } from '../../media-types';
import { type SimTask, type SimTemplate, type SimTemplateVm, type SimVApp, type SimVm } from '../../model';
import { lazyRows, type Columns, type QueryType, type RowShape } from '../query-row';

const VM_ATTRIBUTES = [
  'name',
  'containerName',
  'container',
  'ownerName',
  'vdc',
  'isVAppTemplate',
  'isDeleted',
  'guestOs',
  'numberOfCpus',
  'memoryMB',
  'status',
  'networkName',
  'ipAddress',
  'isBusy',
  'isDeployed',
  'isPublished',
  'catalogName',
  'hardwareVersion',
  'isInMaintenanceMode',
  'isAutoNature',
  'storageProfileName',
] as const;

type VmAttribute = (typeof VM_ATTRIBUTES)[number];

interface TemplateVm {
  readonly t: SimTemplate;
  readonly tvm: SimTemplateVm;
}

interface VAppVm {
  readonly v: SimVApp;
  readonly m: SimVm;
}

const none = (): undefined => undefined;

function templateVmShape(
  { state, hrefs }: RenderContext,
  busy: ReadonlyMap<string, SimTask>,
): RowShape<TemplateVm, VmAttribute> {
  const columns: Columns<TemplateVm, VmAttribute> = {
    name: ({ tvm }) => tvm.spec.name,
    containerName: ({ t }) => t.name,
    container: ({ t }) => hrefs.vAppTemplate(t.id),
    ownerName: ({ t }) => t.owner.name,
    vdc: ({ t }) => hrefs.vdc(t.vdcId),
    isVAppTemplate: () => 'true',
    isDeleted: () => 'false',
    guestOs: ({ tvm }) => tvm.spec.osDescription,
    numberOfCpus: ({ tvm }) => String(tvm.spec.cpus),
    memoryMB: ({ tvm }) => String(tvm.spec.memoryMb),
    status: ({ t }) => (t.resolved ? 'POWERED_OFF' : 'UNRESOLVED'),
    networkName: ({ tvm }) => tvm.spec.nics[0]?.network,
    ipAddress: none,
    isBusy: ({ t }) => String(busy.has(t.id)),
    isDeployed: () => 'false',
    isPublished: () => 'false',
    catalogName: () => state.catalog.name,
    hardwareVersion: () => '19',
    isInMaintenanceMode: () => 'false',
    isAutoNature: () => 'false',
    storageProfileName: () => 'Standard',
  };
  return {
    attributes: VM_ATTRIBUTES,
    columns,
    head: ({ t, tvm }) => ({
      href: hrefs.templateVm(tvm.id),
      id: urn('vm', tvm.id),
      name: tvm.spec.name,
      refUrns: { container: urn('vapptemplate', t.id), vdc: urn('vdc', t.vdcId) },
    }),
    metadata: () => [],
  };
}

function vAppVmShape(
  { hrefs }: RenderContext,
  busy: ReadonlyMap<string, SimTask>,
): RowShape<VAppVm, VmAttribute> {
  const primary = (m: SimVm) => m.nics.find((n) => n.index === (m.primaryNicIndex ?? 0)) ?? m.nics[0];
  const columns: Columns<VAppVm, VmAttribute> = {
    name: ({ m }) => m.name,
    containerName: ({ v }) => v.name,
    container: ({ v }) => hrefs.vApp(v.id),
    ownerName: ({ v }) => v.owner.name,
    vdc: ({ v }) => hrefs.vdc(v.vdcId),
    isVAppTemplate: () => 'false',
    isDeleted: () => 'false',
    guestOs: ({ m }) => m.osDescription,
    numberOfCpus: ({ m }) => String(m.cpus),
    memoryMB: ({ m }) => String(m.memoryMb),
    status: ({ m }) => statusName(m.status),
    networkName: ({ m }) => primary(m)?.network,
    ipAddress: ({ m }) => primary(m)?.ip,
    isBusy: ({ m }) => String(busy.has(m.id)),
    isDeployed: ({ m }) => String(m.deployed),
    isPublished: () => 'false',
    catalogName: none,
    hardwareVersion: () => '19',
    isInMaintenanceMode: () => 'false',
    isAutoNature: () => 'false',
    storageProfileName: () => 'Standard',
  };
  return {
    attributes: VM_ATTRIBUTES,
    columns,
    head: ({ v, m }) => ({
      href: hrefs.vm(m.id),
      id: urn('vm', m.id),
      name: m.name,
      refUrns: { container: urn('vapp', v.id), vdc: urn('vdc', v.vdcId) },
    }),
    metadata: () => [],
  };
}

export const vm: QueryType = {
  name: 'vm',
  recordElement: 'VMRecord',
  referencesElement: 'VMReferences',
  referenceElement: 'VMReference',
  entityMediaType: MEDIA.vm,
  attributes: VM_ATTRIBUTES,
  list: (ctx) => {
    const busy = ctx.state.activeTasksByEntity();
    const templateVms = ctx.state.templates.flatMap((t) => t.vms.map((tvm) => ({ t, tvm })));
    const vAppVms = ctx.state.vApps().flatMap((v) => v.vms.map((m) => ({ v, m })));
    return [
      ...lazyRows(templateVmShape(ctx, busy), templateVms),
      ...lazyRows(vAppVmShape(ctx, busy), vAppVms),
    ];
  },
};
