import * as grpc from '@grpc/grpc-js';
import { formatHostPort, splitHostPort } from './hostport';
import { InvocationTracker } from './invocationtracker';
import { applicationMetadata, connectRaw, RawChaincodeService, UNLIMITED_MESSAGES, type RawPeerStream, type RawReplicaStream } from './rawchaincodeservice';
import { bridge } from './streambridge';
import type { Telemetry } from './telemetry';

// The proxy: towards the peer it is the chaincode server (protos.Chaincode/Connect, TLS as CCaaS allows);
// for each stream the peer opens it opens one to its replica on loopback (plaintext) over a channel of
// its own, so a replica that was down and came back is dialled afresh by the next stream, with no
// reconnect backoff left over from the last one.

export interface SidecarTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When set, the peer must present a client certificate issued by it. */
  readonly clientCa?: Buffer;
}

export interface SidecarServerOptions {
  /** host:port to listen on; port 0 picks a free one. */
  readonly listen: string;
  /** Server TLS towards the peer; plaintext when absent. */
  readonly tls?: SidecarTls;
  /** The replica's plaintext chaincode server, host:port (loopback). */
  readonly replica: string;
  /** Chaincode name for labels and spans; empty = the label of the chaincode ID the replica registers with. */
  readonly chaincode: string;
  /** Peer name for spans; empty = the CN of the peer's client certificate, if any. */
  readonly peer: string;
}

export interface Sidecar {
  /** host:port actually bound. */
  readonly address: string;
  /** Stops accepting and cancels the streams still open; resolves when they are gone. */
  close(): Promise<void>;
}

// As fabric-shim's own chaincode server (lib/cmds/serverCommand.js), so the peer meets the same server.
const SERVER_OPTIONS: grpc.ServerOptions = {
  ...UNLIMITED_MESSAGES,
  'grpc.keepalive_time_ms': 110_000,
  'grpc.http2.min_time_between_pings_ms': 110_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.http2.max_pings_without_data': 0,
  'grpc.keepalive_permit_without_calls': 1,
};

const REPLICA_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  ...UNLIMITED_MESSAGES,
  // A channel of its own per stream: never share subchannels (and their backoff) across streams.
  'grpc.use_local_subchannel_pool': 1,
};

export async function startSidecar(options: SidecarServerOptions, telemetry: Telemetry): Promise<Sidecar> {
  const m = telemetry.metrics;
  const open = new Map<RawPeerStream, RawReplicaStream>();
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(options.tls.clientCa ?? null, [{ private_key: options.tls.key, cert_chain: options.tls.cert }], Boolean(options.tls.clientCa))
    : grpc.ServerCredentials.createInsecure();

  const connect = (call: RawPeerStream) => {
    m.streamsOpened.inc();
    m.streamsActive.inc();
    const client = new grpc.Client(options.replica, grpc.credentials.createInsecure(), REPLICA_CHANNEL_OPTIONS);
    const replica = connectRaw(client, applicationMetadata(call.metadata));
    open.set(call, replica);

    let registeredAs = '';
    let peerName: string | undefined;
    const identity = () => {
      peerName ??= options.peer || String(call.getAuthContext()?.sslPeerCertificate?.subject?.CN ?? '');
      return { chaincode: options.chaincode || registeredAs, peer: peerName, clientAddress: call.getPeer() };
    };
    // The CCaaS chaincode ID is the package ID, label:hash; the label names the chaincode.
    const tracker = new InvocationTracker(telemetry.forStream(identity, (id) => (registeredAs = id.split(':')[0] ?? id)));

    bridge(call, replica, {
      fromPeer(message) {
        m.messages.inc({ direction: 'to_chaincode' });
        m.bytes.inc({ direction: 'to_chaincode' }, message.length);
        tracker.fromPeer(message);
      },
      fromChaincode(message) {
        m.messages.inc({ direction: 'to_peer' });
        m.bytes.inc({ direction: 'to_peer' }, message.length);
        tracker.fromChaincode(message);
      },
      ended(status, cause) {
        open.delete(call);
        tracker.close(cause ? `stream ended: ${grpc.status[status.code]} ${status.details}` : 'stream ended');
        if (cause) m.streamsBroken.inc({ cause });
        m.streamsActive.dec();
        client.close();
      },
    });
  };

  const server = new grpc.Server(SERVER_OPTIONS);
  server.addService(RawChaincodeService, { connect });
  const { host } = splitHostPort(options.listen);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(options.listen, credentials, (err, p) => (err ? reject(err) : resolve(p))));
  const address = formatHostPort(host, port);

  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Each cancelled replica call ends its peer stream with CANCELLED.
        for (const replica of open.values()) replica.cancel();
      }),
  };
}
