/**
 * `GET /api/query`: typed queries in records, idrecords or references format, with filters, sorting, `fields`
 * (including `metadata:<key>`) and paging. Paging follows VCD: `page` from 1, `pageSize` 25 by default and capped
 * at 128, `total`/`page`/`pageSize`/`name` on the container, and nextPage/previousPage/firstPage/lastPage links.
 */
import { link, type RenderContext } from '../documents/common';
import { recordMetadata } from '../documents/metadata';
import { MEDIA, NS_VCLOUD, NS_XSI } from '../media-types';
import { badRequest } from '../sim-error';
import { x, type XmlNodeOut } from '../xml-writer';
import { filterAttributes, matchesFilterBy, metadataField, parseFilter, type FilterNode } from './filter';
import { type Listed } from './query-row';
import { QUERY_TYPES, type QueryRow, type QueryType } from './query-types';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 128;

type Format = 'records' | 'idrecords' | 'references';

const FORMAT_MEDIA: Record<Format, string> = {
  records: MEDIA.queryRecords,
  idrecords: MEDIA.queryIdRecords,
  references: MEDIA.queryReferences,
};

export interface QueryAnswer {
  readonly document: XmlNodeOut;
  readonly mediaType: string;
}

function positiveInt(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) {
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw badRequest(`Bad request  - Invalid value for parameter ${name}: "${raw}".`);
  }
  return Number(raw);
}

/** Encodes a query-string value but leaves FIQL's readable characters (`= ; , : @ ( ) *`) alone, as VCD's links do. */
function encodeValue(value: string): string {
  return encodeURIComponent(value).replace(/%3D|%3B|%2C|%3A|%40/g, (m) => decodeURIComponent(m));
}

