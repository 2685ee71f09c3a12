/**
 * Ways a VCD answer can be wrong: cut short, elements dropped, repeated or renamed, attributes garbled or huge,
 * namespaces swapped, an entity-expansion bomb or a DOCTYPE, bytes that are not UTF-8, an empty body, an HTML error
 * page from a proxy, JSON instead of XML, absurd nesting. Each mutator takes a well-formed document and returns a
 * broken (or oddly valid) one; all draw from the fuzz generator so a seed replays them.
 */
import { type FuzzRandom } from './fuzz-random';

export type XmlMutator = (xml: string, random: FuzzRandom) => string;

const ELEMENT = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(\s[^<>]*?)?(\/?)>/g;
const ATTRIBUTE = /\s([A-Za-z_][\w.:-]*)="([^"]*)"/g;

/** Start positions and names of the document's start tags. */
function startTags(xml: string): { index: number; length: number; name: string; selfClosing: boolean }[] {
  return [...xml.matchAll(ELEMENT)].map((m) => ({
    index: m.index,
    length: m[0].length,
    name: `${m[1] ?? ''}${m[2] ?? ''}`,
    selfClosing: m[4] === '/',
  }));
}

/** The whole element starting at a start tag (naively: up to the first matching end tag), or undefined. */
function elementAt(xml: string, tag: { index: number; length: number; name: string; selfClosing: boolean }) {
  if (tag.selfClosing) {
    return { from: tag.index, to: tag.index + tag.length };
  }
  const close = xml.indexOf(`</${tag.name}>`, tag.index + tag.length);
  return close < 0 ? undefined : { from: tag.index, to: close + tag.name.length + 3 };
}

function someElement(xml: string, random: FuzzRandom, skipRoot = true) {
  const tags = startTags(xml).slice(skipRoot ? 1 : 0);
  if (tags.length === 0) {
    return undefined;
  }
  const tag = random.pick(tags);
  const span = elementAt(xml, tag);
  return span ? { ...span, name: tag.name, tag } : undefined;
}

const GARBAGE_VALUES = [
  '',
  ' ',
  '-1',
  '0',
  'NaN',
  '1e309',
  '99999999999999999999999',
  '3.5',
  'true',
  'null',
  'undefined',
  '[object Object]',
  '__proto__',
  'http://',
  '://x',
  'https://evil.example/api/vApp/vapp-1',
  '/api/vApp/vapp-1',
  '%zz',
  '&lt;&gt;&amp;&quot;',
  '&#0;',
  '&#xD800;',
  '&#1114112;',
  '😀',
  '\u202e',
];

