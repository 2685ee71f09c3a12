/** Reading request bodies by local name, with XSD simple-type checks that answer like VCD's JAXB layer. */
import { parseXml, XmlParseError, type XmlNode } from '../../vcd/wire/xml';
import { VCLOUD } from './body-schema';
import { invalidBody } from '../sim-error';

/** The first child element with this local name. */
export function first(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c) => c.name === name);
}

/** Every child element with this local name, in document order. */
export function all(node: XmlNode | undefined, name: string): XmlNode[] {
  return node?.children.filter((c) => c.name === name) ?? [];
}

/** The trimmed text of the first child with this name; undefined when there is none. */
export function text(node: XmlNode | undefined, name: string): string | undefined {
  const found = first(node, name);
  return found === undefined ? undefined : found.text.trim();
}

/** @throws SimError 400 BAD_REQUEST, the JAXB datatype message for a value that does not fit its XSD type. */
export function invalidValue(value: string, type: string): never {
  throw invalidBody(`cvc-datatype-valid.1.2.1: '${value}' is not a valid value for '${type}'.`);
}

/** XSD boolean (`true`/`false`/`1`/`0`), or the default when absent. @throws SimError 400 for anything else. */
export function bool(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) {
    return fallback;
  }
  const v = value.trim();
  if (v === 'true' || v === '1') {
    return true;
  }
  if (v === 'false' || v === '0') {
    return false;
  }
  return invalidValue(v, 'boolean');
}

/** XSD int, or undefined when absent. @throws SimError 400 for a non-integer. */
export function int(value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const v = value.trim();
  if (!/^[-+]?\d{1,10}$/.test(v)) {
    return invalidValue(v, 'integer');
  }
  return Number.parseInt(v, 10);
}

/**
 * Parses a body and checks its root element.
 *
 * @throws SimError 400 BAD_REQUEST when the body is empty, not well-formed, or has another root element.
 */
export function readBody(body: string, rootName: string): XmlNode {
  if (body.trim() === '') {
    throw invalidBody('Premature end of file.');
  }
  let root: XmlNode;
  try {
    root = parseXml(body);
  } catch (error) {
    if (error instanceof XmlParseError) {
      throw invalidBody(
        `lineNumber: ${error.line ?? 1}; columnNumber: ${error.column ?? 1}; ${error.message}`,
      );
    }
    throw error;
  }
  if (root.name !== rootName) {
    throw invalidBody(
      `unexpected element (uri:"${VCLOUD}", local:"${root.name}"). Expected elements are <{${VCLOUD}}${rootName}>`,
    );
  }
  return root;
}
