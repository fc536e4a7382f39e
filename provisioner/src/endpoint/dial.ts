// One connect attempt to one replica, bounded in time: a replica whose host
// drops packets (instead of refusing) must not stall the client forever.

import net from 'node:net';

import type { HostPort } from './hostport';

export interface Dial {
  /** Handed out at once so the caller can destroy it while it connects. */
  socket: net.Socket;
  /** Resolves when connected; rejects with a short reason (ECONNREFUSED, timeout). */
  ready: Promise<void>;
}

export function dial(to: HostPort, timeoutMs: number): Dial {
  const socket = net.connect({ host: to.host, port: to.port });
  // The socket takes no bytes from the replica until it is piped to a client.
  socket.pause();
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs} ms`));
      socket.destroy();
    }, timeoutMs);
    const settle = (err?: Error): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      if (err) reject(new Error((err as NodeJS.ErrnoException).code ?? err.message));
    };
    const onConnect = (): void => {
      settle();
      resolve();
    };
    socket.once('connect', onConnect);
    // Stays attached: an error between connect and splice() must not crash the process.
    socket.on('error', settle);
    socket.once('close', () => settle(new Error('closed while connecting')));
  });
  return { socket, ready };
}
