/** Reads generated material back in the shapes clients need (fabric-gateway, gRPC TLS). */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { MspPaths, TlsPaths } from './layout';

export interface SigningIdentity {
  /** Pass as `identity` to fabric-gateway's connect(). */
  identity: { mspId: string; credentials: Uint8Array };
  certificatePem: string;
  /** Pass to signers.newPrivateKeySigner(). */
  privateKey: KeyObject;
}

export async function readSigningIdentity(msp: Pick<MspPaths, 'signcert' | 'key'>, mspId: string): Promise<SigningIdentity> {
  const [certificatePem, keyPem] = await Promise.all([readFile(msp.signcert, 'utf8'), readFile(msp.key, 'utf8')]);
  return {
    identity: { mspId, credentials: new TextEncoder().encode(certificatePem) },
    certificatePem,
    privateKey: createPrivateKey(keyPem),
  };
}

/** Buffers in the order grpc.credentials.createSsl(rootCerts, privateKey, certChain) and tls.connect want them. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export async function readTlsMaterial(tls: Pick<TlsPaths, 'ca' | 'cert' | 'key'>): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all([readFile(tls.ca), readFile(tls.cert), readFile(tls.key)]);
  return { ca, cert, key };
}
