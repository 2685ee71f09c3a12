/**
 * What the reaper reads about a whole fleet at once, and the history that lets it skip reads: the VMs running in the
 * org from one paged query of VM records (instead of one vApp read per lab), and a VM's 5-minute samples since a time
 * (`POST <vm>/metrics/historic`, API 5.6+), so that a lab seen in use needs no read until it could have become idle.
 */
import { type VcdRequest } from './http-types';
import { type VcdQueryService } from './vcd-query';
import {
  HISTORIC_USAGE_SPEC_MEDIA,
  historicUsageSpecXml,
  parseHistoricUsage,
  type VcdMetricSeries,
} from './wire/historic-metrics';

/** A running VM of a vApp, as the `vm` query reports it. */
export interface VcdRunningVm {
  href: string;
  name: string;
  /** Its vApp (the record's `container`). */
  vappHref: string;
}

/** Regular fields asked of VM records: the rest (hardware, network, storage) is not needed here. */
const VM_FIELDS = ['name', 'container', 'status', 'isVAppTemplate'];

/**
 * Every powered-on VM of a vApp (not of a template) the user can see, across all pages. Not narrowed to one VDC:
 * callers keep the VMs of the vApps they know (a VDC filter would compare hrefs, which a proxy in between rewrites).
 *
 * @throws VcdApiError, VcdUnavailableError.
 */
export async function listRunningVms(queries: VcdQueryService): Promise<VcdRunningVm[]> {
  const records = await queries.records(
    'vm',
    [
      ['isVAppTemplate', 'false'],
      ['status', 'POWERED_ON'],
    ],
    { fields: VM_FIELDS },
  );
  return records.flatMap((r) => {
    const a = r.attributes;
    // The filter already asked for these; a server that ignored part of it must not make us read the wrong VMs.
    if (
      a.href === undefined ||
      a.container === undefined ||
      a.status !== 'POWERED_ON' ||
      a.isVAppTemplate === 'true'
    ) {
      return [];
    }
    return [{ href: a.href, name: a.name ?? '', vappHref: a.container }];
  });
}

/** What historic reads need from the funnel (VcdHttp satisfies it). */
export interface HistoricTransport {
  requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T>;
}

/**
 * The VM's samples after `since` of the metrics matching `patterns` (VCD keeps 24 hours of 5-minute samples). A read:
 * the POST carries only the spec, so sending it again after a dropped connection is safe.
 *
 * @throws VcdNotFoundError, VcdApiError, VcdUnavailableError.
 */
export function getVmHistory(
  http: HistoricTransport,
  vmHref: string,
  since: Date,
  patterns: readonly string[],
): Promise<VcdMetricSeries[]> {
  return http.requestParsed(
    {
      method: 'POST',
      path: `${vmHref}/metrics/historic`,
      body: historicUsageSpecXml(since, patterns),
      contentType: HISTORIC_USAGE_SPEC_MEDIA,
      repeatable: true,
    },
    parseHistoricUsage,
  );
}
