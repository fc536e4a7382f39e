import { KeyObject, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { certToPem, createCaCert, validity } from '../crypto/ca';
import { type KeyPair, generateKeyPair, privateKeyToPem, subjectKeyId } from '../crypto/keys';
import { x509 } from '../crypto/x509';

// The certificates of a throwaway control plane on 127.0.0.1 (tests and the bench), made with the
// provisioner's own crypto helpers: one CA for clients and the API server (the
// request-header proxy has one of its own), the API server's serving certificate, a client certificate per component
// (the admin in system:masters; controller-manager and scheduler under their own user names, which
// RBAC's bootstrap roles know), and the service-account signing key. Each identity gets a kubeconfig.

export interface ControlPlanePki {
  readonly dir: string;
  readonly caCert: string;
  /** A CA of its own for the request-header (front-proxy) clients: it must not overlap the client CA. */
  readonly frontProxyCaCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Signs service-account tokens (PKCS#8, P-256); the API server verifies them with serviceAccountPub. */
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  /** kubeconfig files by identity. */
  readonly kubeconfigs: { readonly admin: string; readonly controllerManager: string; readonly scheduler: string };
  /** The admin's client certificate and key, for direct HTTPS (readiness). */
  readonly adminCert: string;
  readonly adminKey: string;
}

const { digitalSignature, keyEncipherment } = x509.KeyUsageFlags;
const { serverAuth, clientAuth } = x509.ExtendedKeyUsage;

async function leaf(ca: { cert: x509.X509Certificate; key: KeyPair }, subject: string, use: 'server' | 'client', sans: { dns?: string[]; ip?: string[] } = {}): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const v = validity(new Date(), 2);
  const names: x509.JsonGeneralNames = [...(sans.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(sans.ip ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '1'),
    issuer: ca.cert.subjectName,
    subject,
    publicKey: keys.publicKey,
    signingKey: ca.key.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    ...v,
    extensions: [
      new x509.KeyUsagesExtension(digitalSignature | keyEncipherment, true),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([use === 'server' ? serverAuth : clientAuth]),
      new x509.SubjectKeyIdentifierExtension(await subjectKeyId(keys.publicKey)),
      new x509.AuthorityKeyIdentifierExtension(await subjectKeyId(ca.key.publicKey)),
      ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
    ],
  });
  return { certPem: certToPem(cert), keyPem: privateKeyToPem(keys.privateKey) };
}

function kubeconfig(server: string, caFile: string, user: string, certFile: string, keyFile: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'mictract-test', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: { 'client-certificate': certFile, 'client-key': keyFile } }],
    contexts: [{ name: 'mictract-test', context: { cluster: 'mictract-test', user, namespace: 'default' } }],
    'current-context': 'mictract-test',
  });
}

/** Writes the PKI and kubeconfigs for an API server at `server` (https://127.0.0.1:PORT) into dir. */
export async function writeControlPlanePki(dir: string, server: string, serviceClusterIp: string): Promise<ControlPlanePki> {
  const caKeys = await generateKeyPair();
  const caCert = await createCaCert(caKeys, 'mictract-test-ca', 'mictract', validity(new Date(), 2));
  const ca = { cert: caCert, key: caKeys };
  const frontProxyCa = await createCaCert(await generateKeyPair(), 'mictract-test-front-proxy-ca', 'mictract', validity(new Date(), 2));
  const file = (name: string) => path.join(dir, name);
  const write = (name: string, content: string, mode = 0o600) => writeFile(file(name), content, { mode });
  const [srv, admin, cm, sched, saKeys] = await Promise.all([
    leaf(ca, 'CN=kube-apiserver', 'server', { dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'], ip: ['127.0.0.1', serviceClusterIp] }),
    leaf(ca, 'CN=mictract-admin, O=system:masters', 'client'),
    leaf(ca, 'CN=system:kube-controller-manager', 'client'),
    leaf(ca, 'CN=system:kube-scheduler', 'client'),
    generateKeyPair(),
  ]);
  await Promise.all([
    write('ca.crt', certToPem(caCert), 0o644),
    write('front-proxy-ca.crt', certToPem(frontProxyCa), 0o644),
    write('apiserver.crt', srv.certPem, 0o644),
    write('apiserver.key', srv.keyPem),
    write('admin.crt', admin.certPem, 0o644),
    write('admin.key', admin.keyPem),
    write('controller-manager.crt', cm.certPem, 0o644),
    write('controller-manager.key', cm.keyPem),
    write('scheduler.crt', sched.certPem, 0o644),
    write('scheduler.key', sched.keyPem),
    write('service-account.key', privateKeyToPem(saKeys.privateKey)),
    write('service-account.pub', KeyObject.from(saKeys.publicKey).export({ type: 'spki', format: 'pem' }).toString(), 0o644),
  ]);
  const ks = {
    admin: file('admin.kubeconfig'),
    controllerManager: file('controller-manager.kubeconfig'),
    scheduler: file('scheduler.kubeconfig'),
  };
  await Promise.all([
    write('admin.kubeconfig', kubeconfig(server, file('ca.crt'), 'mictract-admin', file('admin.crt'), file('admin.key'))),
    write('controller-manager.kubeconfig', kubeconfig(server, file('ca.crt'), 'system:kube-controller-manager', file('controller-manager.crt'), file('controller-manager.key'))),
    write('scheduler.kubeconfig', kubeconfig(server, file('ca.crt'), 'system:kube-scheduler', file('scheduler.crt'), file('scheduler.key'))),
  ]);
  return {
    dir,
    caCert: file('ca.crt'),
    frontProxyCaCert: file('front-proxy-ca.crt'),
    serverCert: file('apiserver.crt'),
    serverKey: file('apiserver.key'),
    serviceAccountKey: file('service-account.key'),
    serviceAccountPub: file('service-account.pub'),
    kubeconfigs: ks,
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
  };
}
