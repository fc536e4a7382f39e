import net from 'node:net';
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { Endpoint, Network } from '../networkspec/network';
import { k8s } from './k8sclient';
import { ordererName, peerName } from './names';

// A local port forwarded to a pod's port through the Kubernetes API (pods/portforward, what
// `kubectl port-forward` does), so that code written for local addresses — the channel's osnadmin
// join, the peers' channel join, the chaincode lifecycle — can reach a node in a cluster. Every
// connection accepted on the local port opens its own forward (a WebSocket, @kubernetes/client-node's
// PortForward); bytes pass both ways unchanged, so TLS to the node ends at the node, as it does locally.

export interface PortForwardHandle {
  /** 127.0.0.1 */
  readonly host: string;
  readonly port: number;
  /** `host:port`, ready to use where the local target puts a node's address. */
  readonly address: string;
  /** Stops accepting and closes every forwarded connection. */
  close(): Promise<void>;
}

export interface PortForwardOptions {
  /** A fixed local port; default: one the system picks. */
  readonly localPort?: number;
  /** What the far end said on the error stream (e.g. that nothing listens on the port), per connection. */
  readonly onError?: (message: string) => void;
}

interface MinimalWebSocket {
  close(): void;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Listens on 127.0.0.1 and forwards each connection to `podPort` of pod `namespace/pod`. */
export async function forwardPort(kc: KubeConfig, namespace: string, pod: string, podPort: number, opts: PortForwardOptions = {}): Promise<PortForwardHandle> {
  const pf = new k8s.PortForward(kc, true);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let errorText = '';
    const errors = new Writable({
      write(chunk: Buffer, _enc, done) {
        errorText += chunk.toString('utf8');
        done();
      },
    });
    pf.portForward(namespace, pod, [podPort], socket, errors, socket).then(
      (ws) => {
        const w = ws as unknown as MinimalWebSocket;
        const finish = () => {
          if (errorText) {
            opts.onError?.(errorText.trim());
            socket.destroy(new Error(`port-forward to ${namespace}/${pod}:${podPort}: ${errorText.trim()}`));
          } else socket.end();
        };
        w.on('close', finish);
        w.on('error', () => finish());
        socket.on('close', () => w.close());
        if (socket.destroyed) w.close();
      },
      (err: unknown) => {
        // the WebSocket's ErrorEvent (the API server refused the upgrade) is not an Error, but has a message
        const message = (err as { message?: unknown } | undefined)?.message;
        const text = typeof message === 'string' && message ? message : String(err);
        opts.onError?.(text);
        socket.destroy(new Error(`port-forward to ${namespace}/${pod}:${podPort}: ${text}`));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.localPort ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface ForwardedNetwork {
  /**
   * The network with each orderer's listen, admin and operations endpoints and each peer's listen and
   * operations endpoints at a local forward to its pod: what the local target's channel and lifecycle
   * code (src/fabric/) dials. The node TLS certificates name 127.0.0.1, so hostname checks pass.
   */
  readonly network: Network;
  close(): Promise<void>;
}

/**
 * Forwards the ports the admin CLIs use to every orderer and peer pod of `network` in `namespace`
 * (pod `<name>-0` of each StatefulSet; the container ports are the network's own port numbers).
 */
export async function forwardNetwork(kc: KubeConfig, namespace: string, network: Network, opts: Pick<PortForwardOptions, 'onError'> = {}): Promise<ForwardedNetwork> {
  const handles: PortForwardHandle[] = [];
  const to = async (pod: string, e: Endpoint): Promise<Endpoint> => {
    const h = await forwardPort(kc, namespace, `${pod}-0`, e.port, opts);
    handles.push(h);
    return { host: h.host, port: h.port };
  };
  const close = async () => {
    await Promise.all(handles.map((h) => h.close()));
  };
  try {
    const nodes = await Promise.all(
      network.ordererOrg.nodes.map(async (o) => ({ ...o, listen: await to(ordererName(o), o.listen), admin: await to(ordererName(o), o.admin), operations: await to(ordererName(o), o.operations) })),
    );
    const organizations = await Promise.all(
      network.organizations.map(async (org) => ({
        ...org,
        peers: await Promise.all(org.peers.map(async (p) => ({ ...p, listen: await to(peerName(org, p), p.listen), operations: await to(peerName(org, p), p.operations) }))),
      })),
    );
    return { network: { ...network, ordererOrg: { ...network.ordererOrg, nodes }, organizations }, close };
  } catch (err) {
    await close();
    throw err;
  }
}
