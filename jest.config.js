/** @type {import('jest').Config} */
module.exports = {
  // jest's node environment, recording each test's time and timeout (see the file).
  testEnvironment: '<rootDir>/test/support/timed-environment.js',
  // At least 3x what any test without its own timeout took under `make test` on the loaded 2-core
  // machine (the slowest, test/config/fuzz.test.ts, about 8 s); bench/results.md lists the margins.
  testTimeout: 30_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['js', 'ts', 'json'],
};
