import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { access, readFile, stat } from 'node:fs/promises';
import { generateCrypto } from './generate';
import { readSigningIdentity } from './identity';
import {
  caPaths,
  nodePaths,
  orgMspPaths,
  tlsCaPaths,
  userPaths,
  type IdentityPaths,
  type OrgRef,
} from './layout';
import { openssl, tempRoot, TWO_ORG_SPEC } from './testing';
import type { CryptoSummary } from './types';
import { x509 } from './x509';

interface Identity {
  org: OrgRef;
  mspId: string;
  paths: IdentityPaths;
  ou: string;
  tlsRole: 'server' | 'client';
}

const ordererOrg: OrgRef = { kind: 'orderer', domain: 'example.com' };
const org1: OrgRef = { kind: 'peer', domain: 'org1.example.com' };
const org2: OrgRef = { kind: 'peer', domain: 'org2.example.com' };

let root: string;
let cleanup: () => Promise<void>;
let summary: CryptoSummary;
let identities: Identity[];

beforeAll(async () => {
  openssl(['version']); // fail early, with a clear message, if openssl is missing
  ({ dir: root, cleanup } = await tempRoot());
  summary = await generateCrypto(TWO_ORG_SPEC, root);
  identities = [
    ...['orderer0', 'orderer1'].map((h) => ({ org: ordererOrg, mspId: 'OrdererMSP', paths: nodePaths(root, ordererOrg, h), ou: 'orderer', tlsRole: 'server' as const })),
    { org: ordererOrg, mspId: 'OrdererMSP', paths: userPaths(root, ordererOrg, 'Admin'), ou: 'admin', tlsRole: 'client' },
    ...[
      { org: org1, mspId: 'Org1MSP' },
      { org: org2, mspId: 'Org2MSP' },
    ].flatMap(({ org, mspId }) => [
      { org, mspId, paths: nodePaths(root, org, 'peer0'), ou: 'peer', tlsRole: 'server' as const },
      { org, mspId, paths: userPaths(root, org, 'Admin'), ou: 'admin', tlsRole: 'client' as const },
      { org, mspId, paths: userPaths(root, org, 'User1'), ou: 'client', tlsRole: 'client' as const },
    ]),
  ];
});

afterAll(() => cleanup());

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

test('reports every CA and identity as created on a fresh directory', () => {
  // 3 orgs x (ca + tlsca) + 9 nodes/users x (msp + tls)
  expect(summary.created).toHaveLength(3 * 2 + 9 * 2);
  expect(summary.kept).toEqual([]);
  expect(summary.created).toContainEqual({
    mspId: 'Org1MSP',
    cn: 'peer0.org1.example.com',
    kind: 'tls',
    certPath: nodePaths(root, org1, 'peer0').tls.cert,
  });
});

test('lays out the standard Fabric MSP folders', async () => {
  const files: string[] = [];
  for (const org of [ordererOrg, org1, org2]) {
    const msp = orgMspPaths(root, org);
    files.push(caPaths(root, org).cert, caPaths(root, org).key, tlsCaPaths(root, org).cert, tlsCaPaths(root, org).key);
    files.push(msp.cacert, msp.tlscacert, msp.config);
  }
  for (const { paths } of identities) {
    const { msp, tls } = paths;
    files.push(msp.signcert, msp.key, msp.cacert, msp.tlscacert, msp.config, tls.ca, tls.cert, tls.key);
  }
  await Promise.all(files.map((f) => access(f)));
  expect(files).toContain(`${root}/peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls/server.key`);
  expect(files).toContain(`${root}/peerOrganizations/org2.example.com/users/User1@org2.example.com/msp/keystore/priv_sk`);
  expect(files).toContain(`${root}/ordererOrganizations/example.com/orderers/orderer1.example.com/msp/signcerts/orderer1.example.com-cert.pem`);
  expect(files).toContain(`${root}/ordererOrganizations/example.com/msp/cacerts/ca.example.com-cert.pem`);
});

