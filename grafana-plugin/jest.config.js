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
  // plus @noble/* (ESM only), which the browser test reaches through @mictract/provisioner's fabric-gateway,
  // and the d3 modules @grafana/flamegraph imports (ESM only: d3-array, its internmap, ...)
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@noble', 'd3-[a-z-]+', 'internmap', 'delaunator', 'robust-predicates'])],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // @grafana/flamegraph 11.3 brings its own React 18.2 and @grafana/ui/data 11.3; in Grafana (and in the
  // webpack build) those are externals, Grafana's one copy, so map them to the plugin's copies here too
  // (two Reacts break hooks)
  moduleNameMapper: {
    ...base.moduleNameMapper,
    '^react$': require.resolve('react'),
    '^react/jsx-runtime$': require.resolve('react/jsx-runtime'),
    '^react-dom$': require.resolve('react-dom'),
    '^@grafana/(data|ui|runtime|schema|e2e-selectors)$': '<rootDir>/../node_modules/@grafana/$1',
  },
};
