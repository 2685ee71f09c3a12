/**
 * Readers for the section and action bodies of VMs and vApps: NetworkConnectionSection (PUT), LeaseSettingsSection
 * (PUT), CurrentUsageSpec (POST metrics) and CaptureVAppParams (POST captureVApp). Element order is checked against the
 * XSD as VCD's validating parser does.
 */
import { badRequest, invalidBody } from '../sim-error';
import { ANY, OVF, checkSequence, many, opt, req } from './body-schema';
import {
  parseNetworkConnectionSection,
  requireHref,
  type NetworkConnectionParams,
} from './instantiate-params';
import { all, first, int, readBody, text } from './xml-read';

export interface NetworkConnectionSectionParams {
  readonly primaryIndex?: number;
  readonly connections: readonly NetworkConnectionParams[];
}

/**
 * Reads a `NetworkConnectionSection` body (PUT .../networkConnectionSection/).
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body, elements out of order or invalid values.
 */
export function parseNetworkConnectionSectionBody(body: string): NetworkConnectionSectionParams {
  const root = readBody(body, 'NetworkConnectionSection');
  return {
    primaryIndex: int(text(root, 'PrimaryNetworkConnectionIndex')),
    connections: parseNetworkConnectionSection(root),
  };
}

export interface LeaseSettingsParams {
  readonly deploymentLeaseSeconds?: number;
  readonly storageLeaseSeconds?: number;
}

/**
 * Reads a `LeaseSettingsSection` body (PUT .../leaseSettingsSection/). The expiration elements are read-only and
 * ignored, as VCD ignores them; an absent lease keeps its current value.
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body or a negative lease.
 */
export function parseLeaseSettingsSection(body: string): LeaseSettingsParams {
  const root = readBody(body, 'LeaseSettingsSection');
  checkSequence(root, [
    req('Info', OVF),
    many('Link'),
    opt('DeploymentLeaseInSeconds'),
    opt('StorageLeaseInSeconds'),
    opt('DeploymentLeaseExpiration'),
    opt('StorageLeaseExpiration'),
    ANY,
  ]);
  const deploymentLeaseSeconds = int(text(root, 'DeploymentLeaseInSeconds'));
  const storageLeaseSeconds = int(text(root, 'StorageLeaseInSeconds'));
  if ((deploymentLeaseSeconds ?? 0) < 0 || (storageLeaseSeconds ?? 0) < 0) {
    throw badRequest('Lease durations must not be negative.');
  }
  return { deploymentLeaseSeconds, storageLeaseSeconds };
}

/**
 * Reads a `CurrentUsageSpec` body: the metric patterns to return (none means all).
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body.
 */
export function parseCurrentUsageSpec(body: string): string[] {
  const root = readBody(body, 'CurrentUsageSpec');
  // CurrentUsageSpecType is not VCloudExtensibleType, but the extension particle checkSequence allows is harmless.
  checkSequence(root, [many('MetricPattern')]);
  return all(root, 'MetricPattern')
    .map((p) => p.text.trim())
    .filter((p) => p !== '');
}

export interface CaptureParams {
  readonly name: string;
  readonly description?: string;
  readonly sourceHref: string;
  readonly targetCatalogItemHref?: string;
  readonly customizeOnInstantiate?: boolean;
}

/**
 * Reads `CaptureVAppParams` (XSD vApp.xsd: Description?, Source, ovf:Section*, VdcStorageProfile?, TargetCatalogItem?,
 * and CaptureVmParams / CopyTpmOnInstantiate in later API versions).
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body, a missing name or Source.
 */
export function parseCaptureVAppParams(body: string): CaptureParams {
  const root = readBody(body, 'CaptureVAppParams');
  checkSequence(root, [
    opt('Description'),
    req('Source'),
    many('CaptureVmParams'),
    // ovf:Section's substitution group: vCloud sections and OVF ones, in any order (names are matched locally).
    many([
      'CustomizationSection',
      'LeaseSettingsSection',
      'ProductSection',
      'NetworkConfigSection',
      'Section',
      'NetworkSection',
      'StartupSection',
      'VirtualHardwareSection',
    ]),
    opt('VdcStorageProfile'),
    opt('TargetCatalogItem'),
    opt('CopyTpmOnInstantiate'),
  ]);
  const name = root.attributes['name']?.trim();
  if (name === undefined || name === '') {
    throw invalidBody("cvc-complex-type.4: Attribute 'name' must appear on element 'CaptureVAppParams'.");
  }
  const customization = first(root, 'CustomizationSection');
  const customize = text(customization, 'CustomizeOnInstantiate');
  const target = first(root, 'TargetCatalogItem');
  return {
    name,
    description: text(root, 'Description'),
    sourceHref: requireHref(first(root, 'Source'), 'Source'),
    targetCatalogItemHref: target === undefined ? undefined : requireHref(target, 'TargetCatalogItem'),
    customizeOnInstantiate: customize === undefined ? undefined : customize === 'true' || customize === '1',
  };
}
