/** The legacy XML `Session` (POST /api/sessions, GET /api/session) and the CloudAPI JSON session. */
import { urn } from '../hrefs';
import { MEDIA } from '../media-types';
import { type SimSession } from '../session-store';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT, link, type RenderContext } from './common';

const ROLE = 'Organization Administrator';
const SITE_NAME = 'vcdsim';

/**
 * The Session document. `AuthorizedLocations` is what the 9.1 schema requires and VCD 10 sends (it lists the
 * multisite locations the session may use); the `name` on Location is there because the XSD's EntityType needs it.
 */
export function sessionDocument(ctx: RenderContext, session: SimSession): XmlNodeOut {
  const { hrefs, state } = ctx;
  return x(
    'Session',
    {
      ...VCLOUD_ROOT,
      user: session.userName,
      org: session.orgName,
      roles: ROLE,
      userId: urn('user', state.user.id),
      locationId: `${session.orgName}@${state.org.id}`,
      href: hrefs.session(),
      type: MEDIA.session,
    },
    link('down', hrefs.orgList(), MEDIA.orgList),
    link('remove', hrefs.session()),
    link('down', hrefs.org(state.org.id), MEDIA.org, state.org.name),
    link('down', hrefs.api('/query'), MEDIA.queryList),
    x(
      'AuthorizedLocations',
      {},
      x(
        'Location',
        { name: SITE_NAME },
        xText('LocationId', `${session.orgName}@${state.org.id}`),
        xText('SiteName', SITE_NAME),
        xText('OrgName', session.orgName),
        xText('RestApiEndpoint', hrefs.base),
        xText('UIEndpoint', hrefs.base),
        xText('AuthContext', session.orgName),
      ),
    ),
  );
}

/** The CloudAPI session JSON (`POST /cloudapi/1.0.0/sessions`), shape of VCD 10.x. */
export function cloudApiSession(ctx: RenderContext, session: SimSession): Record<string, unknown> {
  const { state } = ctx;
  const org = { name: state.org.name, id: urn('org', state.org.id) };
  return {
    id: urn('session', session.id),
    site: { name: SITE_NAME, id: urn('site', state.org.id) },
    user: { name: session.userName, id: urn('user', state.user.id) },
    org,
    operatingOrg: org,
    location: `${session.orgName}@${state.org.id}`,
    roles: [ROLE],
    roleRefs: [{ name: ROLE, id: urn('role', state.user.id) }],
    sessionIdleTimeoutMinutes: Math.round(state.sessions.idleTimeoutMs / 60000),
  };
}
