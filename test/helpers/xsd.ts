import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Folder of VMware's vCloud API XSDs, beside the repository (see ../shared/vcd-schemas/README.md). */
export const SCHEMA_ROOT = path.resolve(__dirname, '../../../shared/vcd-schemas');

export interface XsdResult {
  name: string;
  errors: string[];
}

/**
 * Validates XML documents against the vCloud API schema (etc/1.5/schemas/vcloud/vcloud.xsd, or another entry
 * schema of the folder such as etc/schemas/versioning/versions.xsd).
 * Runs libxml2-wasm in a child process because it is ESM-only; batch documents to pay the schema
 * compile (~0.1 s) once. Throws when the schema folder is missing, so a test cannot pass vacuously.
 */
export function validateAgainstXsd(
  documents: { name: string; xml: string }[],
  entrySchema = 'etc/1.5/schemas/vcloud/vcloud.xsd',
): XsdResult[] {
  if (!existsSync(SCHEMA_ROOT)) {
    throw new Error(`vCloud schemas not found at ${SCHEMA_ROOT}`);
  }
  const script = path.join(__dirname, 'xsd-validate.mjs');
  const out = execFileSync(process.execPath, [script, SCHEMA_ROOT, entrySchema], {
    input: JSON.stringify(documents),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString('utf8')) as XsdResult[];
}
