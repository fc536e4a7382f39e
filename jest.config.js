// One jest run over every workspace; each project keeps its own config beside its code.
/** @type {import('jest').Config} */
module.exports = {
  projects: ['<rootDir>/provisioner', '<rootDir>/exporter', '<rootDir>/examples/marbles', '<rootDir>/test', '<rootDir>/dashboards'],
};
