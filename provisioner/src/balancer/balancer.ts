import * as grpc from '@grpc/grpc-js';
import { RawChaincodeService, UNLIMITED_MESSAGES, type RawPeerStream } from '@mictract/exporter/dist/sidecar/rawchaincodeservice';
import { BalancerMetrics } from './balancermetrics';
import { PeerSession } from './peersession';
import type { ReplicaCredentials } from './replicalink';

// The chaincode balancer of one org and chaincode slot: towards the peers it is the chaincode server
// (protos.Chaincode/Connect, TLS with the org's service certificate), and for every stream a peer opens
// it is the peer towards each replica (see peersession.ts). It ends TLS because it must read each
// message's channel and tx ID to route it; behind it, on loopback, the replicas' sidecars listen
// plaintext (a second TLS hop per replica would cost CPU and protect nothing on the same host).

export interface BalancerOptions {
  /** host:port to listen on; port 0 picks a free one. */
  readonly listen: string;
  /** Server TLS towards the peer (PEM); plaintext when absent. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Each replica's chaincode server (its sidecar), host:port; may start empty when `discovered` (see setReplicas). */
  readonly replicas: readonly string[];
  /** The replica set comes from discovery (setReplicas), so it may be empty at first. */
  readonly discovered?: boolean;
  /** TLS towards the replicas (their sidecars listen with TLS); plaintext when absent. */
  readonly replicaTls?: ReplicaCredentials;
  readonly log?: (line: string) => void;
  readonly metrics?: BalancerMetrics;
  readonly registerTimeoutMs?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export interface Balancer {
  /** host:port actually bound. */
  readonly address: string;
  readonly metrics: BalancerMetrics;
  /** Open peer streams. */
  sessions(): number;
  /** The replicas now (discovery): every open peer stream dials the new ones and retires the ones gone. */
  setReplicas(addresses: readonly string[]): void;
  replicas(): readonly string[];
  /** Ends every peer stream and stops listening. */
  close(): Promise<void>;
}

// As fabric-shim's chaincode server and the sidecar, so the peer meets the same server.
const SERVER_OPTIONS: grpc.ServerOptions = {
  ...UNLIMITED_MESSAGES,
  'grpc.keepalive_time_ms': 110_000,
  'grpc.http2.min_time_between_pings_ms': 110_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.http2.max_pings_without_data': 0,
  'grpc.keepalive_permit_without_calls': 1,
};

export async function startBalancer(opts: BalancerOptions): Promise<Balancer> {
  if (opts.replicas.length === 0 && !opts.discovered) throw new Error('a balancer needs at least one replica');
  let replicas: readonly string[] = [...opts.replicas];
  const log = opts.log ?? (() => undefined);
  const metrics = opts.metrics ?? new BalancerMetrics(opts.replicas);
  const sessions = new Set<PeerSession>();
  metrics.observe({
    inFlight() {
      const sum = new Map<string, number>();
      for (const s of sessions) for (const [r, n] of s.inFlight()) sum.set(r, (sum.get(r) ?? 0) + n);
      return sum;
    },
    readyStreams() {
      const count = new Map<string, number>();
      for (const s of sessions) for (const r of s.ready()) count.set(r, (count.get(r) ?? 0) + 1);
      return count;
    },
  });

  const connect = (call: RawPeerStream) => {
    log(`peer stream from ${call.getPeer()}`);
    metrics.peerStreams.inc();
    const session = new PeerSession(
      call,
      {
        replicas,
        ...(opts.replicaTls ? { replicaCredentials: opts.replicaTls } : {}),
        metrics,
        log,
        registerTimeoutMs: opts.registerTimeoutMs ?? 10_000,
        retryMinMs: opts.retryMinMs ?? 100,
        retryMaxMs: opts.retryMaxMs ?? 3_000,
      },
      (s) => {
        if (sessions.delete(s)) metrics.peerStreams.dec();
      },
    );
    sessions.add(session);
  };

  const server = new grpc.Server(SERVER_OPTIONS);
  server.addService(RawChaincodeService, { connect });
  const credentials = opts.tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: opts.tls.key, cert_chain: opts.tls.cert }], false)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(opts.listen, credentials, (err, p) => (err ? reject(err) : resolve(p))));
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(':'));

  return {
    address: `${host}:${port}`,
    metrics,
    sessions: () => sessions.size,
    setReplicas(addresses) {
      const next = [...new Set(addresses)].sort();
      if (next.length === replicas.length && next.every((a, i) => a === replicas[i])) return;
      replicas = next;
      metrics.setReplicas(next);
      for (const s of sessions) s.setReplicas(next);
    },
    replicas: () => replicas,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of [...sessions]) s.close();
        server.tryShutdown(() => resolve());
      }),
  };
}
