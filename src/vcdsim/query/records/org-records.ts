/** Query types for the org's fixed parts: `orgVdc`, `orgVdcNetwork`, `catalog`. */
import { dateTime } from '../../documents/common';
import { urn } from '../../hrefs';
import { MEDIA, STATUS } from '../../media-types';
import { type QueryType } from '../query-row';

export const orgVdc: QueryType = {
  name: 'orgVdc',
  recordElement: 'OrgVdcRecord',
  referencesElement: 'OrgVdcReferences',
  referenceElement: 'OrgVdcReference',
  entityMediaType: MEDIA.vdc,
  attributes: [
    'name',
    'description',
    'isEnabled',
    'cpuAllocationMhz',
    'cpuLimitMhz',
    'cpuUsedMhz',
    'memoryAllocationMB',
    'memoryLimitMB',
    'memoryUsedMB',
    'storageLimitMB',
    'storageUsedMB',
    'providerVdcName',
    'orgName',
    'numberOfVApps',
    'numberOfVAppTemplates',
    'numberOfMedia',
    'numberOfDisks',
    'isSystemVdc',
    'isBusy',
    'status',
    'numberOfVMs',
    'numberOfRunningVMs',
    'numberOfDeployedVApps',
  ],
  rows: ({ state, hrefs }) => {
    const vApps = state.vApps();
    const vms = vApps.flatMap((v) => v.vms);
    const running = vms.filter((vm) => vm.status === STATUS.poweredOn);
    return [
      {
        href: hrefs.vdc(state.vdc.id),
        id: urn('vdc', state.vdc.id),
        name: state.vdc.name,
        refUrns: {},
        metadata: [],
        attributes: {
          name: state.vdc.name,
          description: '',
          isEnabled: 'true',
          cpuAllocationMhz: '0',
          cpuLimitMhz: '0',
          cpuUsedMhz: String(running.reduce((s, vm) => s + vm.cpus * 2000, 0)),
          memoryAllocationMB: '0',
          memoryLimitMB: '0',
          memoryUsedMB: String(running.reduce((s, vm) => s + vm.memoryMb, 0)),
          storageLimitMB: '0',
          storageUsedMB: String(vms.reduce((s, vm) => s + vm.diskGb * 1024, 0)),
          providerVdcName: 'vcdsim-pvdc',
          orgName: state.org.name,
          numberOfVApps: String(vApps.length),
          numberOfVAppTemplates: String(state.templates.length),
          numberOfMedia: '0',
          numberOfDisks: '0',
          isSystemVdc: 'false',
          isBusy: 'false',
          status: 'READY',
          numberOfVMs: String(vms.length),
          numberOfRunningVMs: String(running.length),
          numberOfDeployedVApps: String(vApps.filter((v) => v.deployed).length),
        },
      },
    ];
  },
};

export const orgVdcNetwork: QueryType = {
  name: 'orgVdcNetwork',
  recordElement: 'OrgVdcNetworkRecord',
  referencesElement: 'OrgVdcNetworkReferences',
  referenceElement: 'OrgVdcNetworkReference',
  entityMediaType: MEDIA.network,
  attributes: [
    'name',
    'defaultGateway',
    'netmask',
    'dns1',
    'dns2',
    'dnsSuffix',
    'linkType',
    'connectedTo',
    'vdc',
    'vdcName',
    'isBusy',
    'isShared',
    'isIpScopeInherited',
    'usedIpCount',
    'totalIpCount',
  ],
  rows: ({ state, hrefs }) =>
    state.networks.map((n) => {
      const pool = state.pool(n.id);
      return {
        href: hrefs.network(n.id),
        id: urn('network', n.id),
        name: n.name,
        refUrns: { vdc: urn('vdc', state.vdc.id) },
        metadata: [],
        attributes: {
          name: n.name,
          defaultGateway: n.gateway,
          netmask: n.netmask,
          dns1: n.dns1,
          dns2: n.dns2,
          dnsSuffix: n.dnsSuffix,
          // linkType 1 = routed through an edge gateway (0 direct, 2 isolated).
          linkType: '1',
          connectedTo: n.edgeName,
          vdc: hrefs.vdc(state.vdc.id),
          vdcName: state.vdc.name,
          isBusy: 'false',
          isShared: 'false',
          isIpScopeInherited: 'false',
          usedIpCount: String(pool?.usedCount ?? 0),
          totalIpCount: String(pool?.total ?? 0),
        },
      };
    }),
};

export const catalog: QueryType = {
  name: 'catalog',
  recordElement: 'CatalogRecord',
  referencesElement: 'CatalogReferences',
  referenceElement: 'CatalogReference',
  entityMediaType: MEDIA.catalog,
  attributes: [
    'name',
    'description',
    'isPublished',
    'isShared',
    'creationDate',
    'orgName',
    'ownerName',
    'numberOfVAppTemplates',
    'numberOfMedia',
  ],
  rows: ({ state, hrefs }) => [
    {
      href: hrefs.catalog(state.catalog.id),
      id: urn('catalog', state.catalog.id),
      name: state.catalog.name,
      refUrns: {},
      metadata: [],
      attributes: {
        name: state.catalog.name,
        description: 'Lab templates',
        isPublished: 'false',
        isShared: 'false',
        creationDate: dateTime(state.catalog.createdAt),
        orgName: state.org.name,
        ownerName: state.user.name,
        numberOfVAppTemplates: String(state.templates.length),
        numberOfMedia: '0',
      },
    },
  ],
};
