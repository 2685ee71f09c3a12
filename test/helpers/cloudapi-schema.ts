/**
 * Validates CloudAPI JSON documents against the 37.2 Swagger definitions (../shared/vcd-openapi, as its README
 * says): Swagger 2.0 definitions read as JSON Schema draft 4 by ajv, with boolean exclusiveMinimum/Maximum turned
 * numeric and `type: object` dropped where a definition is a string enum.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const SWAGGER = path.resolve(__dirname, '../../../shared/vcd-openapi/cloudapi-37.2.swagger.yaml');

function normalise(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(normalise);
  }
  if (typeof node !== 'object' || node === null) {
    return node;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    out[key] = normalise(value);
  }
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else {
        delete out[flag];
      }
    }
  }
  if (out.type === 'object' && Array.isArray(out.enum) && out.enum.every((v) => typeof v === 'string')) {
    delete out.type;
  }
  return out;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validator(definition: string): ValidateFunction {
  let validate = compiled.get(definition);
  if (validate === undefined) {
    if (ajv === undefined) {
      const swagger = parse(readFileSync(SWAGGER, 'utf8'), { maxAliasCount: -1 }) as {
        definitions: Record<string, unknown>;
      };
      ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
      ajv.addSchema({ $id: 'vcd', definitions: normalise(swagger.definitions) as Record<string, unknown> });
    }
    validate = ajv.getSchema(`vcd#/definitions/${definition}`);
    if (validate === undefined) {
      throw new Error(`no definition ${definition} in the 37.2 Swagger`);
    }
    compiled.set(definition, validate);
  }
  return validate;
}

/** The problems of `document` as a `definition` (e.g. `EdgeNatRule`); empty when it is valid. */
export function cloudApiProblems(definition: string, document: unknown): string[] {
  const validate = validator(definition);
  return validate(document)
    ? []
    : (validate.errors ?? []).map((e) => `${definition}${e.instancePath} ${e.message ?? 'invalid'}`);
}
