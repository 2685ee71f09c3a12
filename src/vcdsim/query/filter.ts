/**
 * The query service's filter language (FIQL-like; vCloud API PG "Query Parameters"): `attr==value`, `!=`,
 * `=gt=`/`=lt=`/`=ge=`/`=le=`, `;` (AND), `,` (OR), parentheses, `*` wildcards (which make `==` case-insensitive),
 * and `metadata:key==TYPE:value` / `metadata@SYSTEM:key==...`.
 *
 * Escaping depends on the API version, as in VCD: from 35.0 `( ) , ; \` inside values are backslash-escaped
 * (`name==VM\,1`); before 35.0 `filterEncoded=true` makes the server percent-decode each value instead
 * (pyvcloud `_AbstractQuery._build_query_uri`).
 */
import { type SimMetadataEntry } from '../model';
import { badRequest } from '../sim-error';

export type Operator = '==' | '!=' | '=gt=' | '=lt=' | '=ge=' | '=le=';

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly items: readonly FilterNode[] }
  | { readonly kind: 'cmp'; readonly attribute: string; readonly op: Operator; readonly value: string };

export interface FilterSyntax {
  /** API >= 35.0: `\` escapes the next character inside values. */
  readonly backslashEscapes: boolean;
  /** API < 35.0 with `filterEncoded=true`: each value is percent-decoded after splitting. */
  readonly percentDecodeValues: boolean;
}

/** What a filter can look at in one record. */
export interface FilterTarget {
  readonly attributes: Readonly<Record<string, string | undefined>>;
  readonly metadata: readonly SimMetadataEntry[];
}

/** A record read on demand: the filter asks only for the attributes it names. */
export interface FilterReader {
  attribute(name: string): string | undefined;
  metadata(): readonly SimMetadataEntry[];
}

const OPERATORS: readonly Operator[] = ['==', '!=', '=gt=', '=lt=', '=ge=', '=le='];

function invalidFilter(reason: string): never {
  throw badRequest(`Bad request  - Invalid query filter: ${reason}`);
}

class Parser {
  private pos = 0;

  constructor(
    private readonly input: string,
    private readonly syntax: FilterSyntax,
  ) {}

  parse(): FilterNode {
    const node = this.parseOr();
    if (this.pos < this.input.length) {
      invalidFilter(`unexpected "${this.input.charAt(this.pos)}" at position ${this.pos}`);
    }
    return node;
  }

  private parseOr(): FilterNode {
    const items = [this.parseAnd()];
    while (this.input.charAt(this.pos) === ',') {
      this.pos += 1;
      items.push(this.parseAnd());
    }
    return items.length === 1 && items[0] !== undefined ? items[0] : { kind: 'or', items };
  }

  private parseAnd(): FilterNode {
    const items = [this.parseTerm()];
    while (this.input.charAt(this.pos) === ';') {
      this.pos += 1;
      items.push(this.parseTerm());
    }
    return items.length === 1 && items[0] !== undefined ? items[0] : { kind: 'and', items };
  }

