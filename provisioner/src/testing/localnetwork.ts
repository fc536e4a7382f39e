import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ConnectOptions, type GatewayConnection, connectGateway } from '../gateway/client';
import { type LocalDirs, localDirs, upLocal } from '../local/up';
import { quietProgress } from '../progress';
import { type LoadedSpec, assertPortsFree, listeners, loadSpec } from '../networkspec';
import type { Network } from '../networkspec/network';
import { Supervisor } from '../local/supervisor';

// A real local network for tests and benchmarks: a spec on free loopback ports in a temporary
// MICTRACT_HOME, brought up with the same code as `mictract up`, and torn down with its files.

export const MARBLES_DIR = path.resolve(__dirname, '../../../examples/marbles');
const CLI = path.resolve(__dirname, '../../dist/cli.js');

export interface TestNetworkOptions {
  readonly name?: string;
  readonly orgs?: number;
  /** Peers per org: one number for every org, or one per org. */
  readonly peersPerOrg?: number | readonly number[];
  readonly orderers?: number;
  readonly replicas?: number;
  readonly sidecar?: boolean;
  readonly fabric?: '2.5' | '3.1';
  readonly version?: string;
  readonly batchTimeoutMs?: number;
  /** Start the exporter, Prometheus and Jaeger beside it (default: no, to keep tests light). */
  readonly observability?: boolean;
  /** Extra spec text appended to the chaincode entry (e.g. `, profile: true`). */
  readonly chaincodeExtra?: string;
  /** Prometheus rule files to load (globs allowed); default none, to keep tests light. */
  readonly ruleFiles?: readonly string[];
}

export interface TestNetwork {
  readonly home: string;
  readonly specFile: string;
  readonly network: Network;
  readonly dirs: LocalDirs;
  readonly supervisor: Supervisor;
  readonly steps: { title: string; seconds: number }[];
  /** Rewrites the spec (e.g. a new chaincode version) and reloads it. */
  respec(opts: Partial<TestNetworkOptions>): Promise<LoadedSpec>;
  /** `mictract <args>` as a user runs it, against this network's MICTRACT_HOME. */
  cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  connect(opts?: ConnectOptions): Promise<GatewayConnection>;
  /** Stops every process and deletes the network's files. */
  destroy(): Promise<void>;
}

function specText(name: string, base: number, o: TestNetworkOptions): string {
  const peers = (i: number) => (typeof o.peersPerOrg === 'number' ? o.peersPerOrg : (o.peersPerOrg?.[i] ?? 1));
  const orgs = Array.from({ length: o.orgs ?? 2 }, (_, i) => `  - {name: Org${i + 1}, peers: ${peers(i)}}`).join('\n');
  return [
    `name: ${name}`,
    `fabric: "${o.fabric ?? '2.5'}"`,
    `ports: {base: ${base}}`,
    `observability: ${o.observability ?? false}`,
    `orderers: {nodes: ${o.orderers ?? 1}${o.batchTimeoutMs ? `, batchTimeoutMs: ${o.batchTimeoutMs}` : ''}}`,
    'organizations:',
    orgs,
    'channel: {name: mychannel}',
    'chaincodes:',
    `  - {name: marbles, path: ${JSON.stringify(MARBLES_DIR)}, version: "${o.version ?? '1.0'}", replicas: ${o.replicas ?? 1}, sidecar: ${o.sidecar ?? true}${o.chaincodeExtra ?? ''}}`,
    '',
  ].join('\n');
}

export async function startTestNetwork(opts: TestNetworkOptions = {}): Promise<TestNetwork> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'mictract-net-'));
  const specFile = path.join(home, 'network.yaml');
  const name = opts.name ?? 'test';
  let current = { ...opts };
  let loaded: LoadedSpec | undefined;
  let base = 0;
  for (let attempt = 0; !loaded; attempt++) {
    // below Linux's ephemeral range (32768+), where a socket in TIME_WAIT can make a bind fail
    base = 20000 + Math.floor(Math.random() * 11000);
    await writeFile(specFile, specText(name, base, current));
    const candidate = await loadSpec(specFile);
    try {
      await assertPortsFree(specFile, listeners(candidate.network));
      loaded = candidate;
    } catch (err) {
      if (attempt === 8) throw err;
    }
  }
  const steps: { title: string; seconds: number }[] = [];
  const dirs = localDirs(loaded.network, home);
  const supervisor = new Supervisor(dirs.network);
  const net: TestNetwork = {
    home,
    specFile,
    get network() {
      return loaded!.network;
    },
    dirs,
    supervisor,
    steps,
    async respec(change) {
      current = { ...current, ...change };
      await writeFile(specFile, specText(name, base, current));
      loaded = await loadSpec(specFile);
      return loaded;
    },
    cli: (args) =>
      new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], { env: { ...process.env, MICTRACT_HOME: home }, timeout: 180_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
    connect: (o) => connectGateway(loaded!.network, dirs.crypto, o),
    async destroy() {
      await supervisor.stopAll(5000).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
  try {
    await upLocal(loaded, quietProgress(steps), { home, ruleFiles: opts.ruleFiles ?? [] });
  } catch (err) {
    await net.destroy();
    throw err;
  }
  return net;
}
