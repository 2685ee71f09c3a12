// Validates SupportedVersions documents against etc/schemas/versioning/versions.xsd, which vcloud.xsd (the entry
// point of test/helpers/xsd-validate.mjs) does not include. Same protocol: JSON [{ name, xml }] on stdin,
// JSON [{ name, errors }] on stdout. ESM-only libxml2-wasm, hence a child process.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';

const schemaRoot = process.argv[2];
if (!schemaRoot) {
  throw new Error('usage: validate-versions.mjs <path to shared/vcd-schemas>');
}
const entry = path.join(schemaRoot, 'etc/schemas/versioning/versions.xsd');
const schema = XmlDocument.fromBuffer(readFileSync(entry), { url: entry });
const validator = XsdValidator.fromDoc(schema);
const input = JSON.parse(readFileSync(0, 'utf8'));
const results = input.map(({ name, xml }) => {
  const doc = XmlDocument.fromString(xml);
  try {
    validator.validate(doc);
    return { name, errors: [] };
  } catch (e) {
    const details = e.details ?? [];
    return {
      name,
      errors: details.length
        ? details.map((d) => `line ${d.line}: ${d.message.trim()}`)
        : [String(e.message)],
    };
  } finally {
    doc.dispose();
  }
});
process.stdout.write(JSON.stringify(results));
