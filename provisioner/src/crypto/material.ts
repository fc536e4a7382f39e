/**
 * Load-or-create for one key pair + certificate. Existing material is kept as long
 * as it is intact (key matches cert, cert chains to the current CA), so re-running
 * never rotates identities; broken or orphaned material is replaced. A leaf certificate
 * that has expired, expires soon, or names the wrong host is reissued for the same key.
 */
import { X509Certificate } from 'node:crypto';
import { x509 } from './x509';
import { certToPem, createCaCert, issueLeafCert, type CaSigner, type LeafParams, type Validity } from './ca';
import { writePublicFile, writeSecretFile, readIfExists } from './files';
import { generateKeyPair, importKeyPair, importSigningKey, keyMatchesCert, privateKeyToPem } from './keys';

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

/** A leaf with less than this much validity left is reissued (when its CA allows a longer one). */
export const RENEW_WITHIN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** Why an intact leaf certificate must be reissued at `now`, or undefined when it can be kept. */
export function leafReissueReason(certPem: string, ca: CaSigner, p: LeafParams, now: Date): string | undefined {
  const cert = new x509.X509Certificate(certPem);
  if (cert.notBefore > now) return `not valid until ${cert.notBefore.toISOString()}`;
  if (cert.notAfter <= now) return `expired on ${cert.notAfter.toISOString()}`;
  // Renew ahead of expiry, unless the CA itself ends first: a new leaf could not last longer.
  if (cert.notAfter.getTime() - now.getTime() < RENEW_WITHIN_DAYS * DAY_MS && cert.notAfter < ca.cert.notAfter) {
    return `expires on ${cert.notAfter.toISOString()}, within ${RENEW_WITHIN_DAYS} days`;
  }
  const cn = cert.subjectName.getField('CN');
  if (!sameSet(cn, [p.cn])) return `issued for CN ${cn.join(',')}, not ${p.cn}`;
  const ou = cert.subjectName.getField('OU');
  if (!sameSet(ou, p.ou ? [p.ou] : [])) return `issued with OU ${ou.join(',') || 'none'}, not ${p.ou ?? 'none'}`;
  const sans = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value) ?? [];
  if (!sameSet(sans, p.sans ?? [])) return `issued for ${sans.join(', ') || 'no names'}, not ${(p.sans ?? []).join(', ') || 'no names'}`;
  return undefined;
}

/**
 * Keeps an intact, current leaf whose names match; otherwise issues a new certificate, for the key
 * already on disk when there is a usable one (a reissue never changes who holds the identity), or
 * for a new key.
 */
export async function ensureLeaf(files: KeyCertFiles, ca: CaSigner, p: LeafParams, v: Validity, now: Date): Promise<Status> {
  const existing = await readPair(files);
  if (existing && issuedBy(existing.certPem, ca) && leafReissueReason(existing.certPem, ca, p, now) === undefined) return 'kept';
  const keyPem = await readIfExists(files.key);
  const kept = keyPem === undefined ? undefined : await importKeyPair(keyPem).catch(() => undefined);
  const keys = kept ?? (await generateKeyPair());
  const cert = await issueLeafCert(ca, keys.publicKey, p, v);
  if (kept) await writePublicFile(files.cert, certToPem(cert));
  else await writePair(files, privateKeyToPem(keys.privateKey), certToPem(cert));
  return 'created';
}
