/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is `npm run typecheck`'s job: with isolatedModules (tsconfig) ts-jest only transpiles,
    // which keeps the suite fast on 2 cores.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 30000,
};
