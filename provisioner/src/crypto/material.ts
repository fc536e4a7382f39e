/**
 * Load-or-create for one key pair + certificate. Existing material is kept as long
 * as it is intact (key matches cert, cert chains to the current CA), so re-running
 * never rotates identities; broken or orphaned material is replaced.
 */
import { X509Certificate } from 'node:crypto';
import { x509 } from './x509';
import { certToPem, createCaCert, issueLeafCert, type CaSigner, type LeafParams, type Validity } from './ca';
import { writePublicFile, writeSecretFile, readIfExists } from './files';
import { generateKeyPair, importSigningKey, keyMatchesCert, privateKeyToPem } from './keys';

export type Status = 'created' | 'kept';

export interface KeyCertFiles {
  cert: string;
  key: string;
}

async function readPair(files: KeyCertFiles): Promise<{ certPem: string; keyPem: string } | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfExists(files.cert), readIfExists(files.key)]);
  if (certPem === undefined || keyPem === undefined || !keyMatchesCert(keyPem, certPem)) return undefined;
  return { certPem, keyPem };
}

// Key first, cert last: a cert on disk implies its key was fully written.
async function writePair(files: KeyCertFiles, keyPem: string, certPem: string): Promise<void> {
  await writeSecretFile(files.key, keyPem);
  await writePublicFile(files.cert, certPem);
}

export async function ensureCa(
  files: KeyCertFiles,
  cn: string,
  domain: string,
  v: Validity,
): Promise<{ ca: CaSigner; status: Status }> {
  const existing = await readPair(files);
  if (existing) {
    const cert = new x509.X509Certificate(existing.certPem);
    const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const key = await importSigningKey(existing.keyPem).catch(() => undefined);
    if (ski && key) return { ca: { cert, ski, key }, status: 'kept' };
  }
  const keys = await generateKeyPair();
  const cert = await createCaCert(keys, cn, domain, v);
  await writePair(files, privateKeyToPem(keys.privateKey), certToPem(cert));
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (!ski) throw new Error(`CA ${cn} was issued without a SubjectKeyIdentifier`);
  return { ca: { cert, ski, key: keys.privateKey }, status: 'created' };
}

function issuedBy(certPem: string, ca: CaSigner): boolean {
  try {
    const caKey = new X509Certificate(Buffer.from(ca.cert.rawData)).publicKey;
    return new X509Certificate(certPem).verify(caKey);
  } catch {
    return false;
  }
}

export async function ensureLeaf(files: KeyCertFiles, ca: CaSigner, p: LeafParams, v: Validity): Promise<Status> {
  const existing = await readPair(files);
  if (existing && issuedBy(existing.certPem, ca)) return 'kept';
  const keys = await generateKeyPair();
  const cert = await issueLeafCert(ca, keys.publicKey, p, v);
  await writePair(files, privateKeyToPem(keys.privateKey), certToPem(cert));
  return 'created';
}
