/** XML namespaces of the request bodies we write (XSD `vcloud/vcloud.xsd` and the OVF 1.1 envelope). */
export const VCLOUD_NS = 'http://www.vmware.com/vcloud/v1.5';
export const OVF_NS = 'http://schemas.dmtf.org/ovf/envelope/1';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
