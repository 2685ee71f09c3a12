import { VCLOUD_NS, XSI_NS } from './namespaces';
import { expectRoot } from './wire-format';
import { el, serializeXml, textEl, type XmlElement } from './xml-builder';
import { attr, child, children, parseXml, textOf, type XmlNode } from './xml';

/** `TypedValue` xsi:types (XSD `vcloud/common.xsd`, since 5.1). `untyped` marks pre-5.1 `<Value>` entries. */
export type VcdMetadataType =
  | 'MetadataStringValue'
  | 'MetadataNumberValue'
  | 'MetadataBooleanValue'
  | 'MetadataDateTimeValue'
  | 'untyped';

/** One metadata entry (XSD `MetadataEntryType`). */
export interface VcdMetadataEntry {
  key: string;
  /** The value as VCD wrote it. */
  value: string;
  type: VcdMetadataType | (string & {});
  /** GENERAL (the default when VCD omits Domain) or SYSTEM. */
  domain: string;
  /** PRIVATE, READONLY or READWRITE, when a Domain was given. */
  visibility?: string;
}

/**
 * Parses a `<Metadata>` document: typed (`TypedValue xsi:type=…`) and pre-5.1 untyped (`Value`) entries.
 * Entries without a Key are skipped.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not Metadata.
 */
export function parseMetadata(xml: string): VcdMetadataEntry[] {
  return readMetadataEntries(expectRoot(parseXml(xml), 'Metadata'));
}

/**
 * Reads the MetadataEntry children of a Metadata element: a document's root, or the Metadata a query record
 * carries for `fields=metadata:<key>`. Entries without a Key are skipped. Never throws.
 */
export function readMetadataEntries(node: XmlNode | undefined): VcdMetadataEntry[] {
  const entries: VcdMetadataEntry[] = [];
  for (const entry of children(node, 'MetadataEntry')) {
    const key = textOf(entry, 'Key');
    if (key === undefined || key === '') {
      continue;
    }
    entries.push({ key, ...readValue(entry) });
  }
  return entries;
}

/**
 * Parses a `<MetadataValue>` document (one key's value).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not MetadataValue.
 */
export function parseMetadataValue(xml: string): Omit<VcdMetadataEntry, 'key'> {
  return readValue(expectRoot(parseXml(xml), 'MetadataValue'));
}

function readValue(node: XmlNode): Omit<VcdMetadataEntry, 'key'> {
  const domain = child(node, 'Domain');
  const typed = child(node, 'TypedValue');
  // xsi:type values may carry a prefix of their own (`vcloud:MetadataStringValue`).
  const xsiType = attr(typed, 'type')?.replace(/^.*:/, '');
  return {
    value: typed !== undefined ? (textOf(typed, 'Value') ?? '') : (textOf(node, 'Value') ?? ''),
    type: typed !== undefined ? (xsiType ?? 'MetadataStringValue') : 'untyped',
    domain: textOf(domain) || 'GENERAL',
    visibility: attr(domain, 'visibility'),
  };
}

/**
 * Reduces entries to key → value, GENERAL domain first (it is the one a tenant writes). Never throws.
 */
export function metadataToRecord(entries: VcdMetadataEntry[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const entry of [...entries].sort(
    (a, b) => Number(a.domain === 'GENERAL') - Number(b.domain === 'GENERAL'),
  )) {
    record[entry.key] = entry.value;
  }
  return record;
}

/** An entry to write; the type defaults to MetadataStringValue and the domain to GENERAL (VCD's default). */
export interface MetadataInput {
  key: string;
  value: string;
  type?: Exclude<VcdMetadataType, 'untyped'>;
}

function typedValue(value: string, type: Exclude<VcdMetadataType, 'untyped'>): XmlElement {
  return el('TypedValue', { 'xsi:type': type }, [textEl('Value', value)]);
}

/**
 * Builds a `<Metadata>` body for `POST <entity>/metadata` (merges the entries in one task).
 * Never throws; values are escaped.
 */
export function buildMetadata(entries: MetadataInput[] | Record<string, string>): string {
  const list: MetadataInput[] = Array.isArray(entries)
    ? entries
    : Object.entries(entries).map(([key, value]) => ({ key, value }));
  return serializeXml(
    el(
      'Metadata',
      { xmlns: VCLOUD_NS, 'xmlns:xsi': XSI_NS },
      list.map((e) =>
        el('MetadataEntry', {}, [textEl('Key', e.key), typedValue(e.value, e.type ?? 'MetadataStringValue')]),
      ),
    ),
  );
}

/**
 * Builds a `<MetadataValue>` body for `PUT <entity>/metadata/<key>`. Never throws; the value is escaped.
 */
export function buildMetadataValue(
  value: string,
  type: Exclude<VcdMetadataType, 'untyped'> = 'MetadataStringValue',
): string {
  return serializeXml(
    el('MetadataValue', { xmlns: VCLOUD_NS, 'xmlns:xsi': XSI_NS }, [typedValue(value, type)]),
  );
}