test('config.yaml enables NodeOUs pointing at the org CA', async () => {
  const config = await readFile(orgMspPaths(root, org1).config, 'utf8');
  expect(config).toMatch(/^NodeOUs:\n {2}Enable: true\n/);
  for (const ou of ['client', 'peer', 'admin', 'orderer']) {
    expect(config).toContain(`    Certificate: cacerts/ca.org1.example.com-cert.pem\n    OrganizationalUnitIdentifier: ${ou}\n`);
  }
  expect(await readFile(nodePaths(root, org1, 'peer0').msp.config, 'utf8')).toBe(config);
});

test('CAs are self-signed P-256 roots with the expected subject and extensions', () => {
  for (const { path: ca, cn } of [
    { path: caPaths(root, org1).cert, cn: 'ca.org1.example.com' },
    { path: tlsCaPaths(root, org1).cert, cn: 'tlsca.org1.example.com' },
  ]) {
    const text = openssl(['x509', '-noout', '-text', '-in', ca]).output;
    expect(text).toContain(`Subject: C = US, ST = California, L = San Francisco, O = org1.example.com, CN = ${cn}`);
    expect(text).toContain('CA:TRUE');
    expect(text).toContain('Digital Signature, Key Encipherment, Certificate Sign, CRL Sign');
    expect(text).toContain('TLS Web Client Authentication, TLS Web Server Authentication');
    expect(text).toContain('X509v3 Subject Key Identifier');
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toContain('NIST CURVE: P-256');
    expect(openssl(['verify', '-x509_strict', '-CAfile', ca, ca]).ok).toBe(true);
  }
});

test('openssl verifies every enrollment and TLS cert against its org CA', () => {
  for (const { org, paths, tlsRole } of identities) {
    const sign = openssl(['verify', '-x509_strict', '-CAfile', caPaths(root, org).cert, paths.msp.signcert]);
    expect(sign).toEqual({ ok: true, output: `${paths.msp.signcert}: OK\n` });
    // The MSP's own cacerts copy is what Fabric actually uses.
    expect(openssl(['verify', '-CAfile', paths.msp.cacert, paths.msp.signcert]).ok).toBe(true);
    const purpose = tlsRole === 'server' ? 'sslserver' : 'sslclient';
    const tls = openssl(['verify', '-x509_strict', '-purpose', purpose, '-CAfile', paths.tls.ca, paths.tls.cert]);
    expect(tls).toEqual({ ok: true, output: `${paths.tls.cert}: OK\n` });
  }
});

