// Test helpers: echo replicas that say who they are, a client that talks
// through the endpoint, and real marbles chaincode servers (CCaaS) spawned the
// way examples/marbles/src/ccaas.test.ts does it.

import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';

import { formatHostPort, HostPort } from './hostport';

export const DEADLINE_MS = 20_000;

/** Rejects with `what` if `p` has not settled within `ms` (a deadline, not a sleep). */
export function within<T>(p: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

import { freePort, until } from '../testing/wait';
export { freePort, until };

/** A replica stand-in: greets each connection with "<name>\n", then echoes every byte back. */
export class EchoReplica {
  private server: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();

  private constructor(
    readonly name: string,
    readonly port: number,
  ) {}

  static async start(name: string, port = 0): Promise<EchoReplica> {
    const r = new EchoReplica(name, port || (await freePort()));
    await r.listen();
    return r;
  }

  get address(): HostPort {
    return { host: '127.0.0.1', port: this.port };
  }

  /** Starts again on the same port, as a restarted replica would. */
  async listen(): Promise<void> {
    const server = net.createServer((s) => {
      this.conns.add(s);
      s.once('close', () => this.conns.delete(s));
      s.on('error', () => s.destroy());
      s.write(`${this.name}\n`);
      s.pipe(s); // echo with backpressure
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Stops listening and drops its connections: new connects are refused. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.conns) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

/** A client connection through the endpoint, reading the replica's greeting first. */
export class Conversation {
  readonly received: Buffer[] = [];
  private bytes = 0;
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.received.push(d);
      this.bytes += d.length;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined); // a reset is one way of being closed
    this.closed = once(socket, 'close').then(() => undefined);
  }

  static async open(to: HostPort): Promise<Conversation> {
    const socket = net.connect(to.port, to.host);
    const c = new Conversation(socket);
    await within(once(socket, 'connect'), `connect to ${formatHostPort(to)}`);
    return c;
  }

  /** Which replica answered: its greeting line. */
  async replica(): Promise<string> {
    await this.atLeast(1, () => Buffer.concat(this.received).includes('\n'));
    const all = Buffer.concat(this.received);
    return all.subarray(0, all.indexOf('\n')).toString();
  }

  /** Sends `payload` and resolves with what came back after the greeting, once it is as long. */
  async echo(payload: Buffer): Promise<Buffer> {
    const name = await this.replica();
    this.socket.write(payload);
    const header = name.length + 1;
    await this.atLeast(header + payload.length);
    return Buffer.concat(this.received).subarray(header);
  }

  private async atLeast(n: number, also: () => boolean = () => true): Promise<void> {
    const ok = (): boolean => this.bytes >= n && also();
    const arrived = new Promise<void>((resolve, reject) => {
      const check = (): void => (ok() ? resolve() : void this.waiters.push(check));
      this.closed.then(() => ok() || reject(new Error(`connection closed after ${this.bytes} bytes`)));
      check();
    });
    await within(arrived, `${n} bytes through the endpoint`);
  }
}

/**
 * A replica whose host stops answering: a frozen (SIGSTOP) listener whose
 * accept queue is full, so the kernel drops new SYNs and connects hang until
 * the caller gives up, as with a replica on a dead machine.
 */
export class StalledReplica {
  private constructor(
    readonly address: HostPort,
    private readonly child: ChildProcess,
    private readonly fills: net.Socket[],
  ) {}

  static async start(): Promise<StalledReplica> {
    const listener =
      "const s = require('net').createServer();" +
      "s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => console.log(s.address().port));";
    const child = spawn(process.execPath, ['-e', listener], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await within(once(child.stdout!, 'data'), 'stalled listener up')) as [Buffer];
    child.kill('SIGSTOP');
    const address = { host: '127.0.0.1', port: Number(line.toString().trim()) };
    // backlog 1 lets Linux queue 2 connections nobody accepts; after that, SYNs are dropped.
    const fills = [0, 1].map(() => net.connect(address.port, address.host).on('error', () => undefined));
    await within(Promise.all(fills.map((f) => once(f, 'connect'))), 'accept queue filled');
    return new StalledReplica(address, child, fills);
  }

  async close(): Promise<void> {
    for (const f of this.fills) f.destroy();
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** Re-checks `cond` on every turn of the event loop until it holds or the deadline passes. */

// ---- real chaincode: examples/marbles served by fabric-shim (CCaaS) ----

export { MarblesReplica } from '@mictract/marbles/dist/testing/ccaasserver';

/**
 * Connects as a peer would (a fresh channel, so a fresh TCP connection) and
 * returns the chaincode id in the first message, which must be REGISTER.
 */
export async function registeredChaincodeId(to: HostPort, credentials = grpc.credentials.createInsecure()): Promise<string> {
  const client = new peer.ChaincodeClient(formatHostPort(to), credentials, {
    // Channels with equal options share connections through grpc-js's global
    // subchannel pool; a local pool keeps each client on its own connection.
    'grpc.use_local_subchannel_pool': 1,
  });
  const stream = client.connect();
  try {
    const first = new Promise<peer.ChaincodeMessage>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    const msg = await within(first, `first message through ${formatHostPort(to)}`);
    if (msg.getType() !== peer.ChaincodeMessage.Type.REGISTER) {
      throw new Error(`first message is of type ${msg.getType()}, not REGISTER`);
    }
    return peer.ChaincodeID.deserializeBinary(msg.getPayload_asU8()).getName();
  } finally {
    stream.on('error', () => undefined); // the cancel below surfaces as CANCELLED
    stream.cancel();
    client.close();
  }
}
