/**
 * Media types of the VCD `/api` resources we send (govcd `types/v56/constants.go: Mime*`). Responses are
 * matched by root element rather than by media type, whose case and version suffix vary between servers.
 */
export const MEDIA_TYPE = {
  instantiateVAppTemplateParams: 'application/vnd.vmware.vcloud.instantiateVAppTemplateParams+xml',
  undeployVAppParams: 'application/vnd.vmware.vcloud.undeployVAppParams+xml',
  metadata: 'application/vnd.vmware.vcloud.metadata+xml',
  metadataValue: 'application/vnd.vmware.vcloud.metadata.value+xml',
  leaseSettingsSection: 'application/vnd.vmware.vcloud.leaseSettingsSection+xml',
  networkConnectionSection: 'application/vnd.vmware.vcloud.networkConnectionSection+xml',
  captureVAppParams: 'application/vnd.vmware.vcloud.captureVAppParams+xml',
  edgeGatewayServiceConfiguration: 'application/vnd.vmware.admin.edgeGatewayServiceConfiguration+xml',
} as const;
