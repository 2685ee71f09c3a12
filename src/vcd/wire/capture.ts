import { OVF_NS, VCLOUD_NS } from './namespaces';
import { el, serializeXml, textEl } from './xml-builder';

export interface CaptureVAppInput {
  /** Name of the new template (and catalog item). */
  name: string;
  description?: string;
  /** href of the vApp to capture. */
  sourceHref: string;
  /**
   * Write a CustomizationSection: true makes VCD customize the guest OS of each VM instantiated from the template.
   * Absent leaves it out (VCD's default, no customization), which nested ESXi hosts need.
   */
  customizeOnInstantiate?: boolean;
  /** Storage profile for the template; absent uses the VDC's default. */
  storageProfileHref?: string;
  /** href of an existing catalog item to overwrite (API 5.5+); absent creates a new item. */
  targetCatalogItemHref?: string;
}

/**
 * Builds the body of `POST <catalog>/action/captureVApp` in the order of XSD `CaptureVAppParamsType`
 * (Description, Source, ovf:Section, VdcStorageProfile, TargetCatalogItem). Never throws; values are escaped.
 */
export function buildCaptureVAppParams(input: CaptureVAppInput): string {
  return serializeXml(
    el('CaptureVAppParams', { xmlns: VCLOUD_NS, 'xmlns:ovf': OVF_NS, name: input.name }, [
      input.description !== undefined && textEl('Description', input.description),
      el('Source', { href: input.sourceHref }),
      input.customizeOnInstantiate !== undefined &&
        el('CustomizationSection', {}, [
          textEl('ovf:Info', 'VApp template customization section'),
          textEl('CustomizeOnInstantiate', input.customizeOnInstantiate),
        ]),
      input.storageProfileHref !== undefined && el('VdcStorageProfile', { href: input.storageProfileHref }),
      input.targetCatalogItemHref !== undefined &&
        el('TargetCatalogItem', { href: input.targetCatalogItemHref }),
    ]),
  );
}