test('certificates carry the NodeOU, SANs, CA:FALSE and key identifiers', () => {
  for (const { paths, ou, tlsRole } of identities) {
    const signText = openssl(['x509', '-noout', '-text', '-in', paths.msp.signcert]).output;
    expect(signText).toContain(`Subject: C = US, ST = California, L = San Francisco, OU = ${ou}, CN = ${paths.cn}`);
    expect(signText).toContain('CA:FALSE');
    expect(signText).toMatch(/Key Usage: critical\n\s+Digital Signature\n/);
    expect(signText).toContain('X509v3 Authority Key Identifier');

    const tlsText = openssl(['x509', '-noout', '-text', '-in', paths.tls.cert]).output;
    expect(tlsText).toContain('CA:FALSE');
    expect(tlsText).toContain('Digital Signature, Key Encipherment');
    expect(tlsText).toContain('X509v3 Authority Key Identifier');
    if (tlsRole === 'server') {
      const host = paths.cn.split('.')[0];
      expect(tlsText).toContain(`DNS:${paths.cn}, DNS:${host}, DNS:localhost, IP Address:127.0.0.1`);
      expect(tlsText).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    } else {
      expect(tlsText).toMatch(/Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
    }
  }
});

test("leaf issuer bytes equal the CA subject bytes (Go's chain building compares them raw)", async () => {
  const ca = new x509.X509Certificate(await readFile(caPaths(root, org1).cert, 'utf8'));
  const leaf = new x509.X509Certificate(await readFile(userPaths(root, org1, 'Admin').msp.signcert, 'utf8'));
  expect(Buffer.from(leaf.rawData).includes(Buffer.from(ca.subjectName.toArrayBuffer()))).toBe(true);
  const aki = leaf.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  expect(aki).toBe(ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
});

test('each private key belongs to its certificate', async () => {
  const pairs = identities.flatMap(({ paths }) => [
    [paths.msp.key, paths.msp.signcert],
    [paths.tls.key, paths.tls.cert],
  ]);
  for (const org of [ordererOrg, org1, org2]) {
    pairs.push([caPaths(root, org).key, caPaths(root, org).cert], [tlsCaPaths(root, org).key, tlsCaPaths(root, org).cert]);
  }
  const spki = (k: ReturnType<typeof createPublicKey>): Buffer => k.export({ type: 'spki', format: 'der' });
  const seen = new Set<string>();
  for (const [keyFile, certFile] of pairs as [string, string][]) {
    const keyPem = await readFile(keyFile, 'utf8');
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/); // PKCS#8
    const fromKey = spki(createPublicKey(createPrivateKey(keyPem)));
    expect(fromKey.equals(spki(new X509Certificate(await readFile(certFile)).publicKey))).toBe(true);
    seen.add(fromKey.toString('hex'));
  }
  expect(seen.size).toBe(pairs.length); // no key is reused
});

test('private keys are 0600 in 0700 dirs, certificates 0644', async () => {
  for (const { paths } of identities) {
    expect(await mode(paths.msp.key)).toBe(0o600);
    expect(await mode(paths.tls.key)).toBe(0o600);
    expect(await mode(paths.msp.keystore)).toBe(0o700);
    expect(await mode(paths.tls.dir)).toBe(0o700);
    expect(await mode(paths.msp.signcert)).toBe(0o644);
    expect(await mode(paths.tls.cert)).toBe(0o644);
    expect(await mode(paths.tls.ca)).toBe(0o644);
  }
  for (const org of [ordererOrg, org1, org2]) {
    for (const ca of [caPaths(root, org), tlsCaPaths(root, org)]) {
      expect(await mode(ca.key)).toBe(0o600);
      expect(await mode(ca.dir)).toBe(0o700);
      expect(await mode(ca.cert)).toBe(0o644);
    }
  }
});

test("one org's CAs do not vouch for another org's certificates", () => {
  const peer2 = nodePaths(root, org2, 'peer0');
  const r = openssl(['verify', '-CAfile', tlsCaPaths(root, org1).cert, peer2.tls.cert]);
  expect(r.ok).toBe(false);
  expect(r.output).toMatch(/unable to get local issuer certificate/);
  expect(openssl(['verify', '-CAfile', caPaths(root, org1).cert, peer2.msp.signcert]).ok).toBe(false);
  // The signing CA and the TLS CA of one org are separate trust roots too.
  expect(openssl(['verify', '-CAfile', caPaths(root, org1).cert, nodePaths(root, org1, 'peer0').tls.cert]).ok).toBe(false);
});

test('signatures made with priv_sk verify with the signcert, ready for fabric-gateway', async () => {
  const message = Buffer.from('proposal bytes');
  for (const { paths, mspId } of identities) {
    const id = await readSigningIdentity(paths.msp, mspId);
    expect(id.identity.mspId).toBe(mspId);
    expect(Buffer.from(id.identity.credentials).toString()).toBe(await readFile(paths.msp.signcert, 'utf8'));
    expect(id.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const signature = sign('sha256', message, id.privateKey);
    const cert = new X509Certificate(id.certificatePem);
    expect(verify('sha256', message, cert.publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('tampered'), cert.publicKey, signature)).toBe(false);
  }
});

test('validity follows opts.now and opts.validDays, backdated 5 minutes for clock skew', async () => {
  const { dir, cleanup: done } = await tempRoot();
  try {
    const now = new Date('2030-06-01T12:00:00Z');
    await generateCrypto({ orderers: { ...TWO_ORG_SPEC.orderers, hosts: ['orderer0'] }, orgs: [] }, dir, { now, validDays: 30 });
    const cert = new X509Certificate(await readFile(nodePaths(dir, ordererOrg, 'orderer0').tls.cert));
    expect(new Date(cert.validFrom).toISOString()).toBe('2030-06-01T11:55:00.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2030-07-01T11:55:00.000Z');
  } finally {
    await done();
  }
});
