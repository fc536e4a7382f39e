/** @type {import('jest').Config} */
module.exports = { ...require('../../jest.base.js'), displayName: 'marbles', setupFiles: ['<rootDir>/jest.setup.js'] };
