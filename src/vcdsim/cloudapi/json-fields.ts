/** Reading fields of a JSON request body with VCD-style 400 answers naming the field. */
import { badRequest } from '../sim-error';

export type JsonObject = Record<string, unknown>;

export function optString(body: JsonObject, field: string, where: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw badRequest(`${where}: "${field}" must be a string.`);
  }
  return value;
}

export function reqString(body: JsonObject, field: string, where: string): string {
  const value = optString(body, field, where);
  if (value === undefined || value.trim() === '') {
    throw badRequest(`${where}: "${field}" is required.`);
  }
  return value;
}

export function optBoolean(body: JsonObject, field: string, where: string, fallback: boolean): boolean {
  const value = body[field];
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'boolean') {
    throw badRequest(`${where}: "${field}" must be true or false.`);
  }
  return value;
}

export function optInteger(body: JsonObject, field: string, where: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw badRequest(`${where}: "${field}" must be a whole number.`);
  }
  return value;
}

export function optObject(body: JsonObject, field: string, where: string): JsonObject | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`${where}: "${field}" must be an object.`);
  }
  return value as JsonObject;
}

export function optArray(body: JsonObject, field: string, where: string): unknown[] {
  const value = body[field];
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw badRequest(`${where}: "${field}" must be a list.`);
  }
  return value as unknown[];
}

/** An EntityReference's `id`, or undefined when the reference is absent. */
export function refId(body: JsonObject, field: string, where: string): string | undefined {
  const value = optObject(body, field, where);
  return value === undefined ? undefined : reqString(value, 'id', `${where}: ${field}`);
}

/** `version.version` of an update body (ObjectVersion). */
export function versionOf(body: JsonObject, where: string): number | undefined {
  const version = optObject(body, 'version', where);
  return version === undefined ? undefined : optInteger(version, 'version', `${where}: version`);
}

export function oneOf<T extends string>(
  value: string,
  allowed: readonly T[],
  field: string,
  where: string,
): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw badRequest(`${where}: "${field}" must be one of ${allowed.join(', ')}, not "${value}".`);
  }
  return found;
}

/** A port or port range as NSX-T takes it: `80`, `8000-8100`. */
export function isPortOrRange(value: string): boolean {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (match?.[1] === undefined) {
    return false;
  }
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  return low >= 1 && high <= 65535 && low <= high;
}
