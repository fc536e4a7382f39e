// Test and bench support (not used by the sidecar): the marbles chaincode (examples/marbles, built)
// as a CCaaS server on a port of the caller's choice, so a test can kill it and start it again where
// the sidecar expects it. Plaintext on loopback, as behind a sidecar, or TLS, as without one.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

// src/sidecar or dist/sidecar alike: the repository is three levels up.
const MARBLES_DIR = path.resolve(__dirname, '../../../examples/marbles');

export class MarblesServer {
  private output = '';
  private constructor(
    readonly port: number,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-8000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-8000)));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts marbles on 127.0.0.1:port and resolves once the port accepts connections. With `tls`
   * (PEM file paths) it serves TLS itself, as a replica without a sidecar does.
   */
  static async start(chaincodeId: string, port: number, opts: { tls?: { certFile: string; keyFile: string }; timeoutMs?: number } = {}): Promise<MarblesServer> {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const dist = path.join(MARBLES_DIR, 'dist', 'index.js');
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npx tsc --build\` at the repository root first`);
    // Any CORE_* variable becomes a fabric-shim server option; a stray CORE_CHAINCODE_TLS_* would switch on TLS.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CORE_')));
    if (opts.tls) Object.assign(env, { CORE_CHAINCODE_TLS_CERT_FILE: opts.tls.certFile, CORE_CHAINCODE_TLS_KEY_FILE: opts.tls.keyFile });
    const cli = require.resolve('fabric-shim/cli.js', { paths: [MARBLES_DIR] });
    const child = spawn(process.execPath, [cli, 'server', `--chaincode-address=127.0.0.1:${port}`, `--chaincode-id=${chaincodeId}`], {
      cwd: MARBLES_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new MarblesServer(port, child);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`marbles exited early (${child.exitCode ?? child.signalCode}):\n${server.output}`);
      if (await accepts(port)) return server;
      if (Date.now() > deadline) {
        await server.stop('SIGKILL');
        throw new Error(`marbles did not listen on ${port} within ${timeoutMs} ms:\n${server.output}`);
      }
      await new Promise((r) => setTimeout(r, 50)); // polling a port, not waiting for an effect
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
