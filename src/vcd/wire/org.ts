/** The org-level documents: Session, OrgList, Vdc and CatalogItem (XSD `vcloud/session.xsd`, `organizationList.xsd`, `vdc.xsd`, `catalogItem.xsd`). */
import { readLinks, readReference, type VcdLink, type VcdReference } from './link';
import { expectRoot, requireAttr } from './wire-format';
import { attr, child, children, parseXml, textOf, toBoolean, toInt } from './xml';

/** A login session (`POST /api/sessions`, `GET /api/session`). */
export interface VcdSessionDocument {
  user?: string;
  org?: string;
  href?: string;
  links: VcdLink[];
}

/**
 * Parses a `<Session>` document. Tolerates sessions without AuthorizedLocations, which the 9.1 schema requires
 * but older servers omit.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not Session.
 */
export function parseSession(xml: string): VcdSessionDocument {
  const root = expectRoot(parseXml(xml), 'Session');
  return {
    user: attr(root, 'user'),
    org: attr(root, 'org'),
    href: attr(root, 'href'),
    links: readLinks(root),
  };
}

/**
 * Parses an `<OrgList>` document (`GET /api/org`): the orgs the session can see. Entries without an href are
 * skipped.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not OrgList.
 */
export function parseOrgList(xml: string): VcdReference[] {
  const root = expectRoot(parseXml(xml), 'OrgList');
  return children(root, 'Org')
    .map(readReference)
    .filter((r): r is VcdReference => r !== undefined);
}

/** An org VDC (XSD `vcloud/vdc.xsd: VdcType`). */
export interface VcdVdc {
  href: string;
  id?: string;
  name: string;
  /** 1 ready, 0 not ready, -1 failed (VdcType@status). */
  status?: number;
  isEnabled?: boolean;
  allocationModel?: string;
  /** vApps and templates in the VDC. */
  resourceEntities: VcdReference[];
  /** Org VDC networks the VDC offers. */
  networks: VcdReference[];
  links: VcdLink[];
}

/**
 * Parses a `<Vdc>` document.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not Vdc or it has no href.
 */
export function parseVdc(xml: string): VcdVdc {
  const root = expectRoot(parseXml(xml), 'Vdc');
  const refs = (container: string, item: string): VcdReference[] =>
    children(child(root, container), item)
      .map(readReference)
      .filter((r): r is VcdReference => r !== undefined);
  return {
    href: requireAttr(root, 'href'),
    id: attr(root, 'id'),
    name: attr(root, 'name') ?? '',
    status: toInt(attr(root, 'status')),
    isEnabled: toBoolean(textOf(root, 'IsEnabled')),
    allocationModel: textOf(root, 'AllocationModel') || undefined,
    resourceEntities: refs('ResourceEntities', 'ResourceEntity'),
    networks: refs('AvailableNetworks', 'Network'),
    links: readLinks(root),
  };
}

/** A catalog item: a named entry pointing at a vApp template or media (XSD `CatalogItemType`). */
export interface VcdCatalogItem {
  href: string;
  id?: string;
  name: string;
  description?: string;
  /** The vAppTemplate (or media) the item stands for. */
  entity?: VcdReference;
  /** The catalog, from the `up` link. */
  catalogHref?: string;
  links: VcdLink[];
}

/**
 * Parses a `<CatalogItem>` document.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not CatalogItem or it has no href.
 */
export function parseCatalogItem(xml: string): VcdCatalogItem {
  const root = expectRoot(parseXml(xml), 'CatalogItem');
  const links = readLinks(root);
  return {
    href: requireAttr(root, 'href'),
    id: attr(root, 'id'),
    name: attr(root, 'name') ?? '',
    description: textOf(root, 'Description') || undefined,
    entity: readReference(child(root, 'Entity')),
    catalogHref: links.find((l) => l.rel === 'up' && l.type?.toLowerCase().includes('catalog+xml'))?.href,
    links,
  };
}
