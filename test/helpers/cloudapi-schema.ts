/**
 * Validates JSON bodies against the CloudAPI 37.2 swagger definitions (../shared/vcd-openapi), as its README says:
 * YAML loaded with aliases, boolean exclusiveMinimum/Maximum made numeric, `type: object` dropped where a definition is
 * a string enum, all definitions as one schema `vcd`. Compiled once per process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const SWAGGER = join(__dirname, '..', '..', '..', 'shared', 'vcd-openapi', 'cloudapi-37.2.swagger.yaml');

type Json = Record<string, unknown>;

/** Rewrites the swagger-isms JSON Schema draft 4 / ajv does not take. */
function normalize(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node.map(normalize);
  }
  if (typeof node !== 'object' || node === null) {
    return node;
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.replace('#/definitions/', 'vcd#/definitions/');
    } else if (key.startsWith('x-') || key === 'example' || key === 'discriminator') {
      continue;
    } else {
      out[key] = normalize(value);
    }
  }
  for (const bound of ['Minimum', 'Maximum'] as const) {
    const flag = `exclusive${bound}`;
    if (typeof out[flag] === 'boolean') {
      const limit = out[bound.toLowerCase()];
      if (out[flag] === true && typeof limit === 'number') {
        out[flag] = limit;
        delete out[bound.toLowerCase()];
      } else {
        delete out[flag];
      }
    }
  }
  if (out.type === 'object' && Array.isArray(out.enum) && out.enum.every((e) => typeof e === 'string')) {
    out.type = 'string';
  }
  if (out.format !== undefined && typeof out.format === 'string') {
    delete out.format;
  }
  return out;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv === undefined) {
    const doc = parse(readFileSync(SWAGGER, 'utf8'), { maxAliasCount: -1 }) as { definitions: Json };
    ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'vcd', definitions: normalize(doc.definitions) as Json });
  }
  return ajv;
}

/** Errors of `value` against swagger definition `name` (empty when it validates). */
export function cloudApiErrors(name: string, value: unknown): string[] {
  let validate = compiled.get(name);
  if (validate === undefined) {
    const found = instance().getSchema(`vcd#/definitions/${name}`);
    if (found === undefined) {
      throw new Error(`no swagger definition ${name}`);
    }
    validate = found;
    compiled.set(name, validate);
  }
  return validate(value)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${name}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      );
}

/** Jest-friendly: throws with every error when `value` does not validate against `name`. */
export function expectCloudApi(name: string, value: unknown): void {
  const errors = cloudApiErrors(name, value);
  if (errors.length > 0) {
    throw new Error(`${name} does not validate:\n${errors.join('\n')}\n${JSON.stringify(value, null, 2)}`);
  }
}
