/**
 * The simulator's own XML writer. Responses are written as explicit trees in XSD order (VCD's clients and our
 * schema tests care about element order), and every attribute value and text node is escaped, so a vApp name
 * like `a<b & "c"` can never break a document.
 */

/** Attribute values; `undefined` leaves the attribute out. */
export type XmlAttrValue = string | number | boolean | undefined;

/** An element: qualified name (prefix allowed), attributes in order, children in order. */
export interface XmlNodeOut {
  readonly name: string;
  readonly attrs: Readonly<Record<string, XmlAttrValue>>;
  readonly children: readonly XmlChild[];
}

/** Children: elements, text, or `undefined`/`false`/nested arrays so optional parts read naturally. */
export type XmlChild = XmlNodeOut | string | undefined | false | readonly XmlChild[];

/** Builds an element. Never throws. */
export function x(
  name: string,
  attrs: Record<string, XmlAttrValue> = {},
  ...children: XmlChild[]
): XmlNodeOut {
  return { name, attrs, children };
}

/** An element holding only text, or nothing when the value is undefined (optional XSD elements). */
export function xText(
  name: string,
  value: string | number | boolean | undefined,
  attrs: Record<string, XmlAttrValue> = {},
): XmlNodeOut | undefined {
  return value === undefined ? undefined : x(name, attrs, String(value));
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/**
 * Escapes the five XML special characters and replaces characters XML 1.0 cannot carry (C0 controls other
 * than tab/CR/LF, lone surrogates, U+FFFE/U+FFFF) with U+FFFD, so user-supplied names always yield a well-formed
 * document.
 */
export function escapeXml(value: string): string {
  let out = '';
  // for...of walks code points, so a surrogate pair arrives whole and a lone surrogate arrives alone.
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    const forbidden =
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      (code >= 0xd800 && code <= 0xdfff) ||
      code === 0xfffe ||
      code === 0xffff;
    out += forbidden ? '\uFFFD' : (ESCAPES[ch] ?? ch);
  }
  return out;
}

/** Serialises a tree to a complete document (with declaration), indented like VCD's own output. Never throws. */
export function renderXml(root: XmlNodeOut): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'];
  write(root, 0, out);
  return out.join('');
}

function flatten(children: readonly XmlChild[], into: (XmlNodeOut | string)[] = []): (XmlNodeOut | string)[] {
  for (const c of children) {
    if (c === undefined || c === false) {
      continue;
    }
    if (typeof c === 'string' || !Array.isArray(c)) {
      into.push(c as XmlNodeOut | string);
    } else {
      flatten(c as readonly XmlChild[], into);
    }
  }
  return into;
}

function write(node: XmlNodeOut, depth: number, out: string[]): void {
  const indent = '    '.repeat(depth);
  let open = `${indent}<${node.name}`;
  for (const [name, value] of Object.entries(node.attrs)) {
    if (value === undefined) {
      continue;
    }
    open += ` ${name}="${escapeXml(String(value))}"`;
  }
  const kids = flatten(node.children);
  if (kids.length === 0) {
    out.push(`${open}/>\n`);
    return;
  }
  // Mixed or text-only content is written inline: whitespace inside a text element would change its value.
  if (kids.some((k) => typeof k === 'string')) {
    const inner = kids.map((k) => (typeof k === 'string' ? escapeXml(k) : renderInline(k))).join('');
    out.push(`${open}>${inner}</${node.name}>\n`);
    return;
  }
  out.push(`${open}>\n`);
  for (const k of kids) {
    write(k as XmlNodeOut, depth + 1, out);
  }
  out.push(`${indent}</${node.name}>\n`);
}

function renderInline(node: XmlNodeOut): string {
  const parts: string[] = [];
  write(node, 0, parts);
  return parts.join('').trimEnd();
}
