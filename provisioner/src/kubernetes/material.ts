import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

// One identity's crypto folder (an orderer's or peer's msp/ and tls/, a chaincode service's tls/)
// as a pod sees it: certificates and MSP config in a ConfigMap, private keys in a Secret (and only
// there), both projected into one volume that rebuilds the folder at the same path under the
// container's crypto root, so Fabric finds the layout it knows.

/** Where the crypto tree sits in every container: the local folder's layout, rebased. */
export const CONTAINER_CRYPTO_ROOT = '/etc/mictract/crypto';

export interface IdentityFiles {
  /** Path of the folder relative to the crypto root, e.g. peerOrganizations/org1.example.com/peers/peer0.org1.example.com. */
  readonly dir: string;
  /** ConfigMap data: key → file content (certificates, config.yaml). */
  readonly certs: Record<string, string>;
  /** Secret data: key → file content (private keys only). */
  readonly keys: Record<string, string>;
  /** key → the file's path inside the folder. */
  readonly paths: Record<string, string>;
}

/** A private key in PEM, whatever the file is called. */
export const isPrivateKey = (pem: string): boolean => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem);

/** ConfigMap and Secret keys allow [-._a-zA-Z0-9]: msp/signcerts/User1@org1.example.com-cert.pem → msp.signcerts.User1_org1.example.com-cert.pem */
function keyOf(rel: string): string {
  return rel.split(path.sep).map((part) => part.replace(/[^-._a-zA-Z0-9]/g, '_')).join('.');
}

/** Reads every file under cryptoRoot/dir. */
export async function readIdentityFiles(cryptoRoot: string, dir: string): Promise<IdentityFiles> {
  const abs = path.join(cryptoRoot, dir);
  const entries = await readdir(abs, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.relative(abs, path.join(e.parentPath, e.name))).sort();
  if (files.length === 0) throw new Error(`${abs} holds no crypto material; was it generated?`);
  const out: IdentityFiles = { dir, certs: {}, keys: {}, paths: {} };
  for (const rel of files) {
    const key = keyOf(rel);
    if (key in out.paths) throw new Error(`${abs}: ${rel} and ${out.paths[key]} map to the same key ${key}`);
    const content = await readFile(path.join(abs, rel), 'utf8');
    (isPrivateKey(content) ? out.keys : out.certs)[key] = content;
    out.paths[key] = rel.split(path.sep).join('/');
  }
  return out;
}

/** Where a file of the local crypto tree is inside the containers. */
export function containerCryptoPath(cryptoRoot: string, localFile: string): string {
  const rel = path.relative(cryptoRoot, localFile);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${localFile} is not under the crypto root ${cryptoRoot}`);
  return path.posix.join(CONTAINER_CRYPTO_ROOT, ...rel.split(path.sep));
}
