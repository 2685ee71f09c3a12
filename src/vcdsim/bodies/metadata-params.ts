/** Readers for metadata bodies: `MetadataValue` (PUT one key) and `Metadata` (POST several). */
import { type XmlNode } from '../../vcd/wire/xml';
import { type MetadataDomain, type MetadataType } from '../model';
import { badRequest, invalidBody } from '../sim-error';
import { checkSequence, many, opt, req } from './body-schema';
import { all, first, invalidValue, readBody } from './xml-read';

export interface MetadataValueParams {
  readonly domain: MetadataDomain;
  readonly visibility: string;
  readonly type: MetadataType;
  readonly value: string;
}

const METADATA_TYPES: readonly MetadataType[] = [
  'MetadataStringValue',
  'MetadataNumberValue',
  'MetadataBooleanValue',
  'MetadataDateTimeValue',
];

const VISIBILITIES = ['PRIVATE', 'READONLY', 'READWRITE'];

function parseTypedValue(holder: XmlNode): { type: MetadataType; value: string } {
  const typed = first(holder, 'TypedValue');
  if (typed === undefined) {
    // Pre-5.1 untyped <Value> (fixture libcloud/api_vapp_get_metadata.xml): VCD stores it as a string.
    const legacy = first(holder, 'Value');
    if (legacy === undefined) {
      throw badRequest('Metadata value is missing: send a TypedValue.');
    }
    return { type: 'MetadataStringValue', value: legacy.text };
  }
  const rawType = typed.attributes['type'] ?? '';
  const type = rawType.slice(rawType.indexOf(':') + 1);
  if (!(METADATA_TYPES as readonly string[]).includes(type)) {
    throw invalidBody(
      `cvc-elt.4.2: Cannot resolve '${rawType}' to a type definition for element 'TypedValue'.`,
    );
  }
  checkSequence(typed, [req('Value')]);
  const value = first(typed, 'Value')?.text ?? '';
  const trimmed = value.trim();
  if (type === 'MetadataNumberValue' && !/^[-+]?\d+$/.test(trimmed)) {
    invalidValue(trimmed, 'long');
  }
  if (type === 'MetadataBooleanValue' && !['true', 'false', '1', '0'].includes(trimmed)) {
    invalidValue(trimmed, 'boolean');
  }
  if (type === 'MetadataDateTimeValue' && Number.isNaN(Date.parse(trimmed))) {
    invalidValue(trimmed, 'dateTime');
  }
  return { type: type as MetadataType, value: type === 'MetadataStringValue' ? value : trimmed };
}

function parseDomain(
  holder: XmlNode,
  fallback: MetadataDomain,
): { domain: MetadataDomain; visibility: string } {
  const domainNode = first(holder, 'Domain');
  if (domainNode === undefined) {
    return { domain: fallback, visibility: fallback === 'SYSTEM' ? 'READONLY' : 'READWRITE' };
  }
  const domain = domainNode.text.trim() === '' ? 'GENERAL' : domainNode.text.trim();
  const visibility = domainNode.attributes['visibility'] ?? '';
  if (domain !== 'GENERAL' && domain !== 'SYSTEM') {
    throw badRequest(`Invalid metadata domain "${domain}".`);
  }
  if (!VISIBILITIES.includes(visibility)) {
    throw badRequest(`Invalid metadata visibility "${visibility}".`);
  }
  // pyvcloud MetadataDomain: only SYSTEM+PRIVATE, SYSTEM+READONLY and GENERAL+READWRITE are accepted.
  if ((domain === 'GENERAL') !== (visibility === 'READWRITE')) {
    throw badRequest(`Metadata domain ${domain} cannot have visibility ${visibility}.`);
  }
  return { domain, visibility };
}

/**
 * Reads a `MetadataValue` body (PUT .../metadata/{key}).
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body, unknown xsi:type or a value that does not fit it.
 */
export function parseMetadataValue(body: string, pathDomain: MetadataDomain): MetadataValueParams {
  const root = readBody(body, 'MetadataValue');
  checkSequence(root, [many('Link'), opt('Domain'), opt('Value'), opt('TypedValue')]);
  return { ...parseDomain(root, pathDomain), ...parseTypedValue(root) };
}

/**
 * Reads a `Metadata` body (POST .../metadata): entries to merge.
 *
 * @throws SimError 400 BAD_REQUEST for a malformed body or any bad entry.
 */
export function parseMetadata(body: string): (MetadataValueParams & { key: string })[] {
  const root = readBody(body, 'Metadata');
  checkSequence(root, [many('Link'), many('MetadataEntry')]);
  return all(root, 'MetadataEntry').map((entry) => {
    checkSequence(entry, [many('Link'), opt('Domain'), req('Key'), opt('Value'), opt('TypedValue')]);
    const key = first(entry, 'Key')?.text.trim() ?? '';
    if (key === '') {
      throw badRequest('Metadata key must not be empty.');
    }
    return { key, ...parseDomain(entry, 'GENERAL'), ...parseTypedValue(entry) };
  });
}
