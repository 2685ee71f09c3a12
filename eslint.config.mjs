// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The layering of DESIGN.md section 2, as lint rules rather than goodwill:
 *  - each third-party library is imported only by the folder that owns it;
 *  - the domain (labs, controller, commands, reaper but its schedule) imports no framework and no adapter.
 * ESLint flat config does not merge two settings of one rule, so each area gets exactly one computed block.
 */
const libraries = {
  '@slack/bolt': 'slack',
  '@slack/web-api': 'slack',
  '@slack/logger': 'slack',
  axios: 'vcd',
  'fast-xml-parser': 'vcd/wire',
  kysely: 'store',
  'better-sqlite3': 'store',
  pg: 'store',
  pino: 'observability',
  'prom-client': 'observability',
  'node-cron': 'reaper/schedule',
  zod: 'config',
  yaml: 'config',
};

const adapterFolders = ['vcd', 'vcdsim', 'slack', 'store', 'shell', 'observability', 'config'];
const domainMessage = 'The domain talks to the world only through labs/ports.ts (DESIGN.md section 2).';

/** @param {string} area @param {string[]} files @param {boolean} domain */
function areaBlock(area, files, domain) {
  const paths = Object.entries(libraries)
    .filter(([, owner]) => owner !== area)
    .map(([name, owner]) => ({
      name,
      message: domain ? domainMessage : `${name} is owned by src/${owner}: go through that module.`,
    }));
  const patterns = domain
    ? [
        {
          group: adapterFolders.flatMap((f) => [`**/${f}`, `**/${f}/**`]).concat(['**/main', '**/cli']),
          message: domainMessage,
        },
      ]
    : [];
  return { files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } };
}

const areas = [
  areaBlock('labs', ['src/labs/**/*.ts'], true),
  areaBlock('controller', ['src/controller/**/*.ts'], true),
  areaBlock('commands', ['src/commands/**/*.ts'], true),
  { ...areaBlock('reaper', ['src/reaper/**/*.ts'], true), ignores: ['src/reaper/schedule.ts'] },
  areaBlock('reaper/schedule', ['src/reaper/schedule.ts'], false),
  areaBlock('config', ['src/config/**/*.ts'], false),
  areaBlock('slack', ['src/slack/**/*.ts'], false),
  areaBlock('shell', ['src/shell/**/*.ts'], false),
  { ...areaBlock('vcd', ['src/vcd/**/*.ts'], false), ignores: ['src/vcd/wire/**'] },
  areaBlock('vcd/wire', ['src/vcd/wire/**/*.ts'], false),
  areaBlock('vcdsim', ['src/vcdsim/**/*.ts'], false),
  areaBlock('store', ['src/store/**/*.ts'], false),
  areaBlock('observability', ['src/observability/**/*.ts'], false),
  areaBlock('root', ['src/*.ts'], false),
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'data/**',
      'bin/**',
      'jest.config.js',
      'test/lint-fixtures/**',
      // StrykerJS: its jest configuration (CommonJS, like jest.config.js), sandboxes and reports.
      'jest.mutation.config.js',
      '.stryker-tmp*/**',
      'reports/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Named exports only; import cycles are caught by test/lint/import-cycles.test.ts (the import plugins need
      // native resolver bindings whose lock-file entries npm cannot keep in sync here).
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
      curly: ['error', 'all'],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  ...areas,
  {
    // Tests and benchmarks build fixtures and fakes with any library, and print what they measure.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      'no-console': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Small ESM helpers that tests run in child processes (libxml2-wasm and ESLint are ESM-only): no type info.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-undef': 'off', 'no-console': 'off' },
  },
  // ESLint requires its config to be a default export.
  { files: ['eslint.config.mjs'], rules: { 'no-restricted-syntax': 'off' } },
);
