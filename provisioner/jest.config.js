/** @type {import('jest').Config} */
module.exports = {
  displayName: 'provisioner',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
};
