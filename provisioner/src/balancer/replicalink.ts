import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { CONNECT_PATH, frameMessage, GrpcMessageReader, POD_METADATA } from '@mictract/exporter/dist/sidecar/grpcframes';
import { formatHostPort, splitHostPort } from '@mictract/exporter/dist/sidecar/hostport';
import { decodeEnvelope, decodeShimMessage, READY_FRAME, REGISTERED_FRAME, registeredChaincodeId, type Envelope } from './shimframes';
import { CONNECTION_WINDOW, STREAM_SETTINGS, statusName, statusOfTrailers } from './h2';

// One stream to one replica (through its sidecar), with the balancer in the peer's role: it opens
// protos.Chaincode/Connect, waits for the replica's REGISTER, and later answers it with REGISTERED and
// READY of its own. On Node's own HTTP/2 (as the sidecar, no gRPC library on the path): the DATA bytes
// are cut into gRPC messages (GrpcMessageReader, views into the chunks, no copy), and a message is read
// only as far as routing needs (type, tx ID, channel ID), never decoded into objects.
// Each link has a connection of its own, so a replica that comes back is dialled afresh.

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
  /** The CA (PEM) the replicas' certificates are checked against. */
  readonly ca: Buffer;
  /** The name the replica's certificate carries, checked instead of the address dialled (a pod IP). */
  readonly serverName?: string;
}

/** TLS towards the replicas: their CA (PEM) and the name on their certificate. */
export function replicaTls(ca: Buffer, serverName?: string): ReplicaCredentials {
  return { ca, ...(serverName ? { serverName } : {}) };
}

export type LinkState = 'connecting' | 'registered' | 'ready' | 'broken';

const C = http2.constants;

export class ReplicaLink {
  state: LinkState = 'connecting';
  /** It got as far as REGISTER (a later break is a lost replica, not a failed dial). */
  registered = false;
  /** The pod name the replica's sidecar sent as response metadata, when it sent one that is a pod name. */
  pod: string | undefined;
  private readonly session: ClientHttp2Session;
  private readonly stream: ClientHttp2Stream;
  private readonly registerTimer: NodeJS.Timeout;
  private connected = false;
  private lastError: Error | undefined;
  private trailers: IncomingHttpHeaders | undefined;

  constructor(
    /** host:port of the replica's chaincode server (its sidecar's plaintext port). */
    readonly address: string,
    /** The peer's request metadata (application headers only). */
    metadata: OutgoingHttpHeaders,
    private readonly events: ReplicaLinkEvents,
    registerTimeoutMs: number,
    credentials?: ReplicaCredentials,
  ) {
    const { host, port } = splitHostPort(address);
    const authority = credentials?.serverName ?? address;
    this.session = http2.connect(`${credentials ? 'https' : 'http'}://${formatHostPort(host, port)}`, {
      settings: STREAM_SETTINGS,
      createConnection: () => {
        if (!credentials) return net.connect({ host, port, noDelay: true });
        const servername = credentials.serverName ?? (net.isIP(host) ? undefined : host);
        const socket = tls.connect({ host, port, ca: credentials.ca, ALPNProtocols: ['h2'], ...(servername ? { servername } : {}) });
        socket.setNoDelay(true);
        return socket;
      },
    });
    this.session.on('connect', () => {
      this.connected = true;
      this.session.setLocalWindowSize(CONNECTION_WINDOW);
    });
    this.session.on('error', (err: Error) => {
      this.lastError ??= err;
    });
    this.session.on('goaway', () => undefined);
    this.stream = this.session.request(
      { ...metadata, ':method': 'POST', ':path': CONNECT_PATH, ':scheme': credentials ? 'https' : 'http', ':authority': authority, 'content-type': 'application/grpc', te: 'trailers' },
      { endStream: false },
    );
    this.registerTimer = setTimeout(() => this.fail(`no REGISTER within ${registerTimeoutMs} ms`), registerTimeoutMs);
    const reader = new GrpcMessageReader((raw, compressed) => this.onMessage(raw, compressed));
    this.stream.on('data', (chunk: Buffer) => reader.push(chunk));
    this.stream.on('response', (h: IncomingHttpHeaders, flags: number) => {
      if (flags & C.NGHTTP2_FLAG_END_STREAM) this.trailers = h; // trailers-only: a status and no message
      else this.pod = podName(h[POD_METADATA]);
    });
    this.stream.on('trailers', (t: IncomingHttpHeaders) => {
      this.trailers = t;
    });
    // The replica's side is over once its status (or its END_STREAM) has come: the stream is half
    // closed then, and 'close' would wait for our side too, so this is the break, as grpc-js reads it.
    this.stream.on('end', () => this.fail(this.closeReason()));
    this.stream.on('error', () => undefined); // shows as 'close'
    // Let 'error' and the connection's own events land first, so the reason names the cause.
    this.stream.on('close', () => setImmediate(() => this.fail(this.closeReason())));
  }

