// Starts the built chaincode the way a CCaaS deployment does and checks it
// speaks the peer protocol. Needs dist/ from `npm run build`.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';

const PACKAGE_DIR = path.resolve(__dirname, '..');
const DIST_INDEX = path.join(PACKAGE_DIR, 'dist', 'index.js');
const CHAINCODE_ID = 'marbles:abc';
const DEADLINE_MS = 20_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Rejects as soon as the child exits, so a crash fails fast with its output. */
function exitAsError(child: ChildProcess, output: () => string): Promise<never> {
  return new Promise((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`chaincode server exited early (code ${code}, signal ${signal}):\n${output()}`)),
    );
  });
}

describe('CCaaS server (dist/index.js via fabric-chaincode-node server)', () => {
  let child: ChildProcess | undefined;
  let client: peer.ChaincodeClient | undefined;

  afterEach(async () => {
    client?.close();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('accepts a peer connection and sends REGISTER with its chaincode id first', async () => {
    if (!existsSync(DIST_INDEX)) {
      throw new Error(`${DIST_INDEX} is missing: run \`npm run build\` in examples/marbles (tsc --build) first`);
    }

    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    // Any CORE_* variable becomes a CLI option via yargs .env('CORE'); keep them
    // out so a stray CORE_CHAINCODE_TLS_* cannot switch the server to TLS.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CORE_')));
    const cli = require.resolve('fabric-shim/cli.js');
    let output = '';
    child = spawn(process.execPath, [cli, 'server', `--chaincode-address=${address}`, `--chaincode-id=${CHAINCODE_ID}`], {
      cwd: PACKAGE_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const crashed = exitAsError(child, () => output);
    crashed.catch(() => undefined); // only observed through the races below

    // Short reconnect backoff: the client keeps retrying until the server binds.
    const c = new peer.ChaincodeClient(address, grpc.credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 250,
    });
    client = c;
    const ready = new Promise<void>((resolve, reject) =>
      c.waitForReady(Date.now() + DEADLINE_MS, (err) => (err ? reject(new Error(`${err.message}\n${output}`)) : resolve())),
    );
    await Promise.race([ready, crashed]);

    const stream = c.connect();
    stream.on('error', () => undefined); // cancellation at teardown is expected
    let timer: NodeJS.Timeout | undefined;
    const firstMessage = new Promise<peer.ChaincodeMessage>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
      timer = setTimeout(() => reject(new Error(`no message within ${DEADLINE_MS} ms\n${output}`)), DEADLINE_MS);
    });
    const msg = await Promise.race([firstMessage, crashed]).finally(() => clearTimeout(timer));
    stream.cancel();

    expect(msg.getType()).toBe(peer.ChaincodeMessage.Type.REGISTER);
    expect(peer.ChaincodeID.deserializeBinary(msg.getPayload_asU8()).getName()).toBe(CHAINCODE_ID);
  }, 30_000);
});
