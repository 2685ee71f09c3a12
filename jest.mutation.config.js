/**
 * The jest configuration StrykerJS runs (stryker.config.json, docs/mutation-testing.md): only the fast tests of
 * the folders it mutates (src/labs, src/controller, src/reaper, src/commands). Stryker runs, for every mutant, the
 * tests that cover it (coverageAnalysis perTest), so a slow end-to-end suite here costs its time thousands of times.
 *
 * jest.config.js is a set of projects (unit, store, e2e, reliability); a top-level `roots` beside `projects` is
 * ignored, so this is one project of its own: the unit project's transform and setup, and the mutated folders'
 * tests only.
 *
 * MUTATION_TESTS (comma-separated test files, relative to the repository) narrows the run to those files, e.g. a
 * pure function's own table test, when the suites that drive it through the controller are too slow to run per
 * mutant (a mutant that makes the controller loop only ends at Stryker's timeout).
 */
const base = require('./jest.config.js');

const unit = base.projects.find((project) => project.displayName === 'unit');
if (unit === undefined) {
  throw new Error('jest.config.js has no "unit" project to take the transform and setup from');
}
// The unit project's own test selection is replaced below.
const { displayName, roots, testMatch, testPathIgnorePatterns, ...unitSettings } = unit;
// The projects are replaced by the one project below.
const { projects, ...runSettings } = base;

const only = (process.env.MUTATION_TESTS ?? '')
  .split(',')
  .map((file) => file.trim())
  .filter((file) => file !== '');

/** @type {import('jest').Config} */
module.exports = {
  ...runSettings,
  ...unitSettings,
  // Only the folders that hold the selected tests: jest crawls every root on each of Stryker's thousands of runs.
  roots:
    only.length > 0
      ? ['<rootDir>/test']
      : ['labs', 'controller', 'reaper', 'commands', 'slack'].map((folder) => `<rootDir>/test/${folder}`),
  testMatch:
    only.length > 0
      ? only.map((file) => `<rootDir>/${file}`)
      : [
          ...['labs', 'controller', 'reaper', 'commands'].map(
            (folder) => `<rootDir>/test/${folder}/**/*.test.ts`,
          ),
          // Pure tests of src/commands/deploy-form.ts (with the modal that shows it), fast; the rest of test/slack
          // drives Bolt over HTTP and is left out.
          '<rootDir>/test/slack/deploy-form.test.ts',
        ],
  // The simulator, real VCD client and SQLite end to end (and, for the ticket hook, Bolt over HTTP): ~19 s a run
  // each, and the unit tests of src/reaper cover what they drive.
  testPathIgnorePatterns: [
    '/node_modules/',
    '/test/reaper/reaper-e2e\\.test\\.ts$',
    '/test/reaper/ticket-hook-reaper-e2e\\.test\\.ts$',
  ],
};
