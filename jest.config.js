/**
 * One jest run, four projects that can also run apart (`npm run test:unit`, `test:store`, `test:e2e`,
 * `test:reliability`, or `npx jest --selectProjects unit`):
 * - unit: the domain, commands, controller, reaper, adapters against fakes and fake servers (fast; the default home
 *   of a new test folder, so nothing is left out of `npm test`);
 * - store: the Kysely store and the port contracts on SQLite and PostgreSQL (LABBOT_TEST_DATABASE_URL);
 * - e2e: the bot and the client against the simulator over HTTP, and the fuzz suites;
 * - reliability: processes killed and restarted at random VCD calls (the slowest).
 * @type {import('jest').Config}
 */

// Every test sees UTC, so that rendered times and cost windows do not depend on the machine's zone. Set here, in the
// process that reads this file and then starts the workers (they inherit it): a setup file cannot, because jest gives
// each test file a copy of process.env, and only the real one makes Node switch zones (test/lint/time-zone.test.ts).
process.env.TZ = 'UTC';

const shared = {
  testEnvironment: 'node',
  transform: {
    // Type checking is `npm run typecheck`'s job: with isolatedModules (tsconfig) ts-jest only transpiles,
    // which keeps the suite fast on 2 cores.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
};

const folders = {
  store: ['store', 'contracts'],
  e2e: ['e2e', 'vcdsim', 'fuzz'],
  reliability: ['reliability'],
};

const under = (names) => names.map((name) => `<rootDir>/test/${name}/**/*.test.ts`);

module.exports = {
  testTimeout: 30000,
  // On CI's 2 cores jest runs every suite in its main process (one worker: in band), so one handle a test leaks
  // intermittently (seen once on 2026-12-02, not found: every project exits alone) would hang the build instead of
  // ending it. CI ends once the results are in; locally jest still reports "did not exit" so a leak gets looked at.
  forceExit: process.env.CI === 'true',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        ...Object.values(folders)
          .flat()
          .map((name) => `/test/${name}/`),
      ],
    },
    ...Object.entries(folders).map(([displayName, names]) => ({
      ...shared,
      displayName,
      roots: ['<rootDir>/test'],
      testMatch: under(names),
    })),
  ],
};
