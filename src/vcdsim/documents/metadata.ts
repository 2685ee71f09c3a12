/** `Metadata` and `MetadataValue` documents (XSD common.xsd), typed values with xsi:type as VCD 5.1+ writes them. */
import { MEDIA } from '../media-types';
import { type SimMetadataEntry, type SimVApp } from '../model';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT, link, type RenderContext } from './common';

function typedValue(entry: SimMetadataEntry): XmlNodeOut {
  return x('TypedValue', { 'xsi:type': entry.type }, xText('Value', entry.value));
}

function domain(entry: SimMetadataEntry): XmlNodeOut {
  return x('Domain', { visibility: entry.visibility }, entry.domain);
}

/** `GET .../metadata`: every entry, with up/add links and per-entry edit/remove links. */
export function metadataDocument(ctx: RenderContext, vApp: SimVApp): XmlNodeOut {
  const vAppHref = ctx.hrefs.vApp(vApp.id);
  const href = ctx.hrefs.metadata(vAppHref);
  return x(
    'Metadata',
    { ...VCLOUD_ROOT, href, type: MEDIA.metadata },
    link('up', vAppHref, MEDIA.vApp),
    link('add', href, MEDIA.metadata),
    [...vApp.metadata.values()].map((entry) => {
      const entryHref = ctx.hrefs.metadata(vAppHref, entry);
      return x(
        'MetadataEntry',
        { href: entryHref, type: MEDIA.metadataValue },
        link('up', href, MEDIA.metadata),
        link('edit', entryHref, MEDIA.metadataValue),
        link('remove', entryHref),
        domain(entry),
        xText('Key', entry.key),
        typedValue(entry),
      );
    }),
  );
}

/** `GET .../metadata/{key}`: one value. */
export function metadataValueDocument(
  ctx: RenderContext,
  vApp: SimVApp,
  entry: SimMetadataEntry,
): XmlNodeOut {
  const vAppHref = ctx.hrefs.vApp(vApp.id);
  const href = ctx.hrefs.metadata(vAppHref, entry);
  return x(
    'MetadataValue',
    { ...VCLOUD_ROOT, href, type: MEDIA.metadataValue },
    link('up', ctx.hrefs.metadata(vAppHref), MEDIA.metadata),
    link('edit', href, MEDIA.metadataValue),
    link('remove', href),
    domain(entry),
    typedValue(entry),
  );
}

/** The Metadata element inside a query record when the query asks for `fields=metadata:<key>`. */
export function recordMetadata(entries: readonly SimMetadataEntry[]): XmlNodeOut | undefined {
  if (entries.length === 0) {
    return undefined;
  }
  return x(
    'Metadata',
    {},
    entries.map((entry) => x('MetadataEntry', {}, domain(entry), xText('Key', entry.key), typedValue(entry))),
  );
}
