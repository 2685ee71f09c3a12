import { type XmlNode } from './xml';

/** A well-formed document that does not have the shape a parse function needs (wrong root, missing href). */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

/**
 * Returns the node when its local name is `name`.
 *
 * @throws WireFormatError otherwise.
 */
export function expectRoot(node: XmlNode, name: string): XmlNode {
  if (node.name !== name) {
    throw new WireFormatError(`expected a ${name} document, got ${node.name}`);
  }
  return node;
}

/**
 * Returns a required attribute.
 *
 * @throws WireFormatError when it is missing or empty.
 */
export function requireAttr(node: XmlNode, name: string): string {
  const value = node.attributes[name];
  if (value === undefined || value === '') {
    throw new WireFormatError(`${node.name} has no ${name} attribute`);
  }
  return value;
}
