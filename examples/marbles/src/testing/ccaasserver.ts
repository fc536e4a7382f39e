// Starts the built marbles chaincode the way a CCaaS deployment does (fabric-shim's server mode,
// plaintext on loopback) and waits until it accepts gRPC. For tests of marbles and of what stands
// in front of it (the provisioner's endpoint); needs dist/ from `npm run build`.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';

const DEADLINE_MS = 20_000;

export interface HostPort {
  host: string;
  port: number;
}

const formatHostPort = ({ host, port }: HostPort) => `${host}:${port}`;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// src/testing or dist/testing alike: the package folder is two levels up.
const MARBLES_DIR = path.resolve(__dirname, '../..');

export class MarblesReplica {
  private output = '';
  private constructor(
    readonly chaincodeId: string,
    readonly address: HostPort,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Spawns `fabric-chaincode-node server` on the built marbles and waits until it accepts gRPC. */
  static async start(chaincodeId: string): Promise<MarblesReplica> {
    const dist = path.join(MARBLES_DIR, 'dist', 'index.js');
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` in examples/marbles (tsc --build) first`);
    const address = { host: '127.0.0.1', port: await freePort() };
    // Any CORE_* variable becomes a server option (yargs .env('CORE')); a stray
    // CORE_CHAINCODE_TLS_* would switch the server to TLS.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CORE_')));
    const cli = require.resolve('fabric-shim/cli.js', { paths: [MARBLES_DIR] });
    const child = spawn(
      process.execPath,
      [cli, 'server', `--chaincode-address=${formatHostPort(address)}`, `--chaincode-id=${chaincodeId}`],
      { cwd: MARBLES_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const r = new MarblesReplica(chaincodeId, address, child);
    const crashed = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`marbles ${chaincodeId} exited early (code ${code}, signal ${signal}):\n${r.output}`)),
      ),
    );
    crashed.catch(() => undefined); // only observed through the race below
    // grpc-js keeps reconnecting (with a short backoff) until the server binds.
    const probe = new peer.ChaincodeClient(formatHostPort(address), grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 250,
      'grpc.use_local_subchannel_pool': 1,
    });
    const ready = new Promise<void>((resolve, reject) =>
      probe.waitForReady(Date.now() + DEADLINE_MS, (err) =>
        err ? reject(new Error(`marbles ${chaincodeId}: ${err.message}\n${r.output}`)) : resolve(),
      ),
    );
    try {
      await Promise.race([ready, crashed]);
    } catch (err) {
      await r.stop();
      throw err;
    } finally {
      probe.close();
    }
    return r;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}
