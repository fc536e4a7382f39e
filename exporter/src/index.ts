export * from './traceidentity';
export * from './derivedidgenerator';
export * from './tracing';
