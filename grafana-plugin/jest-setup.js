// Jest setup provided by Grafana scaffolding — for the jsdom tests only (the browser test runs in node)
if (typeof window !== 'undefined') {
  require('./.config/jest-setup');
  // pages load lazily (React.lazy) and the first import of @grafana/ui is slow on a shared machine
  require('@testing-library/react').configure({ asyncUtilTimeout: 10000 });
}
