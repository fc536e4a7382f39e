/** Certificate templates matching what cryptogen issues, so Fabric's MSP and Go TLS accept them. */
import { x509 } from './x509';
import { subjectKeyId, type KeyPair, type PrivateKey } from './keys';

// cryptogen's fixed locality; Fabric does not care, but tools and docs expect it.
const LOCALITY: x509.JsonName = [{ C: ['US'] }, { ST: ['California'] }, { L: ['San Francisco'] }];

const DAY_MS = 24 * 60 * 60 * 1000;
// Backdate a little so freshly issued certs are valid on hosts whose clock lags.
const BACKDATE_MS = 5 * 60 * 1000;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function validity(now: Date, validDays: number): Validity {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  return { notBefore, notAfter: new Date(notBefore.getTime() + validDays * DAY_MS) };
}

/** A CA able to sign: its certificate, SKI (reused as leaves' AKI) and private key. */
export interface CaSigner {
  cert: x509.X509Certificate;
  ski: string;
  key: PrivateKey;
}

const { digitalSignature, keyEncipherment, keyCertSign, cRLSign } = x509.KeyUsageFlags;
const { serverAuth, clientAuth } = x509.ExtendedKeyUsage;

/** Self-signed root: O=<domain>, CN=ca.<domain> or tlsca.<domain>. */
export async function createCaCert(keys: KeyPair, cn: string, domain: string, v: Validity): Promise<x509.X509Certificate> {
  const ski = await subjectKeyId(keys.publicKey);
  return x509.X509CertificateGenerator.createSelfSigned({
    keys,
    name: [...LOCALITY, { O: [domain] }, { CN: [cn] }],
    ...v,
    extensions: [
      new x509.KeyUsagesExtension(digitalSignature | keyEncipherment | keyCertSign | cRLSign, true),
      new x509.ExtendedKeyUsageExtension([clientAuth, serverAuth]),
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectKeyIdentifierExtension(ski),
    ],
  });
}

export type LeafUse = 'sign' | 'tls-server' | 'tls-client';

export interface LeafParams {
  cn: string;
  /** NodeOU (peer, orderer, admin, client) for enrollment certs. */
  ou?: string;
  /** DNS names or IP addresses. */
  sans?: string[];
  use: LeafUse;
}

function altNames(sans: string[]): x509.JsonGeneralNames {
  const isIp = (s: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
  return sans.map((value) => ({ type: isIp(value) ? 'ip' : 'dns', value }));
}

/** Leaf certificate signed by the CA; like cryptogen's, its subject has no O. */
export async function issueLeafCert(
  ca: CaSigner,
  publicKey: KeyPair['publicKey'],
  p: LeafParams,
  v: Validity,
): Promise<x509.X509Certificate> {
  const tls = p.use !== 'sign';
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(tls ? digitalSignature | keyEncipherment : digitalSignature, true),
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.SubjectKeyIdentifierExtension(await subjectKeyId(publicKey)),
    new x509.AuthorityKeyIdentifierExtension(ca.ski),
  ];
  if (p.use === 'tls-server') extensions.push(new x509.ExtendedKeyUsageExtension([serverAuth, clientAuth]));
  if (p.use === 'tls-client') extensions.push(new x509.ExtendedKeyUsageExtension([clientAuth]));
  if (p.sans?.length) extensions.push(new x509.SubjectAlternativeNameExtension(altNames(p.sans)));

  // A leaf must not outlive its issuer (matters when a kept CA is older than this run).
  const notAfter = v.notAfter < ca.cert.notAfter ? v.notAfter : ca.cert.notAfter;
  return x509.X509CertificateGenerator.create({
    // Reuse the CA's parsed subject so issuer bytes equal the CA subject bytes (Go matches them byte-wise).
    issuer: ca.cert.subjectName,
    subject: [...LOCALITY, ...(p.ou ? [{ OU: [p.ou] }] : []), { CN: [p.cn] }],
    publicKey,
    signingKey: ca.key,
    notBefore: v.notBefore,
    notAfter,
    extensions,
  });
}

export function certToPem(cert: x509.X509Certificate): string {
  // PEM with LF line endings and a trailing newline, like openssl and cryptogen write.
  return `${cert.toString('pem').replace(/\r\n/g, '\n').trim()}\n`;
}