/** Query-string parameters in VCD's order, for the container href and paging links. */
function queryHref(
  ctx: RenderContext,
  params: URLSearchParams,
  overrides: { page?: number; format?: string },
): string {
  const parts: string[] = [];
  const add = (name: string, value: string | null | undefined): void => {
    if (value !== null && value !== undefined) {
      parts.push(`${name}=${encodeValue(value)}`);
    }
  };
  add('type', params.get('type'));
  add('page', String(overrides.page ?? positiveInt(params, 'page', 1)));
  add('pageSize', String(Math.min(positiveInt(params, 'pageSize', DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)));
  add('format', overrides.format ?? params.get('format') ?? 'records');
  add('filter', params.get('filter'));
  add('filterEncoded', params.get('filterEncoded'));
  add('sortAsc', params.get('sortAsc'));
  add('sortDesc', params.get('sortDesc'));
  add('fields', params.get('fields'));
  return `${ctx.hrefs.api('/query')}?${parts.join('&')}`;
}

function checkAttribute(type: QueryType, attribute: string, allowMetadata: boolean): void {
  if (allowMetadata && metadataField(attribute) !== undefined) {
    return;
  }
  if (!type.attributes.includes(attribute)) {
    throw badRequest(
      `Bad request  - Invalid query: "${attribute}" is not a property of query type ${type.name}.`,
    );
  }
}

function sortRows(type: QueryType, rows: Listed[], params: URLSearchParams): Listed[] {
  const asc = params.get('sortAsc');
  const desc = params.get('sortDesc');
  const attribute = asc ?? desc;
  if (attribute === null) {
    return rows;
  }
  checkAttribute(type, attribute, false);
  const direction = asc !== null ? 1 : -1;
  const keyed = rows.map((row) => ({ row, key: row.attribute(attribute) ?? '' }));
  return keyed
    .sort((a, b) => {
      const av = a.key;
      const bv = b.key;
      const numeric = /^-?\d+(\.\d+)?$/.test(av) && /^-?\d+(\.\d+)?$/.test(bv);
      return direction * (numeric ? Number(av) - Number(bv) : av.localeCompare(bv));
    })
    .map(({ row }) => row);
}

function recordElement(
  type: QueryType,
  row: QueryRow,
  format: Format,
  fields: string[] | undefined,
): XmlNodeOut {
  const wanted = fields?.filter((f) => metadataField(f) === undefined);
  const attrs: Record<string, string | undefined> = {};
  for (const name of type.attributes) {
    if (wanted !== undefined && !wanted.includes(name)) {
      continue;
    }
    const value = row.attributes[name];
    attrs[name] = format === 'idrecords' && value !== undefined ? (row.refUrns[name] ?? value) : value;
  }
  const metadataFields = (fields ?? []).map(metadataField).filter((f) => f !== undefined);
  const metadata = row.metadata.filter((m) =>
    metadataFields.some((f) => f.domain === m.domain && f.key === m.key),
  );
  return x(
    type.recordElement,
    { ...attrs, href: row.href, id: format === 'idrecords' ? row.id : undefined },
    recordMetadata(metadata),
  );
}

function queryList(ctx: RenderContext): QueryAnswer {
  const href = ctx.hrefs.api('/query');
  return {
    mediaType: MEDIA.queryList,
    document: x(
      'QueryList',
      { xmlns: NS_VCLOUD, 'xmlns:xsi': NS_XSI, href, type: MEDIA.queryList },
      [...QUERY_TYPES.keys()].flatMap((name) =>
        (Object.keys(FORMAT_MEDIA) as Format[]).map((format) =>
          link('down', `${href}?type=${name}&format=${format}`, FORMAT_MEDIA[format], name),
        ),
      ),
    ),
  };
}

/**
 * Answers a query. `apiVersion` decides how filter values are escaped (see filter.ts).
 *
 * @throws SimError 400 BAD_REQUEST for an unknown type or format, a malformed filter, an unknown attribute,
 *   a bad page number or size, or a page past the last one.
 */
export function runQuery(ctx: RenderContext, params: URLSearchParams, apiVersion: string): QueryAnswer {
  const typeName = params.get('type');
  if (typeName === null) {
    return queryList(ctx);
  }
  const type = QUERY_TYPES.get(typeName);
  if (type === undefined) {
    throw badRequest(`Bad request  - Invalid query type: "${typeName}".`);
  }
  const format = (params.get('format') ?? 'records') as Format;
  if (!(format in FORMAT_MEDIA)) {
    throw badRequest(`Bad request  - Invalid query format: "${format}".`);
  }
  const page = positiveInt(params, 'page', 1);
  const pageSize = Math.min(positiveInt(params, 'pageSize', DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);

  const modern = Number.parseFloat(apiVersion) >= 35;
  const rawFilter = params.get('filter');
  let filter: FilterNode | undefined;
  if (rawFilter !== null) {
    filter = parseFilter(rawFilter, {
      backslashEscapes: modern,
      percentDecodeValues: !modern && params.get('filterEncoded') === 'true',
    });
    for (const attribute of filterAttributes(filter)) {
      checkAttribute(type, attribute, true);
    }
  }
  const fieldsParam = params.get('fields');
  const fields =
    fieldsParam === null
      ? undefined
      : fieldsParam
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f !== '');
  for (const field of fields ?? []) {
    checkAttribute(type, field, true);
  }

  const matching = type.list(ctx).filter((row) => filter === undefined || matchesFilterBy(filter, row));
  const rows = sortRows(type, matching, params);
  const total = rows.length;
  const lastPage = Math.max(1, Math.ceil(total / pageSize));
  if (page > lastPage) {
    // Assumed VCD behaviour (not verified live): a page past the end is a client error, not an empty page.
    throw badRequest(`Bad request  - The requested page ${page} is out of range (last page is ${lastPage}).`);
  }
  // Only the page's rows are built whole.
  const slice = rows.slice((page - 1) * pageSize, page * pageSize).map((row) => row.row());

  const mediaType = FORMAT_MEDIA[format];
  const pageLink = (rel: string, target: number): XmlNodeOut =>
    link(rel, queryHref(ctx, params, { page: target }), mediaType);
  const links = [
    ...(Object.keys(FORMAT_MEDIA) as Format[])
      .filter((f) => f !== format)
      .map((f) => link('alternate', queryHref(ctx, params, { format: f }), FORMAT_MEDIA[f])),
    page < lastPage && pageLink('nextPage', page + 1),
    page > 1 && pageLink('previousPage', page - 1),
    page > 1 && pageLink('firstPage', 1),
    page < lastPage && pageLink('lastPage', lastPage),
  ];
  const container = {
    xmlns: NS_VCLOUD,
    'xmlns:xsi': NS_XSI,
    name: type.name,
    page,
    pageSize,
    total,
    href: queryHref(ctx, params, {}),
    type: mediaType,
  };
  const document =
    format === 'references'
      ? x(
          type.referencesElement,
          container,
          links,
          slice.map((row) =>
            x(type.referenceElement, {
              href: row.href,
              id: row.id,
              type: type.entityMediaType,
              name: row.name,
            }),
          ),
        )
      : x(
          'QueryResultRecords',
          container,
          links,
          slice.map((row) => recordElement(type, row, format, fields)),
        );
  return { document, mediaType };
}
