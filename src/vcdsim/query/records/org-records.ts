/** Query types for the org's fixed parts: `orgVdc`, `orgVdcNetwork`, `catalog`, `edgeGateway`. */
import { catalogItems } from '../../documents/catalog';
import { dateTime } from '../../documents/common';
import { urn } from '../../hrefs';
import { MEDIA, STATUS } from '../../media-types';
import { fromRows, type QueryType } from '../query-row';

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
  list: fromRows(({ state, hrefs }) => {
    const vApps = state.vApps();
    return state.vdcs.map((vdc) => {
      const own = vApps.filter((v) => v.vdcId === vdc.id);
      const vms = own.flatMap((v) => v.vms);
      const compute = state.computeInUse(vdc.id);
      return {
        href: hrefs.vdc(vdc.id),
        id: urn('vdc', vdc.id),
        name: vdc.name,
        refUrns: {},
        metadata: [],
        attributes: {
          name: vdc.name,
          description: '',
          isEnabled: 'true',
          cpuAllocationMhz: String(vdc.cpuLimitMhz),
          cpuLimitMhz: String(vdc.cpuLimitMhz),
          cpuUsedMhz: String(compute.cpuMhz),
          memoryAllocationMB: String(vdc.memoryLimitMb),
          memoryLimitMB: String(vdc.memoryLimitMb),
          memoryUsedMB: String(compute.memoryMb),
          storageLimitMB: String(vdc.storageLimitMb),
          storageUsedMB: String(state.storageInUseMb(vdc.id)),
          providerVdcName: 'vcdsim-pvdc',
          orgName: state.org.name,
          numberOfVApps: String(own.length),
          numberOfVAppTemplates: String(state.templates.filter((t) => t.vdcId === vdc.id).length),
          numberOfMedia: '0',
          numberOfDisks: '0',
          isSystemVdc: 'false',
          isBusy: 'false',
          status: 'READY',
          numberOfVMs: String(vms.length),
          numberOfRunningVMs: String(vms.filter((vm) => vm.status === STATUS.poweredOn).length),
          numberOfDeployedVApps: String(own.filter((v) => v.deployed).length),
        },
      };
    });
  }),
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
  list: fromRows(({ state, hrefs }) =>
    state.networks.map((n) => {
      const pool = state.pool(n.id);
      return {
        href: hrefs.network(n.id),
        id: urn('network', n.id),
        name: n.name,
        refUrns: { vdc: urn('vdc', n.vdcId) },
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
          vdc: hrefs.vdc(n.vdcId),
          vdcName: state.vdcById(n.vdcId)?.name,
          isBusy: 'false',
          isShared: 'true',
          isIpScopeInherited: 'false',
          usedIpCount: String(pool?.usedCount ?? 0),
          totalIpCount: String(pool?.total ?? 0),
        },
      };
    }),
  ),
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
  list: fromRows(({ state, hrefs }) => [
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
        numberOfVAppTemplates: String(state.templates.filter((t) => t.resolved).length),
        numberOfMedia: '0',
      },
    },
  ]),
};

export const edgeGateway: QueryType = {
  name: 'edgeGateway',
  recordElement: 'EdgeGatewayRecord',
  referencesElement: 'EdgeGatewayReferences',
  referenceElement: 'EdgeGatewayReference',
  entityMediaType: MEDIA.edgeGateway,
  attributes: [
    'name',
    'vdc',
    'orgVdcName',
    'numberOfExtNetworks',
    'numberOfOrgNetworks',
    'isBusy',
    'gatewayStatus',
    'haStatus',
    'advancedNetworkingEnabled',
    'distributedRoutingEnabled',
    'edgeGatewayType',
  ],
  list: fromRows(({ state, hrefs }) => {
    const edge = state.edge;
    return [
      {
        href: hrefs.edgeGateway(edge.id),
        id: urn('gateway', edge.id),
        name: edge.name,
        refUrns: { vdc: urn('vdc', edge.vdcId) },
        metadata: [],
        attributes: {
          name: edge.name,
          vdc: hrefs.vdc(edge.vdcId),
          orgVdcName: state.vdcById(edge.vdcId)?.name,
          numberOfExtNetworks: '1',
          numberOfOrgNetworks: String(state.networks.filter((n) => n.edgeName === edge.name).length),
          isBusy: String(state.activeTaskOf(edge.id) !== undefined),
          gatewayStatus: 'READY',
          haStatus: 'DISABLED',
          advancedNetworkingEnabled: 'false',
          distributedRoutingEnabled: 'false',
          edgeGatewayType: state.nsxt.kind === 'nsxt' ? 'NSXT_BACKED' : 'NSXV_BACKED',
        },
      },
    ];
  }),
};

/**
 * Catalog items (XSD QueryResultCatalogItemRecordType), as SDK clients list a catalog's items at API ≥ 33
 * (`type=catalogItem&filter=catalog==<href>` or `catalogName==<name>`).
 */
export const catalogItem: QueryType = {
  name: 'catalogItem',
  recordElement: 'CatalogItemRecord',
  referencesElement: 'CatalogItemReferences',
  referenceElement: 'CatalogItemReference',
  entityMediaType: MEDIA.catalogItem,
  attributes: [
    'name',
    'entity',
    'entityName',
    'entityType',
    'catalog',
    'catalogName',
    'ownerName',
    'owner',
    'isPublished',
    'vdc',
    'vdcName',
    'isVdcEnabled',
    'creationDate',
    'isExpired',
    'status',
  ],
  list: fromRows(({ state, hrefs }) =>
    catalogItems(state.templates).map((t) => ({
      href: hrefs.catalogItem(t.catalogItemId),
      id: urn('catalogitem', t.catalogItemId),
      name: t.name,
      refUrns: {
        entity: urn('vapptemplate', t.id),
        catalog: urn('catalog', state.catalog.id),
        owner: urn('user', state.user.id),
        vdc: urn('vdc', t.vdcId),
      },
      metadata: [],
      attributes: {
        name: t.name,
        entity: hrefs.vAppTemplate(t.id),
        entityName: t.name,
        entityType: 'vapptemplate',
        catalog: hrefs.catalog(state.catalog.id),
        catalogName: state.catalog.name,
        ownerName: state.user.name,
        owner: hrefs.user(state.user.id),
        isPublished: 'false',
        vdc: hrefs.vdc(t.vdcId),
        vdcName: state.vdcById(t.vdcId)?.name,
        isVdcEnabled: 'true',
        creationDate: dateTime(t.createdAt),
        isExpired: 'false',
        status: t.resolved ? 'RESOLVED' : 'UNRESOLVED',
      },
    })),
  ),
};
