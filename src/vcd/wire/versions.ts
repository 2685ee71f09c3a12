import { expectRoot } from './wire-format';
import { attr, children, parseXml, textOf, toBoolean } from './xml';

/** One `VersionInfo` of `GET /api/versions` (XSD `versioning/versions.xsd: VersionInfoType`). */
export interface VcdVersionInfo {
  /** Kept as a string: "5.10" must not become 5.1. */
  version: string;
  loginUrl?: string;
  deprecated: boolean;
}

/**
 * Parses a `SupportedVersions` document. `AlphaVersion` and unknown elements are ignored; entries without a
 * Version are skipped.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not SupportedVersions.
 */
export function parseSupportedVersions(xml: string): VcdVersionInfo[] {
  const root = expectRoot(parseXml(xml), 'SupportedVersions');
  return children(root, 'VersionInfo')
    .map((info) => ({
      version: textOf(info, 'Version') ?? '',
      loginUrl: textOf(info, 'LoginUrl'),
      deprecated: toBoolean(attr(info, 'deprecated')) ?? false,
    }))
    .filter((info) => info.version !== '');
}
