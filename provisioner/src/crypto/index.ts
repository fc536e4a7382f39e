/** Crypto material for a Fabric network, replacing the cryptogen binary. */
export { generateCrypto, DEFAULT_VALID_DAYS } from './generate';
export * from './layout';
export { readSigningIdentity, readTlsMaterial, type SigningIdentity, type TlsMaterial } from './identity';
export { nodeOusConfig } from './msp';
export { assertValidSpec } from './validate';
export type * from './types';