  /** Completes the replica's handshake: from now on it may be given invocations. */
  ready(): void {
    if (this.state !== 'registered') return;
    this.stream.write(FRAMED_REGISTERED);
    this.stream.write(FRAMED_READY);
    this.state = 'ready';
  }

  /** Writes one message (raw ChaincodeMessage bytes); false when the replica's window is full (wait for onDrain). */
  write(raw: Buffer): boolean {
    return this.state === 'broken' || this.stream.destroyed ? true : this.stream.write(frameMessage(raw));
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

  private onMessage(raw: Buffer, compressed: boolean): void {
    if (this.state === 'broken') return;
    if (this.state === 'connecting') {
      // Once per link: the one message decoded whole.
      const m = compressed ? undefined : decodeShimMessage(raw);
      const id = m && registeredChaincodeId(m);
      if (!id) return this.fail(`expected REGISTER first, got ${m ? `message type ${m.type}` : 'bytes that are not a ChaincodeMessage'}`);
      clearTimeout(this.registerTimer);
      this.state = 'registered';
      this.registered = true;
      this.events.registered(this, id, raw);
      return;
    }
    // Everything after REGISTER (a second REGISTER too) is the session's to route or drop.
    this.events.message(this, raw, compressed ? undefined : decodeEnvelope(raw));
  }

  /** Why the stream closed, in grpc-js's words for the same case. */
  private closeReason(): string {
    const status = this.trailers && statusOfTrailers(this.trailers);
    if (status) return status.code === 0 ? 'the replica ended its stream' : `${statusName(status.code)}: ${status.details}`;
    if (this.stream.readableEnded) return 'the replica ended its stream without a status';
    if (!this.connected) return `UNAVAILABLE: No connection established. Last error: ${String(this.lastError ?? 'connection closed')}`;
    if (this.lastError || this.session.destroyed || this.session.closed) return 'UNAVAILABLE: Connection dropped';
    return `INTERNAL: Received RST_STREAM with code ${this.stream.rstCode ?? 0}`;
  }

  private fail(reason: string): void {
    if (this.state === 'broken') return;
    this.state = 'broken';
    this.teardown();
    this.events.broken(this, reason);
  }

  private teardown(): void {
    clearTimeout(this.registerTimer);
    if (!this.stream.destroyed) this.stream.close(C.NGHTTP2_CANCEL);
    if (!this.session.destroyed) this.session.close();
  }
}

const FRAMED_REGISTERED = frameMessage(REGISTERED_FRAME);
const FRAMED_READY = frameMessage(READY_FRAME);

/**
 * A pod name from response metadata, or undefined: a Kubernetes object name (DNS subdomain: at most
 * 253 lower-case letters, digits, '-' and '.'), since it becomes a metric label value and a log word.
 */
function podName(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value) ? value : undefined;
}
