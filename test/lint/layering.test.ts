import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * DESIGN.md section 2's dependency rules are lint rules: these cases prove the lint config rejects an import
 * that breaks them. The code is linted as if it lived at the given path (nothing is written to src/).
 */
const root = path.resolve(__dirname, '../..');

const rejected: [string, string][] = [
  ['src/labs/x.ts', "import { App } from '@slack/bolt';\nexport const a = App;\n"],
  ['src/labs/x.ts', "import axios from 'axios';\nexport const a = axios;\n"],
  ['src/labs/x.ts', "import { Kysely } from 'kysely';\nexport const a = Kysely;\n"],
  ['src/labs/x.ts', "import { VcdCloud } from '../vcd/vcd-cloud';\nexport const a = VcdCloud;\n"],
  [
    'src/labs/x.ts',
    "import { createSlackApp } from '../slack/create-slack-app';\nexport const a = createSlackApp;\n",
  ],
  [
    'src/commands/x.ts',
    "import { openDatabase } from '../store/database';\nexport const a = openDatabase;\n",
  ],
  ['src/controller/x.ts', "import cron from 'node-cron';\nexport const a = cron;\n"],
  ['src/slack/x.ts', "import axios from 'axios';\nexport const a = axios;\n"],
  ['src/vcd/x.ts', "import { XMLParser } from 'fast-xml-parser';\nexport const a = XMLParser;\n"],
  ['src/vcdsim/x.ts', "import { Kysely } from 'kysely';\nexport const a = Kysely;\n"],
];

const allowed: [string, string][] = [
  ['src/labs/x.ts', "import { type Cloud } from './ports';\nexport type A = Cloud;\n"],
  ['src/slack/x.ts', "import { App } from '@slack/bolt';\nexport const a = App;\n"],
  ['src/vcd/x.ts', "import axios from 'axios';\nexport const a = axios;\n"],
  ['src/vcd/wire/x.ts', "import { XMLParser } from 'fast-xml-parser';\nexport const a = XMLParser;\n"],
  ['src/store/x.ts', "import { Kysely } from 'kysely';\nexport const a = Kysely;\n"],
];

interface LintResult {
  file: string;
  ruleIds: (string | null)[];
  messages: string[];
}

function lint(cases: [string, string][]): LintResult[] {
  const input = JSON.stringify(cases.map(([file, code]) => ({ file, code })));
  const out = execFileSync(process.execPath, [path.join(__dirname, 'lint-text.mjs'), root], { input });
  return JSON.parse(out.toString('utf8')) as LintResult[];
}

describe('lint: layering of DESIGN.md section 2', () => {
  // One ESLint start-up for all cases: it takes seconds.
  const results = lint([...rejected, ...allowed]);

  it.each(rejected.map((c, i) => [...c, i] as const))('rejects in %s: %s', (_file, _code, i) => {
    expect(results[i]?.ruleIds).toContain('no-restricted-imports');
  });

  it.each(allowed.map((c, i) => [...c, rejected.length + i] as const))(
    'allows in %s: %s',
    (_file, _code, i) => {
      expect(results[i]?.ruleIds).not.toContain('no-restricted-imports');
    },
  );
});
