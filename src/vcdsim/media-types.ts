/** VCD media types and constants the simulator writes (XSD `meta:content-type` values plus `+xml`). */

export const NS_VCLOUD = 'http://www.vmware.com/vcloud/v1.5';
export const NS_VERSIONS = 'http://www.vmware.com/vcloud/versions';
export const NS_OVF = 'http://schemas.dmtf.org/ovf/envelope/1';
export const NS_RASD = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData';
export const NS_VSSD = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData';
export const NS_VMW = 'http://www.vmware.com/schema/ovf';
export const NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export const MEDIA = {
  versions: 'application/vnd.vmware.vcloud.versions+xml',
  session: 'application/vnd.vmware.vcloud.session+xml',
  orgList: 'application/vnd.vmware.vcloud.orgList+xml',
  org: 'application/vnd.vmware.vcloud.org+xml',
  vdc: 'application/vnd.vmware.vcloud.vdc+xml',
  catalog: 'application/vnd.vmware.vcloud.catalog+xml',
  network: 'application/vnd.vmware.vcloud.network+xml',
  orgNetwork: 'application/vnd.vmware.vcloud.orgNetwork+xml',
  adminNetwork: 'application/vnd.vmware.admin.network+xml',
  edgeGateway: 'application/vnd.vmware.admin.edgeGateway+xml',
  edgeGatewayServiceConfiguration: 'application/vnd.vmware.admin.edgeGatewayServiceConfiguration+xml',
  catalogItem: 'application/vnd.vmware.vcloud.catalogItem+xml',
  captureVAppParams: 'application/vnd.vmware.vcloud.captureVAppParams+xml',
  currentUsage: 'application/vnd.vmware.vcloud.metrics.currentUsage+xml',
  currentUsageSpec: 'application/vnd.vmware.vcloud.metrics.currentUsageSpec+xml',
  historicUsage: 'application/vnd.vmware.vcloud.metrics.historicUsage+xml',
  historicUsageSpec: 'application/vnd.vmware.vcloud.metrics.historicUsageSpec+xml',
  vAppNetwork: 'application/vnd.vmware.vcloud.vAppNetwork+xml',
  vApp: 'application/vnd.vmware.vcloud.vApp+xml',
  vm: 'application/vnd.vmware.vcloud.vm+xml',
  vAppTemplate: 'application/vnd.vmware.vcloud.vAppTemplate+xml',
  task: 'application/vnd.vmware.vcloud.task+xml',
  error: 'application/vnd.vmware.vcloud.error+xml',
  metadata: 'application/vnd.vmware.vcloud.metadata+xml',
  metadataValue: 'application/vnd.vmware.vcloud.metadata.value+xml',
  owner: 'application/vnd.vmware.vcloud.owner+xml',
  user: 'application/vnd.vmware.admin.user+xml',
  controlAccess: 'application/vnd.vmware.vcloud.controlAccess+xml',
  leaseSettingsSection: 'application/vnd.vmware.vcloud.leaseSettingsSection+xml',
  networkConfigSection: 'application/vnd.vmware.vcloud.networkConfigSection+xml',
  networkConnectionSection: 'application/vnd.vmware.vcloud.networkConnectionSection+xml',
  networkSection: 'application/vnd.vmware.vcloud.networkSection+xml',
  startupSection: 'application/vnd.vmware.vcloud.startupSection+xml',
  virtualHardwareSection: 'application/vnd.vmware.vcloud.virtualHardwareSection+xml',
  operatingSystemSection: 'application/vnd.vmware.vcloud.operatingSystemSection+xml',
  guestCustomizationSection: 'application/vnd.vmware.vcloud.guestCustomizationSection+xml',
  customizationSection: 'application/vnd.vmware.vcloud.customizationSection+xml',
  rasdItem: 'application/vnd.vmware.vcloud.rasdItem+xml',
  deployVAppParams: 'application/vnd.vmware.vcloud.deployVAppParams+xml',
  undeployVAppParams: 'application/vnd.vmware.vcloud.undeployVAppParams+xml',
  instantiateVAppTemplateParams: 'application/vnd.vmware.vcloud.instantiateVAppTemplateParams+xml',
  queryList: 'application/vnd.vmware.vcloud.query.queryList+xml',
  queryRecords: 'application/vnd.vmware.vcloud.query.records+xml',
  queryIdRecords: 'application/vnd.vmware.vcloud.query.idrecords+xml',
  queryReferences: 'application/vnd.vmware.vcloud.query.references+xml',
  json: 'application/json',
} as const;

/** vApp/VM `status` integers (govcd `types/v56/types.go: VAppStatuses`). */
export const STATUS = {
  failedCreation: -1,
  unresolved: 0,
  resolved: 1,
  suspended: 3,
  poweredOn: 4,
  poweredOff: 8,
} as const;

export type SimStatus = (typeof STATUS)[keyof typeof STATUS];

/** The names query records use for the same statuses (`status="POWERED_OFF"`). */
export function statusName(status: SimStatus): string {
  switch (status) {
    case STATUS.failedCreation:
      return 'FAILED_CREATION';
    case STATUS.unresolved:
      return 'UNRESOLVED';
    case STATUS.resolved:
      return 'RESOLVED';
    case STATUS.suspended:
      return 'SUSPENDED';
    case STATUS.poweredOn:
      return 'POWERED_ON';
    case STATUS.poweredOff:
      return 'POWERED_OFF';
  }
}
