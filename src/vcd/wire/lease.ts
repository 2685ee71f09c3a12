import { OVF_NS, VCLOUD_NS } from './namespaces';
import { readLinks, type VcdLink } from './link';
import { expectRoot } from './wire-format';
import { el, serializeXml, textEl } from './xml-builder';
import { parseXml, textOf, toInt, type XmlNode } from './xml';

/** XSD `vcloud/vApp.xsd: LeaseSettingsSectionType` (since 0.9). A lease of 0 seconds conventionally never expires. */
export interface VcdLeaseSettings {
  deploymentLeaseInSeconds?: number;
  storageLeaseInSeconds?: number;
  /** Read-only: when the runtime lease runs out (VCD then stops the vApp). */
  deploymentLeaseExpiration?: string;
  /** Read-only: when the storage lease runs out. */
  storageLeaseExpiration?: string;
}

/** The lease section as `GET <vApp>/leaseSettingsSection/` answers it, with its edit link when the vApp allows one. */
export interface VcdLeaseSettingsSection extends VcdLeaseSettings {
  href?: string;
  links: VcdLink[];
}

/** Reads a LeaseSettingsSection element (inside a VApp, a VAppTemplate or on its own). Never throws. */
export function readLease(node: XmlNode): VcdLeaseSettings {
  return {
    deploymentLeaseInSeconds: toInt(textOf(node, 'DeploymentLeaseInSeconds')),
    storageLeaseInSeconds: toInt(textOf(node, 'StorageLeaseInSeconds')),
    deploymentLeaseExpiration: textOf(node, 'DeploymentLeaseExpiration') || undefined,
    storageLeaseExpiration: textOf(node, 'StorageLeaseExpiration') || undefined,
  };
}

/**
 * Parses a `<LeaseSettingsSection>` document.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not LeaseSettingsSection.
 */
export function parseLeaseSettingsSection(xml: string): VcdLeaseSettingsSection {
  const root = expectRoot(parseXml(xml), 'LeaseSettingsSection');
  return { ...readLease(root), href: root.attributes.href, links: readLinks(root) };
}

/** Lease values to write; an absent value is left out of the body. */
export interface LeaseSettingsInput {
  deploymentLeaseSeconds?: number;
  storageLeaseSeconds?: number;
}

/** Seconds as the XSD's xs:int wants them: whole, not negative, at most 2^31-1. */
export function leaseSeconds(seconds: number): number {
  return Math.min(2 ** 31 - 1, Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0)));
}

/**
 * Builds the body of `PUT <vApp>/leaseSettingsSection/` in XSD order (ovf:Info, DeploymentLeaseInSeconds,
 * StorageLeaseInSeconds); the expirations are VCD's to compute. Never throws.
 */
export function buildLeaseSettingsSection(input: LeaseSettingsInput): string {
  return serializeXml(
    el('LeaseSettingsSection', { xmlns: VCLOUD_NS, 'xmlns:ovf': OVF_NS, 'ovf:required': false }, [
      textEl('ovf:Info', 'Lease settings section'),
      input.deploymentLeaseSeconds !== undefined &&
        textEl('DeploymentLeaseInSeconds', leaseSeconds(input.deploymentLeaseSeconds)),
      input.storageLeaseSeconds !== undefined &&
        textEl('StorageLeaseInSeconds', leaseSeconds(input.storageLeaseSeconds)),
    ]),
  );
}
