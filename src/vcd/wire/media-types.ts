/**
 * Media types of the VCD `/api` resources we send (govcd `types/v56/constants.go: Mime*`). Responses are
 * matched by root element rather than by media type, whose case and version suffix vary between servers.
 */
export const MEDIA_TYPE = {
  instantiateVAppTemplateParams: 'application/vnd.vmware.vcloud.instantiateVAppTemplateParams+xml',
  undeployVAppParams: 'application/vnd.vmware.vcloud.undeployVAppParams+xml',
  metadata: 'application/vnd.vmware.vcloud.metadata+xml',
  metadataValue: 'application/vnd.vmware.vcloud.metadata.value+xml',
} as const;
