// What every workspace's jest project shares. @hyperledger/fabric-gateway 1.12 depends on @noble/curves
// and @noble/hashes, which ship only ES modules; Node 24 loads them with require(), but jest's own
// module system does not, so ts-jest compiles those two packages to CommonJS for the tests.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '/node_modules/@noble/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' }, isolatedModules: true }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@noble/)'],
};
