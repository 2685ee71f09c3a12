import { readLinks, type VcdLink } from './link';
import { readMetadataEntries, type VcdMetadataEntry } from './metadata';
import { expectRoot } from './wire-format';
import { attr, child, parseXml, toInt } from './xml';

/** One record of a typed query: its element name (`VAppRecord`, `VMRecord`, …) and every attribute it carries. */
export interface VcdQueryRecord {
  /** Element local name, e.g. `OrgVdcRecord`. */
  type: string;
  /** All attributes, unknown ones included: real servers send more than the XSD lists. */
  attributes: Record<string, string>;
  /** The `<Metadata>` a record carries when the query asked for `fields=metadata:<key>`; else empty. */
  metadata: VcdMetadataEntry[];
}

/** A page of query results (XSD `vcloud/queryRecordView.xsd: QueryResultRecordsType`). */
export interface VcdQueryPage {
  /** Query type name (`vApp`, `orgVdc`, …). */
  name?: string;
  page?: number;
  pageSize?: number;
  total?: number;
  records: VcdQueryRecord[];
  /** href of `Link rel="nextPage"`; absent on the last page. */
  nextPage?: string;
  links: VcdLink[];
}

/**
 * Parses a `QueryResultRecords` document generically: every child element except Link is a record, and a
 * record's own `<Metadata>` child is read as its metadata. Records with an idrecords format parse the same way.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not QueryResultRecords.
 */
export function parseQueryRecords(xml: string): VcdQueryPage {
  const root = expectRoot(parseXml(xml), 'QueryResultRecords');
  const links = readLinks(root);
  return {
    name: attr(root, 'name'),
    page: toInt(attr(root, 'page')),
    pageSize: toInt(attr(root, 'pageSize')),
    total: toInt(attr(root, 'total')),
    records: root.children
      .filter((c) => c.name !== 'Link')
      .map((c) => ({
        type: c.name,
        attributes: { ...c.attributes },
        metadata: readMetadataEntries(child(c, 'Metadata')),
      })),
    nextPage: links.find((l) => l.rel === 'nextPage')?.href,
    links,
  };
}
