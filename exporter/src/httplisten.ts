import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, splitHostPort } from './sidecar/hostport';

/** A listening HTTP server: the address it took (port 0 picks one) and how to close it with its connections. */
export interface Listening {
  readonly address: string;
  close(): Promise<void>;
}

/** Listens on HOST:PORT; the exporter's API/metrics server and the sidecar's metrics server share it. */
export async function listenOn(server: http.Server, listen: string): Promise<Listening> {
  const { host, port: wanted } = splitHostPort(listen);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(wanted, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: formatHostPort(host, port),
    close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}
