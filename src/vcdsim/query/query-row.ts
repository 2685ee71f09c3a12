/**
 * The shape of a query type: its record and reference element names and the attributes VCD returns for it (XSD
 * queryRecordView.xsd plus a few 10.x extras such as `numberOfVMs`, which the record types' `anyAttribute` admits).
 *
 * A query lists its entities cheaply (`Listed`): the filter and the sort read only the attributes they name, and only
 * the rows of the page served are built whole. Building every row of a 40,000-VM world for each page of 128 made a
 * paged listing cost the square of the fleet.
 */
import { type RenderContext } from '../documents/common';
import { type SimMetadataEntry } from '../model';

/** One result row: attributes in output order, plus what references and metadata queries need. */
export interface QueryRow {
  readonly href: string;
  readonly id: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string | undefined>>;
  /** Attributes holding hrefs of other entities, as URNs (the `idrecords` format writes these). */
  readonly refUrns: Readonly<Record<string, string>>;
  readonly metadata: readonly SimMetadataEntry[];
}

/** One entity a query lists, read on demand. */
export interface Listed {
  /** One attribute, as the row would carry it. */
  attribute(name: string): string | undefined;
  metadata(): readonly SimMetadataEntry[];
  /** The whole row. */
  row(): QueryRow;
}

export interface QueryType {
  readonly name: string;
  readonly recordElement: string;
  readonly referencesElement: string;
  readonly referenceElement: string;
  readonly entityMediaType: string;
  /** Every attribute a filter, sort or `fields` may name, in output order. */
  readonly attributes: readonly string[];
  /** The entities of this type, in VCD's default order. */
  list(ctx: RenderContext): readonly Listed[];
}

/** For types with a handful of rows: every row built up front. */
export function fromRows(rows: (ctx: RenderContext) => QueryRow[]): (ctx: RenderContext) => Listed[] {
  return (ctx) =>
    rows(ctx).map((row) => ({
      attribute: (name) => row.attributes[name],
      metadata: () => row.metadata,
      row: () => row,
    }));
}

/** One function per attribute of a type (`A`, its attribute names): the compiler refuses a missing one. */
export type Columns<T, A extends string> = { readonly [K in A]: (entity: T) => string | undefined };

/** How to read one kind of entity as a row: each attribute by its column, and the row's other parts. */
export interface RowShape<T, A extends string> {
  /** Output order. */
  readonly attributes: readonly A[];
  readonly columns: Columns<T, A>;
  readonly head: (entity: T) => Pick<QueryRow, 'href' | 'id' | 'name' | 'refUrns'>;
  readonly metadata: (entity: T) => readonly SimMetadataEntry[];
}

class LazyRow<T, A extends string> implements Listed {
  constructor(
    private readonly shape: RowShape<T, A>,
    private readonly entity: T,
  ) {}

  attribute(name: string): string | undefined {
    const columns: Partial<Record<string, (entity: T) => string | undefined>> = this.shape.columns;
    return columns[name]?.(this.entity);
  }

  metadata(): readonly SimMetadataEntry[] {
    return this.shape.metadata(this.entity);
  }

  row(): QueryRow {
    const attributes: Record<string, string | undefined> = {};
    for (const name of this.shape.attributes) {
      attributes[name] = this.shape.columns[name](this.entity);
    }
    return { ...this.shape.head(this.entity), attributes, metadata: this.metadata() };
  }
}

/** The entities, each read through `shape` only when asked. */
export function lazyRows<T, A extends string>(shape: RowShape<T, A>, entities: readonly T[]): Listed[] {
  return entities.map((entity) => new LazyRow(shape, entity));
}
