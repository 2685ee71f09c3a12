/** The `vm` query type: template VMs (isVAppTemplate="true") and vApp VMs, as VCD lists both. */
import { urn } from '../../hrefs';
import { MEDIA, statusName } from '../../media-types';
import { type QueryRow, type QueryType } from '../query-row';

export const vm: QueryType = {
  name: 'vm',
  recordElement: 'VMRecord',
  referencesElement: 'VMReferences',
  referenceElement: 'VMReference',
  entityMediaType: MEDIA.vm,
  attributes: [
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
  ],
  rows: ({ state, hrefs }) => {
    const busy = state.activeTasksByEntity();
    const templateVms: QueryRow[] = state.templates.flatMap((t) =>
      t.vms.map((tvm) => ({
        href: hrefs.templateVm(tvm.id),
        id: urn('vm', tvm.id),
        name: tvm.spec.name,
        refUrns: { container: urn('vapptemplate', t.id), vdc: urn('vdc', t.vdcId) },
        metadata: [],
        attributes: {
          name: tvm.spec.name,
          containerName: t.name,
          container: hrefs.vAppTemplate(t.id),
          ownerName: t.owner.name,
          vdc: hrefs.vdc(t.vdcId),
          isVAppTemplate: 'true',
          isDeleted: 'false',
          guestOs: tvm.spec.osDescription,
          numberOfCpus: String(tvm.spec.cpus),
          memoryMB: String(tvm.spec.memoryMb),
          status: t.resolved ? 'POWERED_OFF' : 'UNRESOLVED',
          networkName: tvm.spec.nics[0]?.network,
          ipAddress: undefined,
          isBusy: String(busy.has(t.id)),
          isDeployed: 'false',
          isPublished: 'false',
          catalogName: state.catalog.name,
          hardwareVersion: '19',
          isInMaintenanceMode: 'false',
          isAutoNature: 'false',
          storageProfileName: 'Standard',
        },
      })),
    );
    const vAppVms: QueryRow[] = state.vApps().flatMap((v) => {
      return v.vms.map((m) => {
        const primary = m.nics.find((n) => n.index === (m.primaryNicIndex ?? 0)) ?? m.nics[0];
        return {
          href: hrefs.vm(m.id),
          id: urn('vm', m.id),
          name: m.name,
          refUrns: { container: urn('vapp', v.id), vdc: urn('vdc', v.vdcId) },
          metadata: [],
          attributes: {
            name: m.name,
            containerName: v.name,
            container: hrefs.vApp(v.id),
            ownerName: v.owner.name,
            vdc: hrefs.vdc(v.vdcId),
            isVAppTemplate: 'false',
            isDeleted: 'false',
            guestOs: m.osDescription,
            numberOfCpus: String(m.cpus),
            memoryMB: String(m.memoryMb),
            status: statusName(m.status),
            networkName: primary?.network,
            ipAddress: primary?.ip,
            isBusy: String(busy.has(m.id)),
            isDeployed: String(m.deployed),
            isPublished: 'false',
            catalogName: undefined,
            hardwareVersion: '19',
            isInMaintenanceMode: 'false',
            isAutoNature: 'false',
            storageProfileName: 'Standard',
          },
        };
      });
    });
    return [...templateVms, ...vAppVms];
  },
};
