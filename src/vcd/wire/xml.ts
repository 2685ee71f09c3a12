/**
 * Generic XML reading for the VCD wire format: the only fast-xml-parser import in the codebase.
 *
 * Real VCD responses use arbitrary namespace prefixes (`ns0:Error`, `ns6:Metadata`) and carry attributes and
 * elements newer than any schema we have, so everything here works by local name and keeps document order
 * (VCD element order is meaningful). Callers pick what they know and ignore the rest.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One element, namespace prefixes stripped from its name and its attributes' names. */
export interface XmlNode {
  /** Local name, namespace prefix stripped (`ns0:Error` → `Error`). */
  name: string;
  /** Attributes by local name (`xsi:type` → `type`); `xmlns` declarations dropped; entities decoded. */
  attributes: Record<string, string>;
  /** Child elements in document order. */
  children: XmlNode[];
  /**
   * The element's own character data (text and CDATA, entities decoded), untrimmed; empty when the element
   * only holds whitespace between child elements.
   */
  text: string;
}

/** The document was not well-formed XML (or used a construct we refuse, such as a DOCTYPE). */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  // Versions ("5.10"), ids and MACs must stay strings.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Decodes numeric character references (&#60;) as well as the five XML entities; deprecated in favour of
  // entityDecoder, but it is the documented switch for exactly this in 5.x.
  htmlEntities: true,
});

/** fast-xml-parser's preserveOrder shape: `{ tag: [...children], ':@': {attrs} }` or `{ '#text': '…' }`. */
type OrderedNode = Record<string, unknown>;

const ATTRIBUTES_KEY = ':@';
const TEXT_KEY = '#text';

/**
 * Parses a whole XML document and returns its root element.
 *
 * @throws XmlParseError when the input is empty, not well-formed, has no or several root elements, or has a DOCTYPE
 *   (refused outright: VCD never sends one, and internal entities are the way to an entity-expansion bomb).
 */
export function parseXml(xml: string): XmlNode {
  if (/<!DOCTYPE/i.test(xml)) {
    throw new XmlParseError('XML with a DOCTYPE is not accepted');
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new XmlParseError(`malformed XML: ${valid.err.msg}`, valid.err.line, valid.err.col);
  }
  let roots: XmlNode[];
  try {
    const parsed: unknown = parser.parse(xml);
    roots = Array.isArray(parsed) ? toNodes(parsed as OrderedNode[]).children : [];
  } catch (error) {
    // The parser throws on some inputs its validator accepts, and absurd nesting overflows the stack.
    throw new XmlParseError(`malformed XML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const root = roots[0];
  if (root === undefined) {
    throw new XmlParseError('XML document has no root element');
  }
  if (roots.length > 1) {
    throw new XmlParseError('XML document has more than one root element');
  }
  return root;
}

/** Converts a list of ordered entries into the child elements and joined text of their parent. */
function toNodes(entries: OrderedNode[]): { children: XmlNode[]; text: string } {
  const children: XmlNode[] = [];
  let text = '';
  for (const entry of entries) {
    if (TEXT_KEY in entry) {
      text += String(entry[TEXT_KEY]);
      continue;
    }
    const name = Object.keys(entry).find((key) => key !== ATTRIBUTES_KEY);
    if (name === undefined) {
      continue;
    }
    const body = entry[name];
    const inner = Array.isArray(body) ? toNodes(body as OrderedNode[]) : { children: [], text: '' };
    children.push({
      name: localName(name),
      attributes: toAttributes(entry[ATTRIBUTES_KEY]),
      children: inner.children,
      text: inner.children.length > 0 && inner.text.trim() === '' ? '' : inner.text,
    });
  }
  return { children, text };
}

function toAttributes(raw: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (raw === null || typeof raw !== 'object') {
    return attributes;
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = localName(key);
    if (key === 'xmlns' || key.startsWith('xmlns:') || name === 'xmlns') {
      continue;
    }
    attributes[name] = String(value);
  }
  return attributes;
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** The first child element with this local name, if any. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

/** Every child element with this local name (none, one or many: VCD omits empty lists). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  return node === undefined ? [] : node.children.filter((c) => c.name === name);
}

/** Follows a path of local names through first children: `childPath(vapp, 'Children', 'Vm')`. */
export function childPath(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  let current = node;
  for (const name of names) {
    current = child(current, name);
  }
  return current;
}

/** Every element with this local name anywhere below `node` (depth first, document order). */
export function descendants(node: XmlNode | undefined, name: string): XmlNode[] {
  if (node === undefined) {
    return [];
  }
  const found: XmlNode[] = [];
  for (const c of node.children) {
    if (c.name === name) {
      found.push(c);
    }
    found.push(...descendants(c, name));
  }
  return found;
}

/** An attribute by local name, if present. */
export function attr(node: XmlNode | undefined, name: string): string | undefined {
  return node?.attributes[name];
}

/** The trimmed text of a node, or of its first child with `childName`; undefined when absent. */
export function textOf(node: XmlNode | undefined, childName?: string): string | undefined {
  const target = childName === undefined ? node : child(node, childName);
  return target === undefined ? undefined : target.text.trim();
}

/** Parses `true`/`false` (XSD boolean, also `1`/`0`); undefined for anything else. */
export function toBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) {
    return undefined;
  }
  const v = value.trim();
  if (v === 'true' || v === '1') {
    return true;
  }
  if (v === 'false' || v === '0') {
    return false;
  }
  return undefined;
}

/** Parses a decimal integer; undefined when absent or not an integer. */
export function toInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*[-+]?\d+\s*$/.test(value)) {
    return undefined;
  }
  return Number.parseInt(value, 10);
}
