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

export class CloudApi {
  constructor(
    readonly h: Harness,
    public version = CLOUDAPI_VERSION,
  ) {}

  async call(method: string, pathOrUrl: string, body?: unknown, bodyDefinition?: string): Promise<JsonReply> {
    if (body !== undefined && bodyDefinition !== undefined) {
      expectCloudApi(bodyDefinition, body);
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
    return { status: res.status, headers: res.headers, text: res.text, json };
  }

  /** GET that must answer 200 with a document of this definition. */
  async get(path: string, definition: string): Promise<Record<string, unknown>> {
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
