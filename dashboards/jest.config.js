module.exports = { ...require('../jest.base.js'), displayName: 'dashboards' };
