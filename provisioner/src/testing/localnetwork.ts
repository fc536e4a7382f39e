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
import { FIRST, type PortRange, reservePortRange } from './portrange';

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
  /** More chaincodes after marbles, each marbles' code under another name (version 1.0, one replica). */
  readonly moreChaincodes?: readonly string[];
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
  /** `mictract up` again, in this process and with the rule files it started with (the CLI's `up` would load the shipped ones). */
  up(): Promise<void>;
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
    ...(o.moreChaincodes ?? []).map((name) => `  - {name: ${name}, path: ${JSON.stringify(MARBLES_DIR)}, version: "1.0", replicas: 1, sidecar: ${o.sidecar ?? true}}`),
    '',
  ].join('\n');
}

export async function startTestNetwork(opts: TestNetworkOptions = {}): Promise<TestNetwork> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'mictract-net-'));
  const specFile = path.join(home, 'network.yaml');
  const name = opts.name ?? 'test';
  let current = { ...opts };
  let loaded: LoadedSpec | undefined;
  // how many ports this topology takes, from a trial load at the first test port
  await writeFile(specFile, specText(name, FIRST, current));
  const ports = listeners((await loadSpec(specFile)).network).map((l) => l.endpoint.port);
  const span = Math.max(...ports) - FIRST + 1;
  let range: PortRange | undefined;
  const refused: PortRange[] = []; // held until a good range is found, so the search does not come back to them
  try {
    for (let attempt = 0; !loaded; attempt++) {
      range = await reservePortRange(span);
      await writeFile(specFile, specText(name, range.base, current));
      const candidate = await loadSpec(specFile);
      try {
        // something outside the reservations (another program) may still sit on one of them
        await assertPortsFree(specFile, listeners(candidate.network));
        loaded = candidate;
      } catch (err) {
        refused.push(range);
        if (attempt === 8) throw err;
      }
    }
  } finally {
    await Promise.all(refused.map((r) => r.release()));
  }
  const base = range!.base;
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
    async up() {
      await upLocal(loaded!, quietProgress(steps), { home, ruleFiles: opts.ruleFiles ?? [] });
    },
    connect: (o) => connectGateway(loaded!.network, dirs.crypto, o),
    async destroy() {
      await supervisor.stopAll(5000).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
      await range!.release();
    },
  };
  try {
    await upLocal(loaded, quietProgress(steps), { home, ruleFiles: opts.ruleFiles ?? [] });
  } catch (err) {
    // the logs go with the network's files: keep what they say about the failure in the error
    const crashed = (await supervisor.status().catch(() => [])).filter((p) => p.state !== 'healthy').map((p) => `${p.name} ${p.state}`);
    const logged = (await supervisor.recentErrors(200).catch(() => [])).map((e) => `${e.name}:\n    ${e.lines.join('\n    ')}`);
    if (err instanceof Error && (crashed.length || logged.length)) {
      err.message += `\n(network ${name}, ports from ${base}) not healthy: ${crashed.join(', ') || 'none'}\nerrors logged:\n  ${logged.join('\n  ') || 'none'}`;
    }
    await net.destroy();
    throw err;
  }
  return net;
}
