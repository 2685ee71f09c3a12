// Lints code as if it lived at a given path, with the repository's ESLint config. ESLint loads its config
// with a dynamic import, which jest's CommonJS mode cannot do, so layering.test.ts runs this in a child process.
// Input on stdin: JSON [{ file, code }]. Output: JSON [{ file, ruleIds: string[], messages: string[] }].
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = process.argv[2];
// Import rules need no type information, and typed linting needs the file on disk: lint without it.
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });
const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const { file, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const messages = result?.messages ?? [];
  out.push({ file, ruleIds: messages.map((m) => m.ruleId), messages: messages.map((m) => m.message) });
}
process.stdout.write(JSON.stringify(out));
