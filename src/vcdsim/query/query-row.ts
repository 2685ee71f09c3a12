/**
 * The shape of a query type: its record and reference element names and the attributes VCD returns for it (XSD
 * queryRecordView.xsd plus a few 10.x extras such as `numberOfVMs`, which the record types' `anyAttribute` admits).
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

export interface QueryType {
  readonly name: string;
  readonly recordElement: string;
  readonly referencesElement: string;
  readonly referenceElement: string;
  readonly entityMediaType: string;
  /** Every attribute a filter, sort or `fields` may name, in output order. */
  readonly attributes: readonly string[];
  rows(ctx: RenderContext): QueryRow[];
}