export const MUTATORS: Record<string, XmlMutator> = {
  truncate: (xml, r) => xml.slice(0, r.int(0, Math.max(0, xml.length - 1))),
  dropElement: (xml, r) => {
    const e = someElement(xml, r);
    return e ? xml.slice(0, e.from) + xml.slice(e.to) : xml;
  },
  duplicateElement: (xml, r) => {
    const e = someElement(xml, r);
    if (!e) {
      return xml;
    }
    const copy = xml.slice(e.from, e.to);
    return xml.slice(0, e.to) + copy.repeat(r.int(1, 3)) + xml.slice(e.to);
  },
  renameElement: (xml, r) => {
    const e = someElement(xml, r, false);
    if (!e) {
      return xml;
    }
    const to = r.pick(['Task', 'VApp', 'Error', 'Link', 'Vm', 'x', 'Foo:Bar', e.name.toLowerCase()]);
    const inner = xml.slice(e.from, e.to);
    const renamed = inner
      .replace(new RegExp(`^<${e.name}\\b`), `<${to}`)
      .replace(new RegExp(`</${e.name}>$`), `</${to}>`);
    return xml.slice(0, e.from) + renamed + xml.slice(e.to);
  },
  garbleAttribute: (xml, r) => {
    const attributes = [...xml.matchAll(ATTRIBUTE)].filter((m) => !m[1]?.startsWith('xmlns'));
    if (attributes.length === 0) {
      return xml;
    }
    const m = r.pick(attributes);
    const value = r.pick(GARBAGE_VALUES);
    return `${xml.slice(0, m.index)} ${m[1] ?? 'x'}="${value}"${xml.slice(m.index + m[0].length)}`;
  },
  dropAttribute: (xml, r) => {
    const attributes = [...xml.matchAll(ATTRIBUTE)];
    if (attributes.length === 0) {
      return xml;
    }
    const m = r.pick(attributes);
    return xml.slice(0, m.index) + xml.slice(m.index + m[0].length);
  },
  addAttributes: (xml, r) => {
    const e = startTags(xml);
    if (e.length === 0) {
      return xml;
    }
    const tag = r.pick(e);
    const at = tag.index + 1 + tag.name.length;
    const extra = Array.from(
      { length: r.int(1, 20) },
      (_, i) => ` junk${i}="${r.pick(GARBAGE_VALUES)}"`,
    ).join('');
    return xml.slice(0, at) + extra + xml.slice(at);
  },
  duplicateAttribute: (xml, r) => {
    const attributes = [...xml.matchAll(ATTRIBUTE)];
    if (attributes.length === 0) {
      return xml;
    }
    const m = r.pick(attributes);
    return xml.slice(0, m.index) + m[0] + m[0] + xml.slice(m.index + m[0].length);
  },
  wrongNamespace: (xml, r) =>
    r.chance(0.5)
      ? xml.replace(/xmlns="[^"]*"/, 'xmlns="urn:not-vcloud"')
      : xml.replace(/<(\/?)([A-Za-z])/g, '<$1zz:$2').replace(/^<zz:\?xml/, '<?xml'),
  undeclaredPrefix: (xml) => xml.replace(/<([A-Za-z][\w-]*)([\s>/])/, '<undeclared:$1$2'),
  hugeAttribute: (xml, r) => {
    const attributes = [...xml.matchAll(ATTRIBUTE)];
    const m = attributes.length > 0 ? r.pick(attributes) : undefined;
    const huge = r.pick(['x', '&amp;', 'é']).repeat(r.pick([70_000, 1_000_000]) / 5);
    return m ? `${xml.slice(0, m.index)} ${m[1] ?? 'x'}="${huge}"${xml.slice(m.index + m[0].length)}` : huge;
  },
  hugeText: (xml, r) => {
    const e = someElement(xml, r);
    if (!e) {
      return xml;
    }
    const at = e.tag.index + e.tag.length;
    return e.tag.selfClosing ? xml : xml.slice(0, at) + 'y'.repeat(r.int(1, 5) * 100_000) + xml.slice(at);
  },
  billionLaughs: (xml) => {
    const defs = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) {
      defs.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    }
    const root = /<([A-Za-z][\w:.-]*)/.exec(xml.replace(/<\?xml[^>]*\?>/, ''))?.[1] ?? 'Task';
    return `<?xml version="1.0"?>\n<!DOCTYPE ${root} [${defs.join('')}]>\n${xml
      .replace(/<\?xml[^>]*\?>/, '')
      .replace(/(<[A-Za-z][^>]*?)(\/?)>/, '$1 name="&lol9;"$2>')}`;
  },
  externalEntity: (xml) =>
    `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${xml
      .replace(/<\?xml[^>]*\?>/, '')
      .replace(/(<[A-Za-z][^>]*?)(\/?)>/, '$1 name="&xxe;"$2>')}`,
  plainDoctype: (xml) => `<!DOCTYPE html>${xml.replace(/<\?xml[^>]*\?>/, '')}`,
  notUtf8: (xml, r) => {
    // What a Latin-1 or binary body looks like once the client decodes it as UTF-8.
    const bytes = Buffer.from(xml, 'utf8');
    for (let i = 0; i < r.int(1, 10); i++) {
      bytes[r.int(0, bytes.length - 1)] = r.pick([0xff, 0xfe, 0xc3, 0x80, 0x00, 0xe9]);
    }
    return bytes.toString('utf8');
  },
  latin1Declared: (xml) =>
    Buffer.from(
      xml.replace(/<\?xml[^>]*\?>/, '<?xml version="1.0" encoding="ISO-8859-1"?>') + '<!-- café -->',
      'latin1',
    ).toString('utf8'),
  controlCharacters: (xml, r) => {
    const at = r.int(0, xml.length);
    return xml.slice(0, at) + r.pick(['\u0000', '\u0001', '\u001b', '\ufffe', '\ud800']) + xml.slice(at);
  },
  bom: (xml) => `\ufeff${xml}`,
  empty: () => '',
  whitespace: () => ' \n\t ',
  htmlErrorPage: (_xml, r) =>
    r.pick([
      '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
      '<!DOCTYPE html><html><body><h1>Service Unavailable</h1><p>The server is temporarily unable<br>to serve your request.</body></html>',
      '<HTML><BODY>Maintenance</BODY></HTML>',
    ]),
  json: (_xml, r) =>
    r.pick([
      '{"error":"Internal Server Error","status":500}',
      '{"minorErrorCode":"BUSY_ENTITY","message":"busy"}',
      '[]',
      'null',
      '{"values":[{"href":"/api/vApp/vapp-1"}]}',
    ]),
  plainText: (_xml, r) => r.pick(['OK', 'Bad Gateway', 'undefined', '<', '>', '&', '<<<>>>', ']]>']),
  deepNesting: (_xml, r) => {
    const depth = r.pick([1_000, 10_000, 50_000]);
    return `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
  },
  deepInside: (xml, r) => {
    const e = someElement(xml, r);
    if (!e || e.tag.selfClosing) {
      return xml;
    }
    const depth = r.pick([500, 5_000]);
    const at = e.tag.index + e.tag.length;
    return xml.slice(0, at) + `${'<Vm>'.repeat(depth)}${'</Vm>'.repeat(depth)}` + xml.slice(at);
  },
  twoRoots: (xml) => `${xml}${xml.replace(/<\?xml[^>]*\?>/, '')}`,
  cdata: (xml, r) => {
    const e = someElement(xml, r);
    if (!e || e.tag.selfClosing) {
      return xml;
    }
    const at = e.tag.index + e.tag.length;
    return `${xml.slice(0, at)}<![CDATA[<Error message="x"/>]]>${xml.slice(at)}`;
  },
  swapRoot: (xml, r) => {
    const e = someElement(xml, r);
    return e ? xml.slice(e.from, e.to) : xml;
  },
};

export const MUTATOR_NAMES = Object.keys(MUTATORS);

/** Whether a mutator makes multi-megabyte or deeply nested input (run less often: each costs real time). */
export const EXPENSIVE = new Set(['hugeAttribute', 'hugeText', 'deepNesting', 'deepInside']);

/** One to three mutations in a row, the expensive ones rarely. */
export function mutateXml(xml: string, random: FuzzRandom): { xml: string; mutations: string[] } {
  let out = xml;
  const mutations: string[] = [];
  for (let i = 0; i < random.int(1, 3); i++) {
    let name = random.pick(MUTATOR_NAMES);
    if (EXPENSIVE.has(name) && !random.chance(0.04)) {
      name = random.pick(MUTATOR_NAMES.filter((n) => !EXPENSIVE.has(n)));
    }
    mutations.push(name);
    out = (MUTATORS[name] ?? ((x: string) => x))(out, random);
  }
  return { xml: out, mutations };
}
