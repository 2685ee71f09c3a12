/** `GET /api/versions` → SupportedVersions (XSD schemas/versioning/versions.xsd). */
import { NS_VERSIONS, NS_XSI } from '../media-types';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { type RenderContext } from './common';

export interface OfferedVersion {
  readonly version: string;
  readonly deprecated: boolean;
}

/**
 * API versions the simulator speaks: VCD 10.0 (33.0) to 10.5 (38.0) with the minor versions in between that clients
 * gate features on (36.1 API tokens, 37.x service accounts). 33.0 and 34.0 are marked deprecated as 10.5 does.
 */
export const OFFERED_VERSIONS: readonly OfferedVersion[] = [
  { version: '33.0', deprecated: true },
  { version: '34.0', deprecated: true },
  { version: '35.0', deprecated: false },
  { version: '35.2', deprecated: false },
  { version: '36.0', deprecated: false },
  { version: '36.1', deprecated: false },
  { version: '36.2', deprecated: false },
  { version: '36.3', deprecated: false },
  { version: '37.0', deprecated: false },
  { version: '37.1', deprecated: false },
  { version: '37.2', deprecated: false },
  { version: '38.0', deprecated: false },
];

/** True when the simulator offers this exact version string (`36.0`, not `36`). */
export function isOfferedVersion(version: string): boolean {
  return OFFERED_VERSIONS.some((v) => v.version === version);
}

/** The first API version whose tenant login is the CloudAPI one and which names a separate provider login. */
const CLOUDAPI_LOGIN_SINCE = 36;

/**
 * As VCD 10.4+ serves it (`vcd-fixtures/go-vcloud-director/…_api_versions.xml`): up to 35.x the tenant `LoginUrl` is the
 * legacy `/api/sessions` and there is no `ProviderLoginUrl`; from 36.0 on the tenant logs in at
 * `/cloudapi/1.0.0/sessions` and the provider at `/cloudapi/1.0.0/sessions/provider` (required by the 36.0 XSD).
 */
export function versionsDocument(ctx: RenderContext): XmlNodeOut {
  const cloudapi = (path: string): string => `${ctx.hrefs.base}/cloudapi/1.0.0${path}`;
  return x(
    'SupportedVersions',
    { xmlns: NS_VERSIONS, 'xmlns:xsi': NS_XSI },
    OFFERED_VERSIONS.map((v) =>
      Number.parseFloat(v.version) >= CLOUDAPI_LOGIN_SINCE
        ? x(
            'VersionInfo',
            { deprecated: v.deprecated },
            xText('Version', v.version),
            xText('LoginUrl', cloudapi('/sessions')),
            xText('ProviderLoginUrl', cloudapi('/sessions/provider')),
          )
        : x(
            'VersionInfo',
            { deprecated: v.deprecated },
            xText('Version', v.version),
            xText('LoginUrl', ctx.hrefs.api('/sessions')),
          ),
    ),
  );
}
