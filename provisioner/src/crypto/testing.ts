/** Shared fixtures for the crypto tests (not used by production code). */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CryptoSpec } from './types';

export const TWO_ORG_SPEC: CryptoSpec = {
  orderers: { name: 'OrdererOrg', domain: 'example.com', mspId: 'OrdererMSP', hosts: ['orderer0', 'orderer1'] },
  orgs: [
    { name: 'Org1', domain: 'org1.example.com', mspId: 'Org1MSP', peers: ['peer0'], users: ['Admin', 'User1'] },
    { name: 'Org2', domain: 'org2.example.com', mspId: 'Org2MSP', peers: ['peer0'], users: ['Admin', 'User1'] },
  ],
};

export async function tempRoot(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-crypto-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface OpensslResult {
  ok: boolean;
  output: string;
}

/** Runs the system openssl: an independent judge of what we generate. */
export function openssl(args: string[]): OpensslResult {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) {
    throw new Error(`openssl is required by these tests but could not be run (${r.error.message}); install it (e.g. apt-get install openssl)`);
  }
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export interface FileSnapshot {
  bytes: Buffer;
  mtimeMs: number;
}

/** Every file under root with its content and mtime, keyed by relative path. */
export async function snapshot(root: string): Promise<Map<string, FileSnapshot>> {
  const files = new Map<string, FileSnapshot>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const [bytes, st] = await Promise.all([readFile(full), stat(full)]);
    files.set(path.relative(root, full), { bytes, mtimeMs: st.mtimeMs });
  }
  return files;
}
