/**
 * Issue 15 item 7: every link the simulator advertises resolves. From the session root, follows every `href` attribute
 * (Links, References, records) to a bounded depth, with a deployed lab and a captured template in the world so that
 * their documents are reached too. A link meant for GET (navigation: up, down, alternate, edit, remove, and every
 * reference) must answer 200 with a document valid against the vCloud XSDs; a link for an action (POST) must name a
 * route the simulator serves for that method.
 */
import { parseXml, type XmlNode } from '../../src/vcd/wire/xml';
import { operationOf } from '../../src/vcdsim/http/dispatch';
import { validateAgainstXsd, type XsdResult } from '../helpers/xsd';

/** vCloud documents against vcloud.xsd; admin-namespace roots (AdminCatalog) against the master schema that holds them. */
function validateAll(documents: { name: string; xml: string }[]): XsdResult[] {
  const admin = (d: { xml: string }): boolean => /<AdminCatalog\b/.test(d.xml);
  return [
    ...validateAgainstXsd(documents.filter((d) => !admin(d))),
    ...validateAgainstXsd(documents.filter(admin), 'etc/1.5/schemas/master/master.xsd'),
  ].filter((r) => r.errors.length > 0);
}
import {
  captureBody,
  descendants,
  instantiate,
  instantiateBody,
  lookups,
  MEDIA_CAPTURE,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

/** Rels whose href is read with GET (navigation); edit and remove share the entity's own href. */
const GET_RELS = new Set([
  'up',
  'down',
  'alternate',
  'edit',
  'remove',
  'self',
  'firstPage',
  'lastPage',
  'nextPage',
  'previousPage',
  'entityResolver',
]);
/**
 * Links real VCD answers with 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN for a tenant vApp Author: users (owner references),
 * the provider's external networks behind an edge uplink, and vApp networks (the simulator's documented choice).
 */
const FORBIDDEN_AS_IN_VCD = [/^\/api\/admin\/user\//, /^\/api\/admin\/network\//, /^\/api\/network\//];
const MAX_DEPTH = 5;

interface Found {
  href: string;
  rel?: string;
  from: string;
}

function hrefsOf(node: XmlNode, from: string, out: Found[] = []): Found[] {
  const href = node.attributes['href'];
  if (href !== undefined && href !== '') {
    out.push({ href, ...(node.name === 'Link' ? { rel: node.attributes['rel'] ?? '' } : {}), from });
  }
  for (const c of node.children) {
    hrefsOf(c, from, out);
  }
  return out;
}

async function world(h: Harness): Promise<void> {
  const { api, clock } = h;
  await api.login();
  const { vdcHref, networks, templates } = await lookups(api);
  const created = await instantiate(
    api,
    vdcHref,
    instantiateBody({ name: 'crawl-lab', templateHref: templates.get('esxi8-single') ?? '', networks }),
  );
  await waitTask(api, clock, created.taskHref);
  const catalog = await api.get('/api/query?type=catalog&format=references&filter=name==labs');
  const catalogHref = descendants(catalog.xml, 'CatalogReference')[0]?.attributes['href'] ?? '';
  const capture = await api.post(
    `${catalogHref}/action/captureVApp`,
    captureBody('crawl-capture', created.vAppHref),
    MEDIA_CAPTURE,
  );
  const task = capture.xml?.children.find((c) => c.name === 'Tasks')?.children[0]?.attributes['href'];
  expect(capture.status).toBe(202);
  await waitTask(api, clock, task ?? '');
}

describe.each(['36.0', '38.0'])('vcdsim at API %s: every advertised link resolves', (version) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ speedFactor: 1000 });
    h.api.version = version;
    await world(h);
  });
  afterAll(() => h.close());

  it(`follows every href from the session root to depth ${MAX_DEPTH}: no dangling link, every document valid`, async () => {
    const { api, sim } = h;
    const origin = new URL(sim.url).origin;
    const seen = new Set<string>();
    const dangling: string[] = [];
    const documents: { name: string; xml: string }[] = [];
    let frontier: Found[] = [{ href: `${sim.url}/api/session`, from: 'start' }];
    for (let depth = 0; depth <= MAX_DEPTH && frontier.length > 0; depth += 1) {
      const next: Found[] = [];
      for (const link of frontier) {
        const url = new URL(link.href, sim.url);
        if (url.origin !== origin) {
          dangling.push(`${link.href} (another origin, from ${link.from})`);
          continue;
        }
        const method = link.rel === undefined || GET_RELS.has(link.rel) ? 'GET' : 'POST';
        const key = `${method} ${url.pathname}${url.search}`;
        if (seen.has(key)) {
          continue;
        }
        seen.add(key);
        if (method !== 'GET') {
          if (operationOf('POST', url.pathname + url.search) === 'unknown') {
            dangling.push(`POST ${url.pathname} (rel ${link.rel ?? ''}, from ${link.from}): no route`);
          }
          continue;
        }
        const reply = await api.get(url.toString());
        if (reply.status === 403 && FORBIDDEN_AS_IN_VCD.some((p) => p.test(url.pathname))) {
          expect(reply.text).toContain('ACCESS_TO_RESOURCE_IS_FORBIDDEN');
          continue;
        }
        if (reply.status !== 200) {
          dangling.push(
            `GET ${url.pathname}${url.search} -> ${reply.status} (rel ${link.rel ?? 'ref'}, from ${link.from})`,
          );
          continue;
        }
        if (reply.xml !== undefined) {
          documents.push({ name: key, xml: reply.text });
          next.push(...hrefsOf(parseXml(reply.text), `${url.pathname}`));
        }
      }
      frontier = next;
    }

    expect(dangling).toEqual([]);
    expect(seen.size).toBeGreaterThan(40);
    const invalid = validateAll(documents);
    expect(invalid).toEqual([]);
  }, 120_000);
});
