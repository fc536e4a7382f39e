import { readFile, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { generateCrypto } from './generate';
import { caPaths, nodePaths, orgMspPaths, userPaths, type OrgRef } from './layout';
import { openssl, snapshot, tempRoot, TWO_ORG_SPEC, type FileSnapshot } from './testing';

const org1: OrgRef = { kind: 'peer', domain: 'org1.example.com' };
const org2: OrgRef = { kind: 'peer', domain: 'org2.example.com' };

let root: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir: root, cleanup } = await tempRoot());
  await generateCrypto(TWO_ORG_SPEC, root);
});

afterEach(() => cleanup());

/** Relative paths whose bytes or mtime differ between two snapshots (or exist in only one). */
function changed(before: Map<string, FileSnapshot>, after: Map<string, FileSnapshot>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .filter((k) => {
      const a = before.get(k);
      const b = after.get(k);
      return !a || !b || !a.bytes.equals(b.bytes) || a.mtimeMs !== b.mtimeMs;
    })
    .sort();
}

test('re-running keeps every file byte for byte and reports everything as kept', async () => {
  const before = await snapshot(root);
  const summary = await generateCrypto(TWO_ORG_SPEC, root);
  expect(summary.created).toEqual([]);
  expect(summary.kept).toHaveLength(24);
  expect(changed(before, await snapshot(root))).toEqual([]);
});

test('deleting one user recreates only that user, signed by the existing CAs', async () => {
  const user = userPaths(root, org2, 'User1');
  await rm(user.dir, { recursive: true });
  const before = await snapshot(root);

  const summary = await generateCrypto(TWO_ORG_SPEC, root);

  expect(summary.created).toEqual([
    { mspId: 'Org2MSP', cn: 'User1@org2.example.com', kind: 'msp', certPath: user.msp.signcert },
    { mspId: 'Org2MSP', cn: 'User1@org2.example.com', kind: 'tls', certPath: user.tls.cert },
  ]);
  expect(summary.kept).toHaveLength(22);
  const userRel = path.relative(root, user.dir);
  const diff = changed(before, await snapshot(root));
  expect(diff.length).toBe(8); // signcert, key, cacert, tlscacert, config.yaml, tls ca/cert/key
  expect(diff.every((f) => f.startsWith(`${userRel}/`))).toBe(true);
  expect(openssl(['verify', '-CAfile', caPaths(root, org2).cert, user.msp.signcert]).ok).toBe(true);
  expect(openssl(['verify', '-CAfile', user.tls.ca, user.tls.cert]).ok).toBe(true);
});

test('a new peer in the spec is added without touching existing identities', async () => {
  const before = await snapshot(root);
  const spec = { ...TWO_ORG_SPEC, orgs: TWO_ORG_SPEC.orgs.map((o) => (o.domain === org1.domain ? { ...o, peers: ['peer0', 'peer1'] } : o)) };
  const summary = await generateCrypto(spec, root);
  expect(summary.created.map((r) => `${r.cn}/${r.kind}`)).toEqual(['peer1.org1.example.com/msp', 'peer1.org1.example.com/tls']);
  const diff = changed(before, await snapshot(root));
  expect(diff).toHaveLength(8);
  expect(diff.every((f) => f.includes('/peers/peer1.org1.example.com/'))).toBe(true);
});

test('a truncated key (e.g. after a crash) is replaced instead of kept', async () => {
  const peer = nodePaths(root, org1, 'peer0');
  const oldTlsCert = await readFile(peer.tls.cert, 'utf8');
  await truncate(peer.tls.key, 0);
  const summary = await generateCrypto(TWO_ORG_SPEC, root);
  expect(summary.created.map((r) => `${r.cn}/${r.kind}`)).toEqual(['peer0.org1.example.com/tls']);
  expect(await readFile(peer.tls.cert, 'utf8')).not.toBe(oldTlsCert);
  expect(openssl(['verify', '-CAfile', peer.tls.ca, peer.tls.cert]).ok).toBe(true);
});

test('a lost signing CA is recreated and the enrollment certs it signed are reissued, TLS is untouched', async () => {
  await rm(caPaths(root, org1).dir, { recursive: true });
  const summary = await generateCrypto(TWO_ORG_SPEC, root);
  expect(summary.created.map((r) => `${r.cn}/${r.kind}`).sort()).toEqual([
    'Admin@org1.example.com/msp',
    'User1@org1.example.com/msp',
    'ca.org1.example.com/ca',
    'peer0.org1.example.com/msp',
  ]);
  // Nothing is left pointing at the old CA.
  const ca = await readFile(caPaths(root, org1).cert, 'utf8');
  expect(await readFile(orgMspPaths(root, org1).cacert, 'utf8')).toBe(ca);
  const peer = nodePaths(root, org1, 'peer0');
  expect(await readFile(peer.msp.cacert, 'utf8')).toBe(ca);
  expect(openssl(['verify', '-CAfile', peer.msp.cacert, peer.msp.signcert]).ok).toBe(true);
});

test('unsafe names are rejected before anything is written', async () => {
  const { dir, cleanup: done } = await tempRoot();
  try {
    const bad = { ...TWO_ORG_SPEC, orgs: [{ ...TWO_ORG_SPEC.orgs[0]!, users: ['../../escape'] }] };
    await expect(generateCrypto(bad, dir)).rejects.toThrow(/invalid crypto spec: user '..\/..\/escape'/);
    const dup = { ...TWO_ORG_SPEC, orgs: [TWO_ORG_SPEC.orgs[0]!, { ...TWO_ORG_SPEC.orgs[1]!, mspId: 'Org1MSP' }] };
    await expect(generateCrypto(dup, dir)).rejects.toThrow(/duplicate mspId 'Org1MSP'/);
    expect((await snapshot(dir)).size).toBe(0);
  } finally {
    await done();
  }
});
