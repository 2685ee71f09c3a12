import { attr, children, type XmlNode } from './xml';

/** A `<Link>` (XSD `vcloud/common.xsd: LinkType`): an action or related resource the server offers now. */
export interface VcdLink {
  rel: string;
  href: string;
  type?: string;
  name?: string;
}

/** The direct `<Link>` children of a node; links without rel or href are skipped. Never throws. */
export function readLinks(node: XmlNode | undefined): VcdLink[] {
  const links: VcdLink[] = [];
  for (const link of children(node, 'Link')) {
    const rel = attr(link, 'rel');
    const href = attr(link, 'href');
    if (rel === undefined || href === undefined) {
      continue;
    }
    links.push({ rel, href, type: attr(link, 'type'), name: attr(link, 'name') });
  }
  return links;
}

/** A reference element such as `<Owner href=… id=… name=… type=…/>` (XSD `ReferenceType`). */
export interface VcdReference {
  href: string;
  /** The entity's `urn:vcloud:<kind>:<uuid>`, when VCD gives it (a CloudAPI object's id). */
  id?: string;
  name?: string;
  type?: string;
}

/** Reads a ReferenceType element; undefined when absent or without href. Never throws. */
export function readReference(node: XmlNode | undefined): VcdReference | undefined {
  const href = attr(node, 'href');
  if (href === undefined) {
    return undefined;
  }
  const id = attr(node, 'id');
  return { href, ...(id !== undefined ? { id } : {}), name: attr(node, 'name'), type: attr(node, 'type') };
}
