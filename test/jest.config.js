/** @type {import('jest').Config} */
module.exports = {
  displayName: 'test',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
};