  private parseTerm(): FilterNode {
    if (this.input.charAt(this.pos) === '(') {
      this.pos += 1;
      const inner = this.parseOr();
      if (this.input.charAt(this.pos) !== ')') {
        invalidFilter(`missing ")" at position ${this.pos}`);
      }
      this.pos += 1;
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): FilterNode {
    const attrMatch = /^[A-Za-z0-9_.:@-]+/.exec(this.input.slice(this.pos));
    if (attrMatch === null) {
      invalidFilter(`expected an attribute name at position ${this.pos}`);
    }
    const attribute = attrMatch[0];
    this.pos += attribute.length;
    const op = OPERATORS.find((o) => this.input.startsWith(o, this.pos));
    if (op === undefined) {
      invalidFilter(`expected an operator after "${attribute}"`);
    }
    this.pos += op.length;
    return { kind: 'cmp', attribute, op, value: this.parseValue() };
  }

  private parseValue(): string {
    let value = '';
    while (this.pos < this.input.length) {
      const c = this.input.charAt(this.pos);
      if (c === '\\' && this.syntax.backslashEscapes) {
        if (this.pos + 1 >= this.input.length) {
          invalidFilter('dangling "\\" at the end of a value');
        }
        value += this.input.charAt(this.pos + 1);
        this.pos += 2;
        continue;
      }
      if (c === ';' || c === ',' || c === ')') {
        break;
      }
      value += c;
      this.pos += 1;
    }
    if (!this.syntax.percentDecodeValues) {
      return value;
    }
    try {
      return decodeURIComponent(value);
    } catch {
      return invalidFilter(`value "${value}" is not percent-encoded correctly`);
    }
  }
}

/**
 * Parses a filter expression.
 *
 * @throws SimError 400 BAD_REQUEST when the expression is malformed.
 */
export function parseFilter(input: string, syntax: FilterSyntax): FilterNode {
  if (input.trim() === '') {
    invalidFilter('empty filter');
  }
  return new Parser(input, syntax).parse();
}

/** Every attribute a filter mentions (to reject unknown ones before evaluating). */
export function filterAttributes(node: FilterNode): string[] {
  return node.kind === 'cmp' ? [node.attribute] : node.items.flatMap(filterAttributes);
}

function wildcardRegex(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

function equals(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) {
    return false;
  }
  return expected.includes('*') ? wildcardRegex(expected).test(actual) : actual === expected;
}

function order(actual: string | undefined, expected: string, op: Operator): boolean {
  if (actual === undefined || actual === '') {
    return false;
  }
  let a: number;
  let b: number;
  if (/^[-+]?\d+(\.\d+)?$/.test(actual) && /^[-+]?\d+(\.\d+)?$/.test(expected)) {
    a = Number(actual);
    b = Number(expected);
  } else {
    a = Date.parse(actual);
    b = Date.parse(expected);
    if (Number.isNaN(a) || Number.isNaN(b)) {
      invalidFilter(`operator ${op} applies only to numbers and dates ("${expected}")`);
    }
  }
  switch (op) {
    case '=gt=':
      return a > b;
    case '=lt=':
      return a < b;
    case '=ge=':
      return a >= b;
    default:
      return a <= b;
  }
}

function compare(actual: string | undefined, op: Operator, expected: string): boolean {
  if (op === '==') {
    return equals(actual, expected);
  }
  if (op === '!=') {
    return actual !== undefined && !equals(actual, expected);
  }
  return order(actual, expected, op);
}

const METADATA_TYPES: Record<string, SimMetadataEntry['type']> = {
  STRING: 'MetadataStringValue',
  NUMBER: 'MetadataNumberValue',
  BOOLEAN: 'MetadataBooleanValue',
  DATETIME: 'MetadataDateTimeValue',
};

/** `metadata:key` → GENERAL key; `metadata@SYSTEM:key` → SYSTEM key; undefined for ordinary attributes. */
export function metadataField(attribute: string): { domain: 'GENERAL' | 'SYSTEM'; key: string } | undefined {
  const match = /^metadata(@SYSTEM|@GENERAL)?:(.+)$/.exec(attribute);
  if (match === null || match[2] === undefined) {
    return undefined;
  }
  return { domain: match[1] === '@SYSTEM' ? 'SYSTEM' : 'GENERAL', key: match[2] };
}

function compareMetadata(
  target: FilterReader,
  field: { domain: string; key: string },
  op: Operator,
  raw: string,
): boolean {
  const colon = raw.indexOf(':');
  const type = colon < 0 ? undefined : METADATA_TYPES[raw.slice(0, colon)];
  if (type === undefined) {
    invalidFilter(`metadata value "${raw}" must start with STRING:, NUMBER:, BOOLEAN: or DATETIME:`);
  }
  if (op !== '==' && op !== '!=' && type !== 'MetadataNumberValue' && type !== 'MetadataDateTimeValue') {
    invalidFilter(`operator ${op} applies only to NUMBER and DATETIME metadata`);
  }
  const entry = target
    .metadata()
    .find((m) => m.domain === field.domain && m.key === field.key && m.type === type);
  if (entry === undefined) {
    return false;
  }
  return compare(entry.value, op, raw.slice(colon + 1));
}

/** True when the record matches the filter. @throws SimError 400 for ordering operators on non-ordered values. */
export function matchesFilter(node: FilterNode, target: FilterTarget): boolean {
  return matchesFilterBy(node, {
    attribute: (name) => target.attributes[name],
    metadata: () => target.metadata,
  });
}

/** matchesFilter on a record read on demand. @throws SimError 400 as matchesFilter. */
export function matchesFilterBy(node: FilterNode, target: FilterReader): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((item) => matchesFilterBy(item, target));
    case 'or':
      return node.items.some((item) => matchesFilterBy(item, target));
    case 'cmp': {
      const field = metadataField(node.attribute);
      if (field !== undefined) {
        return compareMetadata(target, field, node.op, node.value);
      }
      return compare(target.attribute(node.attribute), node.op, node.value);
    }
  }
}
