/** @type {import('jest').Config} */
module.exports = {
  // jest's node environment, recording each test's time and timeout (see the file).
  testEnvironment: '<rootDir>/test/support/timed-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['js', 'ts', 'json'],
};
