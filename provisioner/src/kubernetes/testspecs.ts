import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { type LoadedSpec, loadSpec } from '../networkspec';

// Specs for the Kubernetes tests, written to a temporary folder (chaincode path: the repo's marbles),
// each with its own MICTRACT_HOME so crypto material never mixes with a user's. Every test file that
// makes them calls removeTempHomes() in its afterAll, so a run leaves no /tmp/mictract-k8s-* behind.

export const EXAMPLE_SPEC = path.resolve(__dirname, '../../../examples/network.yaml');
const MARBLES = path.resolve(__dirname, '../../../examples/marbles');

/** A minimal core.yaml for tests that do not run a peer (the real one comes from the Fabric build). */
export const TEST_CORE_YAML = 'vm:\n  endpoint: ""\n';

const made: string[] = [];

export async function tempHome(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-k8s-'));
  made.push(dir);
  return dir;
}

/** Removes every folder tempHome (and writeSpec, loadTestSpec) made in this test file. */
export async function removeTempHomes(): Promise<void> {
  const dirs = made.splice(0);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

/** The demo spec with `over` merged at the top level; `chaincodes` entries get the marbles path unless they name one. */
export async function writeSpec(over: Record<string, unknown> = {}, dir?: string): Promise<string> {
  const base: Record<string, unknown> = {
    name: 'demo',
    orderers: { nodes: 1 },
    organizations: [{ name: 'Org1', peers: 1 }, { name: 'Org2', peers: 1 }],
    channel: { name: 'mychannel' },
    chaincodes: [{ name: 'marbles', version: '1.0', replicas: 2, sidecar: true }],
  };
  const spec = { ...base, ...over };
  spec.chaincodes = (spec.chaincodes as Record<string, unknown>[]).map((cc) => ({ path: MARBLES, ...cc }));
  const folder = dir ?? (await tempHome());
  const file = path.join(folder, 'network.yaml');
  await writeFile(file, stringify(spec));
  return file;
}

export async function loadTestSpec(over: Record<string, unknown> = {}): Promise<LoadedSpec> {
  return loadSpec(await writeSpec(over));
}
