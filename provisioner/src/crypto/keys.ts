/** ECDSA P-256 keys with SHA-256: what cryptogen issues and Fabric's default BCCSP expects. */
import { createHash, createPrivateKey, createPublicKey, KeyObject, webcrypto, X509Certificate } from 'node:crypto';

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export type KeyPair = webcrypto.CryptoKeyPair;
export type PrivateKey = webcrypto.CryptoKey;

export async function generateKeyPair(): Promise<KeyPair> {
  // Extractable so the private key can be written out as PKCS#8.
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

export function privateKeyToPem(key: PrivateKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Imports a PEM key for certificate signing; throws if it is not a P-256 key. */
export async function importSigningKey(pem: string): Promise<PrivateKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, EC_P256, false, ['sign']);
}

/** The key pair of a PEM private key, to certify it again; throws if it is not a P-256 key. */
export async function importKeyPair(pem: string): Promise<KeyPair> {
  const privateKey = await importSigningKey(pem);
  const spki = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
  // Extractable: the SKI is computed from the raw point.
  const publicKey = await webcrypto.subtle.importKey('spki', spki, EC_P256, true, ['verify']);
  return { privateKey, publicKey };
}

/**
 * SHA-256 over the uncompressed EC point, as cryptogen/BCCSP compute the SKI
 * (RFC 5280's SHA-1 method would also be legal, but matching Fabric avoids surprises).
 */
export async function subjectKeyId(publicKey: webcrypto.CryptoKey): Promise<string> {
  const point = await webcrypto.subtle.exportKey('raw', publicKey);
  return createHash('sha256').update(Buffer.from(point)).digest('hex');
}

/** True when the PEM private key is the one certified by the PEM certificate. */
export function keyMatchesCert(keyPem: string, certPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
