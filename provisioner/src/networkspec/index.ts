export * from './schema';
export * from './specerror';
export * from './network';
export * from './loadspec';
export * from './portcheck';
