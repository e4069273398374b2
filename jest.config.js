// Jest projects, one per test level (see TESTING.md). Unit tests sit next to the code; suites that
// need real processes (Redis, kong-sim, child processes) live under test/.
// Transpile only (isolatedModules): `npm run typecheck` checks types once, before jest runs.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }];
const moduleNameMapper = {
  '^@kong-registry/(sdk|kong-sim|registry|kong-plugin)$': '<rootDir>/$1/src/index.ts',
};
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper,
  setupFilesAfterEnv: ['<rootDir>/test/helpers/jest-setup.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{sdk,kong-sim,registry,kong-plugin,cli}/src/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    { ...common, displayName: 'contract', testMatch: ['<rootDir>/test/contract/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    {
      ...common,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.(chaos|soak)\\.test\\.ts$'],
    },
    // Long fault runs (`npm run test:chaos`), kept out of `npm test`'s time budget.
    ...(process.env.KR_CHAOS === '1'
      ? [
          {
            ...common,
            displayName: 'chaos',
            testMatch: ['<rootDir>/test/reliability/**/*.chaos.test.ts'],
          },
        ]
      : []),
    // The soak scenarios (`npm run soak`, scripts/soak.sh): tens of minutes each.
    ...(process.env.KR_SOAK === '1'
      ? [
          {
            ...common,
            displayName: 'soak',
            testMatch: ['<rootDir>/test/reliability/**/*.soak.test.ts'],
          },
        ]
      : []),
  ],
};
