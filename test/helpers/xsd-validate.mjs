// Validates XML documents against VMware's vCloud API XSDs in ../shared/vcd-schemas with libxml2-wasm.
// libxml2-wasm is ESM-only and the test suite is CommonJS, so tests run this in a child process
// (see xsd.ts). Input on stdin: JSON [{ name, xml }]. Output on stdout: JSON [{ name, errors: string[] }].
// Optional second argument: the entry schema relative to the schema folder (default the vcloud.xsd that includes
// every vCloud type; SupportedVersions documents need etc/schemas/versioning/versions.xsd, which it does not include).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XmlDocument, XsdValidator, xmlRegisterInputProvider } from 'libxml2-wasm';
import { fsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';

const schemaRoot = process.argv[2];
if (!schemaRoot) {
  throw new Error('usage: xsd-validate.mjs <path to shared/vcd-schemas> [entry schema]');
}

// libxml2-wasm has no XML catalog support: map the catalog's remote schema URLs to the local copies.
const catalog = readFileSync(path.join(schemaRoot, 'catalog.xml'), 'utf8');
const remoteToLocal = new Map();
for (const m of catalog.matchAll(/systemId="([^"]+)"\s+uri="([^"]+)"/g)) {
  remoteToLocal.set(m[1], path.join(schemaRoot, m[2]));
}
const files = new Map();
let nextFd = 1;
xmlRegisterInputProvider({
  match: (name) => remoteToLocal.has(name),
  open: (name) => {
    const fd = nextFd++;
    files.set(fd, { data: readFileSync(remoteToLocal.get(name)), pos: 0 });
    return fd;
  },
  read: (fd, buf) => {
    const f = files.get(fd);
    const n = Math.min(buf.length, f.data.length - f.pos);
    buf.set(f.data.subarray(f.pos, f.pos + n));
    f.pos += n;
    return n;
  },
  close: (fd) => files.delete(fd),
});
xmlRegisterInputProvider(fsInputProviders);

const entry = path.join(schemaRoot, process.argv[3] ?? 'etc/1.5/schemas/vcloud/vcloud.xsd');
const schemaDoc = XmlDocument.fromBuffer(readFileSync(entry), { url: entry });
const validator = XsdValidator.fromDoc(schemaDoc);

const input = JSON.parse(readFileSync(0, 'utf8'));
const results = input.map(({ name, xml }) => {
  let doc;
  try {
    doc = XmlDocument.fromString(xml);
  } catch (e) {
    return { name, errors: [`not well-formed: ${e.message}`] };
  }
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
