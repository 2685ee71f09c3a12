/**
 * The jest configuration StrykerJS runs (stryker.config.json, docs/mutation-testing.md): only the fast tests of
 * the folders it mutates (src/labs, src/controller, src/reaper, src/commands). Stryker runs, for every mutant, the
 * tests that cover it (coverageAnalysis perTest), so a slow end-to-end suite here costs its time thousands of times.
 */
const base = require('./jest.config.js');

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
};
