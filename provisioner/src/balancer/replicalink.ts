import * as grpc from '@grpc/grpc-js';
import { connectRaw, UNLIMITED_MESSAGES, type RawReplicaStream } from '@mictract/exporter/dist/sidecar/rawchaincodeservice';
import { decodeEnvelope, decodeShimMessage, READY_FRAME, REGISTERED_FRAME, registeredChaincodeId, type Envelope } from './shimframes';

// One stream to one replica (through its sidecar), with the balancer in the peer's role: it opens
// protos.Chaincode/Connect, waits for the replica's REGISTER, and later answers it with REGISTERED and
// READY of its own. Bytes are read and written raw; a message is decoded only to be routed.

export interface ReplicaLinkEvents {
  /** The replica sent REGISTER (the raw bytes, to forward if it is the first). */
  registered(link: ReplicaLink, chaincodeId: string, raw: Buffer): void;
  /** A message after REGISTER; `message` is undefined when the bytes do not decode. */
  message(link: ReplicaLink, raw: Buffer, message: Envelope | undefined): void;
  /** The stream is over (status, error, end, or a protocol breach); called once. */
  broken(link: ReplicaLink, reason: string): void;
}

/** TLS towards a replica whose sidecar listens with TLS (on Kubernetes, where the hop crosses the pod network). */
export interface ReplicaCredentials {
  readonly credentials: grpc.ChannelCredentials;
  /** The name the replica's certificate carries, checked instead of the address dialled (a pod IP). */
  readonly serverName?: string;
}

/** TLS towards the replicas: their CA (PEM) and the name on their certificate. */
export function replicaTls(ca: Buffer, serverName?: string): ReplicaCredentials {
  return { credentials: grpc.credentials.createSsl(ca), ...(serverName ? { serverName } : {}) };
}

export type LinkState = 'connecting' | 'registered' | 'ready' | 'broken';

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  ...UNLIMITED_MESSAGES,
  // Each link dials afresh: a replica that comes back is not held off by an old subchannel's backoff.
  'grpc.use_local_subchannel_pool': 1,
};

export class ReplicaLink {
  state: LinkState = 'connecting';
  /** It got as far as REGISTER (a later break is a lost replica, not a failed dial). */
  registered = false;
  private readonly client: grpc.Client;
  private readonly stream: RawReplicaStream;
  private readonly registerTimer: NodeJS.Timeout;

  constructor(
    /** host:port of the replica's chaincode server (its sidecar's plaintext port). */
    readonly address: string,
    metadata: grpc.Metadata,
    private readonly events: ReplicaLinkEvents,
    registerTimeoutMs: number,
    tls?: ReplicaCredentials,
  ) {
    this.client = new grpc.Client(
      address,
      tls?.credentials ?? grpc.credentials.createInsecure(),
      tls?.serverName ? { ...CHANNEL_OPTIONS, 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : CHANNEL_OPTIONS,
    );
    this.stream = connectRaw(this.client, metadata);
    this.registerTimer = setTimeout(() => this.fail(`no REGISTER within ${registerTimeoutMs} ms`), registerTimeoutMs);
    this.stream.on('data', (raw: Buffer) => this.onData(raw));
    this.stream.on('error', (err: grpc.ServiceError) => this.fail(`${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`));
    this.stream.on('status', (s: grpc.StatusObject) => this.fail(s.code === grpc.status.OK ? 'the replica ended its stream' : `${grpc.status[s.code]}: ${s.details}`));
    this.stream.on('end', () => this.fail('the replica ended its stream'));
  }

  /** Completes the replica's handshake: from now on it may be given invocations. */
  ready(): void {
    if (this.state !== 'registered') return;
    this.stream.write(REGISTERED_FRAME);
    this.stream.write(READY_FRAME);
    this.state = 'ready';
  }

  /** Writes raw bytes; false when the replica's window is full (wait for onDrain). */
  write(raw: Buffer): boolean {
    return this.state === 'broken' ? true : this.stream.write(raw);
  }

  onDrain(fn: () => void): void {
    this.stream.once('drain', fn);
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  /** Ends the stream from our side; `broken` is not reported for it. */
  close(): void {
    if (this.state === 'broken') return;
    this.state = 'broken';
    this.teardown();
  }

  private onData(raw: Buffer): void {
    if (this.state === 'broken') return;
    if (this.state === 'connecting') {
      const m = decodeShimMessage(raw);
      const id = m && registeredChaincodeId(m);
      if (!id) return this.fail(`expected REGISTER first, got ${m ? `message type ${m.type}` : 'bytes that are not a ChaincodeMessage'}`);
      clearTimeout(this.registerTimer);
      this.state = 'registered';
      this.registered = true;
      this.events.registered(this, id, raw);
      return;
    }
    // Everything after REGISTER (a second REGISTER too) is the session's to route or drop.
    this.events.message(this, raw, decodeEnvelope(raw));
  }

  private fail(reason: string): void {
    if (this.state === 'broken') return;
    this.state = 'broken';
    this.teardown();
    this.events.broken(this, reason);
  }

  private teardown(): void {
    clearTimeout(this.registerTimer);
    this.stream.cancel();
    this.client.close();
  }
}
