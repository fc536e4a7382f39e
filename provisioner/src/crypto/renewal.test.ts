import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { validity } from './ca';
import { generateCrypto } from './generate';
import { keyMatchesCert } from './keys';
import { nodePaths, userPaths, type OrgRef } from './layout';
import { ensureCa, ensureLeaf, type KeyCertFiles } from './material';
import { openssl, tempRoot, TWO_ORG_SPEC } from './testing';
import { x509 } from './x509';

// Renewal on a pinned clock: certificates are issued at T0 and the material is generated again days later.

const DAY_MS = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-01-01T00:00:00Z');
const day = (n: number): Date => new Date(T0.getTime() + n * DAY_MS);
const org1: OrgRef = { kind: 'peer', domain: 'org1.example.com' };

const cert = async (file: string) => new x509.X509Certificate(await readFile(file, 'utf8'));
const created = (s: { created: { cn: string; kind: string }[] }) => s.created.map((r) => `${r.cn}/${r.kind}`);

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await tempRoot());
});
afterEach(() => cleanup());

test('a leaf that expires within 30 days is reissued for the same key, once; everything else is kept', async () => {
  await generateCrypto(TWO_ORG_SPEC, root, { now: T0 });
  const peer = nodePaths(root, org1, 'peer0');
  // Only this certificate is short-lived: issued again, for its key, with 40 days.
  await rm(peer.tls.cert);
  expect(created(await generateCrypto(TWO_ORG_SPEC, root, { now: T0, validDays: 40 }))).toEqual(['peer0.org1.example.com/tls']);
  const key = await readFile(peer.tls.key, 'utf8');

  expect(created(await generateCrypto(TWO_ORG_SPEC, root, { now: day(5) }))).toEqual([]); // 35 days left
  const renewed = await generateCrypto(TWO_ORG_SPEC, root, { now: day(15) }); // 25 days left
  expect(created(renewed)).toEqual(['peer0.org1.example.com/tls']);
  expect(renewed.kept).toHaveLength(23);

  expect(await readFile(peer.tls.key, 'utf8')).toBe(key);
  expect(keyMatchesCert(key, await readFile(peer.tls.cert, 'utf8'))).toBe(true);
  expect((await cert(peer.tls.cert)).notAfter.getTime()).toBeGreaterThan(day(3000).getTime());
  expect(openssl(['verify', '-CAfile', peer.tls.ca, peer.tls.cert]).ok).toBe(true);
  expect(created(await generateCrypto(TWO_ORG_SPEC, root, { now: day(15) }))).toEqual([]);
});

test('an expired leaf is reissued for the same key', async () => {
  await generateCrypto(TWO_ORG_SPEC, root, { now: T0 });
  const user = userPaths(root, org1, 'User1');
  await rm(user.msp.signcert);
  await generateCrypto(TWO_ORG_SPEC, root, { now: T0, validDays: 1 });
  const key = await readFile(user.msp.key, 'utf8');

  expect(created(await generateCrypto(TWO_ORG_SPEC, root, { now: day(2) }))).toEqual(['User1@org1.example.com/msp']);
  expect(await readFile(user.msp.key, 'utf8')).toBe(key);
  const renewed = await cert(user.msp.signcert);
  expect(renewed.notBefore.getTime()).toBeLessThanOrEqual(day(2).getTime());
  expect(renewed.subjectName.getField('OU')).toEqual(['client']);
  expect(openssl(['verify', '-CAfile', user.msp.cacert, user.msp.signcert]).ok).toBe(true);
});

test('leaves are not reissued run after run when their CA ends first', async () => {
  await generateCrypto(TWO_ORG_SPEC, root, { now: T0, validDays: 40 }); // CAs too
  // 25 days left for every leaf, but a new one could not outlive its CA
  expect(created(await generateCrypto(TWO_ORG_SPEC, root, { now: day(15) }))).toEqual([]);
});

test('a leaf whose names (CN, SANs, OU) changed is reissued for the same key', async () => {
  const v = validity(T0, 3650);
  const { ca } = await ensureCa({ cert: path.join(root, 'ca/ca.pem'), key: path.join(root, 'ca/priv_sk') }, 'tlsca.example.com', 'example.com', v);
  const files: KeyCertFiles = { cert: path.join(root, 'leaf/cert.pem'), key: path.join(root, 'leaf/priv_sk') };
  const tls = { cn: 'marbles.example.com', sans: ['marbles.example.com', 'marbles', 'localhost'], use: 'tls-server' as const };

  expect(await ensureLeaf(files, ca, tls, v, T0)).toBe('created');
  const key = await readFile(files.key, 'utf8');
  expect(await ensureLeaf(files, ca, { ...tls, sans: [...tls.sans].reverse() }, v, T0)).toBe('kept'); // order does not matter

  expect(await ensureLeaf(files, ca, { ...tls, sans: [...tls.sans, '127.0.0.1'] }, v, day(1))).toBe('created');
  const sans = (await cert(files.cert)).getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => `${n.type}:${n.value}`);
  expect(sans).toEqual(['dns:marbles.example.com', 'dns:marbles', 'dns:localhost', 'ip:127.0.0.1']);

  expect(await ensureLeaf(files, ca, { ...tls, cn: 'marbles2.example.com', sans: ['marbles2.example.com'] }, v, day(1))).toBe('created');
  expect((await cert(files.cert)).subjectName.getField('CN')).toEqual(['marbles2.example.com']);

  const sign = { cn: 'User1@example.com', ou: 'client', use: 'sign' as const };
  expect(await ensureLeaf(files, ca, sign, v, day(1))).toBe('created');
  expect(await ensureLeaf(files, ca, { ...sign, ou: 'admin' }, v, day(1))).toBe('created');
  expect((await cert(files.cert)).subjectName.getField('OU')).toEqual(['admin']);
  expect(await ensureLeaf(files, ca, { ...sign, ou: 'admin' }, v, day(1))).toBe('kept');

  expect(await readFile(files.key, 'utf8')).toBe(key);
});
