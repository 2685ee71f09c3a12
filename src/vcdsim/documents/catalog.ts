/**
 * `Catalog` and `CatalogItem` documents (XSD catalog.xsd, catalogItem.xsd; fixture
 * libcloud/api_catalogItem_3132e037_759b_4627_9056_ca66466fa607.xml). The catalog advertises captureVApp with the
 * `add` link clients look for (Programming Guide, "Capture a vApp as a Template").
 */
import { urn } from '../hrefs';
import { MEDIA } from '../media-types';
import { type SimTemplate } from '../model';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT, dateTime, link, reference, type RenderContext } from './common';

/** One item per catalog item id (a capture that overwrites an item shares its id until it ends). */
/** One catalog item per catalogItemId (a capture in progress and its result share one). */
export function catalogItems(templates: readonly SimTemplate[]): SimTemplate[] {
  const seen = new Set<string>();
  return templates.filter((t) => {
    if (seen.has(t.catalogItemId)) {
      return false;
    }
    seen.add(t.catalogItemId);
    return true;
  });
}

/** The admin view's media type. */
export const MEDIA_ADMIN_CATALOG = 'application/vnd.vmware.admin.catalog+xml';

export function catalogDocument(ctx: RenderContext, admin = false): XmlNodeOut {
  const { hrefs, state } = ctx;
  const tenantHref = hrefs.catalog(state.catalog.id);
  const adminHref = `${hrefs.base}/api/admin/catalog/${state.catalog.id}`;
  const href = admin ? adminHref : tenantHref;
  const items = catalogItems(state.templates);
  return x(
    // The admin view (GET /api/admin/catalog/{id}, govcd AdminCatalog) is the same catalog as AdminCatalogType.
    admin ? 'AdminCatalog' : 'Catalog',
    {
      ...VCLOUD_ROOT,
      name: state.catalog.name,
      id: urn('catalog', state.catalog.id),
      href,
      type: admin ? MEDIA_ADMIN_CATALOG : MEDIA.catalog,
    },
    link('up', hrefs.org(state.org.id), MEDIA.org),
    link('add', `${tenantHref}/action/captureVApp`, MEDIA.captureVAppParams),
    admin ? link('alternate', tenantHref, MEDIA.catalog) : link('alternate', adminHref, MEDIA_ADMIN_CATALOG),
    xText('Description', 'Lab templates'),
    x(
      'Owner',
      { type: MEDIA.owner },
      reference('User', hrefs.user(state.user.id), MEDIA.user, state.user.name),
    ),
    x(
      'CatalogItems',
      {},
      items.map((t) =>
        x('CatalogItem', {
          href: hrefs.catalogItem(t.catalogItemId),
          id: urn('catalogitem', t.catalogItemId),
          type: MEDIA.catalogItem,
          name: t.name,
        }),
      ),
    ),
    xText('IsPublished', false),
    xText('DateCreated', dateTime(state.catalog.createdAt)),
    xText('VersionNumber', state.templates.length),
  );
}

export function catalogItemDocument(ctx: RenderContext, template: SimTemplate): XmlNodeOut {
  const { hrefs, state } = ctx;
  const size = template.vms.reduce((sum, vm) => sum + vm.spec.diskGb * 1024 ** 3, 0);
  return x(
    'CatalogItem',
    {
      ...VCLOUD_ROOT,
      size,
      name: template.name,
      id: urn('catalogitem', template.catalogItemId),
      href: hrefs.catalogItem(template.catalogItemId),
      type: MEDIA.catalogItem,
    },
    link('up', hrefs.catalog(state.catalog.id), MEDIA.catalog),
    xText('Description', template.description),
    reference('Entity', hrefs.vAppTemplate(template.id), MEDIA.vAppTemplate, template.name),
    xText('DateCreated', dateTime(template.createdAt)),
    xText('VersionNumber', 1),
  );
}
