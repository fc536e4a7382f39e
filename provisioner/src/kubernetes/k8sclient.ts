// The one place @kubernetes/client-node is loaded. Version 2 ships only ES modules, which Node 24
// loads with require(). TypeScript (module Node16) refuses a static import of ESM from a CommonJS
// file, so the types come through a type-only import with resolution-mode 'import'; and jest's own
// module system (require, createRequire from 'node:module') cannot load ESM, so the require used is
// Node's own, from process.getBuiltinModule, the same in the CLI and under jest.
export type K8s = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });
const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
export const k8s: K8s = nodeRequire('@kubernetes/client-node') as K8s;
