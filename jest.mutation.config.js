/**
 * The jest configuration StrykerJS runs (stryker.config.json, docs/mutation-testing.md): only the fast tests of
 * the folders it mutates (src/labs, src/controller, src/reaper, src/commands). Stryker runs, for every mutant, the
 * tests that cover it (coverageAnalysis perTest), so a slow end-to-end suite here costs its time thousands of times.
 *
 * MUTATION_TESTS (comma-separated test files, relative to the repository) narrows the run to those files, e.g. a
 * pure function's own table test, when the suites that drive it through the controller are too slow to run per
 * mutant (a mutant that makes the controller loop only ends at Stryker's timeout).
 */
const base = require('./jest.config.js');

const only = (process.env.MUTATION_TESTS ?? '')
  .split(',')
  .map((file) => file.trim())
  .filter((file) => file !== '');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: [
    '<rootDir>/test/labs',
    '<rootDir>/test/controller',
    '<rootDir>/test/reaper',
    '<rootDir>/test/commands',
  ],
  // The simulator, real VCD client and SQLite end to end: ~19 s a run, and the unit tests of src/reaper cover it.
  testPathIgnorePatterns: ['/node_modules/', '/test/reaper/reaper-e2e\\.test\\.ts$'],
  ...(only.length > 0
    ? { roots: ['<rootDir>/test'], testMatch: only.map((file) => `<rootDir>/${file}`) }
    : {}),
};
