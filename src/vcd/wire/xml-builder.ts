/**
 * A tiny XML tree serialiser for request bodies. VCD validates bodies against its XSD, where element order
 * and count matter, so bodies are written as explicit trees in schema order rather than from objects whose
 * key order is incidental.
 */

/** Attribute values; `undefined` leaves the attribute out. */
export type XmlAttributeValue = string | number | boolean | undefined;

/** An element to serialise: qualified name (prefix allowed), attributes in order, children in order. */
export interface XmlElement {
  name: string;
  attributes: Record<string, XmlAttributeValue>;
  /** Elements and text; `undefined`/`false` entries are skipped so optional children read naturally. */
  children: XmlContent[];
}

export type XmlContent = XmlElement | string | undefined | false;

/** Builds an element; children may include `undefined` or `false` for optional parts. */
export function el(
  name: string,
  attributes: Record<string, XmlAttributeValue> = {},
  children: XmlContent[] = [],
): XmlElement {
  return { name, attributes, children };
}

/** An element holding only text (the commonest shape in VCD bodies). */
export function textEl(
  name: string,
  text: string | number | boolean,
  attributes: Record<string, XmlAttributeValue> = {},
): XmlElement {
  return el(name, attributes, [String(text)]);
}

/**
 * Serialises a tree to a document with an XML declaration. Never throws: characters XML 1.0 cannot carry
 * (C0 controls, lone surrogates) become U+FFFD rather than producing a body VCD would reject as malformed.
 */
export function serializeXml(root: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serializeElement(root)}`;
}

function serializeElement(element: XmlElement): string {
  let out = `<${element.name}`;
  for (const [name, value] of Object.entries(element.attributes)) {
    if (value === undefined) {
      continue;
    }
    out += ` ${name}="${escapeAttribute(String(value))}"`;
  }
  const content = element.children.filter((c): c is XmlElement | string => c !== undefined && c !== false);
  if (content.length === 0) {
    return `${out}/>`;
  }
  out += '>';
  for (const c of content) {
    out += typeof c === 'string' ? escapeText(c) : serializeElement(c);
  }
  return `${out}</${element.name}>`;
}

// XML 1.0 Char production: tab, LF, CR, and U+0020 upwards except surrogates, U+FFFE and U+FFFF.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes character data. */
export function escapeText(value: string): string {
  return value
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Escapes an attribute value for double quotes; whitespace is kept as references so normalisation keeps it. */
export function escapeAttribute(value: string): string {
  return escapeText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');
}
