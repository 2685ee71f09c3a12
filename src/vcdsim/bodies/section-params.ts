/**
 * Readers for the section and action bodies of VMs and vApps: NetworkConnectionSection (PUT), LeaseSettingsSection
 * (PUT), CurrentUsageSpec (POST metrics) and CaptureVAppParams (POST captureVApp). Element order is checked against the
 * XSD as VCD's validating parser does.
 */
import { type XmlNode } from '../../vcd/wire/xml';
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

/** A `HistoricUsageSpec`: the window (epoch ms; absent: VCD's 24 hours up to now) and the metric patterns. */
export interface HistoricUsageParams {
  readonly from?: number;
  readonly to?: number;
  readonly patterns: string[];
}

const TIME_UNIT_MS: Readonly<Record<string, number>> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** An AbsoluteTimeType (`time`) or RelativeTimeType (`interval` `unit` before now) as epoch ms. */
function windowEdge(
  absolute: XmlNode | undefined,
  relative: XmlNode | undefined,
  now: number,
): number | undefined {
  if (absolute !== undefined) {
    const time = absolute.attributes['time'] ?? '';
    const ms = Date.parse(time);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(time) || Number.isNaN(ms)) {
      throw badRequest(`"${time}" is not a valid value for type xs:dateTime.`);
    }
    return ms;
  }
  if (relative !== undefined) {
    const interval = int(relative.attributes['interval']);
    const unit = TIME_UNIT_MS[relative.attributes['unit'] ?? ''];
    if (interval === undefined || unit === undefined) {
      throw badRequest(
        'RelativeTimeType needs an integer interval and a unit of second, minute, hour, day or week.',
      );
    }
    return now - interval * unit;
  }
  return undefined;
}

/**
 * Reads a `HistoricUsageSpec` body (XSD metrics.xsd: a start time, absolute or relative, an end time, then metric
 * patterns; each optional), relative times counted back from `now`.
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body or time.
 */
export function parseHistoricUsageSpec(body: string, now: number): HistoricUsageParams {
  const root = readBody(body, 'HistoricUsageSpec');
  checkSequence(root, [
    { names: ['AbsoluteStartTime', 'RelativeStartTime'], min: 0, max: 1 },
    { names: ['AbsoluteEndTime', 'RelativeEndTime'], min: 0, max: 1 },
    many('MetricPattern'),
  ]);
  const from = windowEdge(first(root, 'AbsoluteStartTime'), first(root, 'RelativeStartTime'), now);
  const to = windowEdge(first(root, 'AbsoluteEndTime'), first(root, 'RelativeEndTime'), now);
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    patterns: all(root, 'MetricPattern')
      .map((p) => p.text.trim())
      .filter((p) => p !== ''),
  };
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
