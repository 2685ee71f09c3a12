/**
 * A CloudAPI client for the NSX-T simulator tests: JSON in and out, every JSON document it receives validated against
 * the swagger definition the test names, every JSON body it sends validated too, and tasks waited for on the fake clock.
 */
import { expectCloudApi } from '../helpers/cloudapi-schema';
import { child, startHarness, type Harness } from './sim-harness';
import { type VcdSimOptions } from '../../src/vcdsim/vcd-sim';

export const CLOUDAPI_VERSION = '37.2';

export interface JsonReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** The swagger definition of each CloudAPI document, by path (`*` is one path segment). */
const RESPONSES: readonly [RegExp, string][] = [
  [/^\/edgeGateways$/, 'EdgeGateways'],
  [/^\/edgeGateways\/[^/]+$/, 'EdgeGateway'],
  [/^\/edgeGateways\/[^/]+\/usedIpAddresses$/, 'GatewayUsedIpAddresses'],
  [/^\/edgeGateways\/[^/]+\/nat\/rules$/, 'EdgeNatRules'],
  [/^\/edgeGateways\/[^/]+\/nat\/rules\/[^/]+$/, 'EdgeNatRule'],
  [/^\/edgeGateways\/[^/]+\/firewall\/rules$/, 'EdgeFirewallRules'],
  [/^\/edgeGateways\/[^/]+\/firewall\/rules\/[^/]+$/, 'EdgeFirewallRule'],
  [/^\/firewallGroups\/summaries$/, 'FirewallGroups'],
  [/^\/firewallGroups(\/[^/]+)?$/, 'FirewallGroupDetails'],
  [/^\/applicationPortProfiles$/, 'ApplicationPortProfiles'],
  [/^\/applicationPortProfiles\/[^/]+$/, 'ApplicationPortProfile'],
  [/^\/orgVdcNetworks$/, 'VdcNetworks'],
  [/^\/orgVdcNetworks\/[^/]+$/, 'VdcNetwork'],
  [/^\/vdcGroups$/, 'VdcGroups'],
  [/^\/vdcGroups\/[^/]+$/, 'VdcGroup'],
  [/^\/ipSpaces\/summaries$/, 'IpSpaceSummaries'],
  [/^\/ipSpaces\/[^/]+$/, 'IpSpace'],
  [/^\/ipSpaces\/[^/]+\/allocate$/, 'IpSpaceIpAllocationRequest'],
  [/^\/ipSpaces\/[^/]+\/allocations$/, 'IpSpaceIpAllocations'],
  [/^\/ipSpaces\/[^/]+\/allocations\/[^/]+$/, 'IpSpaceIpAllocation'],
];

/** The definition of the document at this CloudAPI URL (absolute or below /cloudapi/1.0.0), or of a body sent there. */
export function definitionFor(pathOrUrl: string, isBody: boolean): string {
  const path = new URL(pathOrUrl, 'http://x/cloudapi/1.0.0/').pathname.replace(/^\/cloudapi\/1\.0\.0/, '');
  // A NAT rule is posted to the list and read from it as a list.
  const listOfOne: Record<string, string> = { EdgeNatRules: 'EdgeNatRule' };
  const found = RESPONSES.find(([pattern]) => pattern.test(path))?.[1];
  if (found === undefined) {
    throw new Error(`no swagger definition known for ${path}`);
  }
  return isBody ? (listOfOne[found] ?? found) : found;
}

export class CloudApi {
  constructor(
    readonly h: Harness,
    public version = CLOUDAPI_VERSION,
  ) {}

  /**
   * One request. A body is validated against its definition first (unless `invalid`: a test of the simulator's
   * refusals); a 200 answer is validated against the definition of its path, an error against `Error`.
   */
  async call(
    method: string,
    pathOrUrl: string,
    body?: unknown,
    options: { invalid?: boolean } = {},
  ): Promise<JsonReply> {
    if (body !== undefined && options.invalid !== true) {
      expectCloudApi(definitionFor(pathOrUrl, true), body);
    }
    const res = await this.h.api.request(
      method,
      pathOrUrl.startsWith('http') ? pathOrUrl : `/cloudapi/1.0.0${pathOrUrl}`,
      {
        accept: `application/json;version=${this.version}`,
        body: body === undefined ? undefined : JSON.stringify(body),
        contentType: body === undefined ? undefined : 'application/json',
      },
    );
    const json = res.text.trim() === '' ? {} : (JSON.parse(res.text) as Record<string, unknown>);
    if (res.status >= 400 && res.text.trim() !== '') {
      expectCloudApi('Error', json);
    }
    if (res.status === 200) {
      expectCloudApi(definitionFor(pathOrUrl, false), json);
    }
    return { status: res.status, headers: res.headers, text: res.text, json };
  }

  /** GET that must answer 200 with a document of this definition (default: the one of its path). */
  async get(path: string, definition = definitionFor(path, false)): Promise<Record<string, unknown>> {
    const reply = await this.call('GET', path);
    if (reply.status !== 200) {
      throw new Error(`GET ${path} answered ${reply.status}: ${reply.text}`);
    }
    expectCloudApi(definition, reply.json);
    return reply.json;
  }

  /** Waits (on the fake clock) for the task a 202 named, and returns its final XML status. */
  async finish(reply: JsonReply): Promise<{ status: string; result?: string; error?: string }> {
    if (reply.status !== 202) {
      throw new Error(`expected 202, got ${reply.status}: ${reply.text}`);
    }
    const location = reply.headers.get('location');
    if (location === null) {
      throw new Error('202 without Location');
    }
    this.h.clock.advance(10_000);
    const task = await this.h.api.get(location);
    const status = task.xml?.attributes.status ?? '';
    const result = child(child(task.xml, 'Result'), 'ResultContent')?.text;
    const error = child(task.xml, 'Error')?.attributes.message;
    return { status, result, error };
  }
}

export async function startNsxt(
  options: VcdSimOptions = {},
): Promise<{ h: Harness; cloud: CloudApi; edgeId: string }> {
  const h = await startHarness({ edge: { kind: 'nsxt' }, ...options });
  await h.api.login();
  const cloud = new CloudApi(h);
  return { h, cloud, edgeId: `urn:vcloud:gateway:${h.sim.state.edge.id}` };
}

/** The `Link` header values of a reply, split into links. VCD sends one header per link; fetch joins them with ", ". */
export function links(headers: Headers): { url: string; rel: string }[] {
  const raw = headers.get('link') ?? '';
  const found: { url: string; rel: string }[] = [];
  const pattern = /<([^>]*)>;rel="([^"]+)"/g;
  for (let m = pattern.exec(raw); m !== null; m = pattern.exec(raw)) {
    found.push({ url: m[1] ?? '', rel: m[2] ?? '' });
  }
  return found;
}

export function values(doc: Record<string, unknown>): Record<string, unknown>[] {
  return doc.values as Record<string, unknown>[];
}
