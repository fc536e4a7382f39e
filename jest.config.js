// One jest run over every workspace; each project keeps its own config beside its code.
/** @type {import('jest').Config} */
module.exports = {
  // A global option (jest ignores it in a project's config): tests here start real processes
  // (Fabric, chaincode, Jaeger, Prometheus) on a shared 2-core machine, where jest's 5 s default
  // fails them under load, not for a fault. Slow suites set their own.
  testTimeout: 60_000,
  projects: ['<rootDir>/provisioner', '<rootDir>/exporter', '<rootDir>/examples/marbles', '<rootDir>/test', '<rootDir>/dashboards', '<rootDir>/grafana-plugin'],
};
