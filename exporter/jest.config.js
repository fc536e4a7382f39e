/** @type {import('jest').Config} */
module.exports = {
  displayName: 'exporter',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
};
