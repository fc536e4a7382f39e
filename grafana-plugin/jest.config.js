// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');
const swc = base.transform['^.+\\.(t|j)sx?$'];

/** @type {import('jest').Config} */
module.exports = {
  // Jest configuration provided by Grafana scaffolding, extended (see .config/README.md):
  ...base,
  displayName: 'grafana-plugin',
  // the page tests beside the code, and the archive and browser tests in tests/
  testMatch: [...base.testMatch, '<rootDir>/tests/**/*.test.ts'],
  transform: {
    ...base.transform,
    // some ESM-only dependencies of @grafana/* ship .mjs (d3-color 3.1.1); compile them like the rest
    '^.+\\.mjs$': swc,
  },
  // plus @noble/* (ESM only), which the browser test reaches through @mictract/provisioner's fabric-gateway
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@noble'])],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
