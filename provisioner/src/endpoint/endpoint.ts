// One chaincode endpoint per org, as a Kubernetes Service would give: a TCP
// (layer 4) balancer in front of the org's chaincode replicas. Peer and
// chaincode talk gRPC over one long-lived HTTP/2 connection (maybe TLS end to
// end), so the unit of balancing is the connection, and bytes pass untouched.

import net from 'node:net';

import { BackendStats, Backends } from './backends';
import { dial } from './dial';
import type { HostPort } from './hostport';
import { splice } from './splice';

export type { BackendStats } from './backends';
export type { HostPort } from './hostport';

export interface EndpointOptions {
  listen: HostPort;
  backends: HostPort[];
  /** How long one replica gets to accept a connection before the next is tried. */
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface EndpointStats {
  backends: BackendStats[];
  /** Client connections closed because no replica answered. */
  refused: number;
}

export interface Endpoint {
  /** Where it listens (the real port when asked for port 0). */
  address: HostPort;
  stats(): EndpointStats;
  /** Stops accepting and destroys every connection, open or opening. */
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

export async function startEndpoint(opts: EndpointOptions): Promise<Endpoint> {
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const log = opts.log ?? (() => undefined);
  const backends = new Backends(opts.backends, log);
  const sockets = new Set<net.Socket>(); // every socket we own, so close() can end them
  let closing = false;

  const own = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  // Round robin by connection; a replica that refuses or times out passes
  // its turn to the next one, as a Service skips a dead pod.
  const accept = async (client: net.Socket): Promise<void> => {
    own(client);
    client.on('error', () => client.destroy()); // until spliced; a reset while we dial is fine
    for (const b of backends.turn()) {
      if (closing || client.destroyed) return;
      const { socket, ready } = dial(b, timeoutMs);
      own(socket);
      try {
        await ready;
      } catch (err) {
        if (!closing) backends.failed(b, (err as Error).message);
        continue;
      }
      if (client.destroyed) {
        socket.destroy(); // the client left while we were dialling
        return;
      }
      backends.connected(b);
      splice(client, socket, () => backends.disconnected(b));
      return;
    }
    if (closing || client.destroyed) return;
    // As with no replica at all: the peer sees its connection fail, not hang.
    backends.refuse();
    client.destroy();
  };

  // pauseOnConnect: the client's first bytes (the HTTP/2 preface) wait in the
  // kernel until a replica is there to take them.
  const server = net.createServer({ pauseOnConnect: true }, (client) => void accept(client));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.listen.host, port: opts.listen.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, errors are about accepting one connection (e.g. EMFILE): log, keep serving.
  server.on('error', (err) => log(`accept failed: ${err.message}`));
  const bound = server.address() as net.AddressInfo;

  return {
    address: { host: bound.address, port: bound.port },
    stats: () => ({ backends: backends.stats(), refused: backends.refused }),
    close: () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      return stopped;
    },
  };
}
