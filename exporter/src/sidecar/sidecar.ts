import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CONNECT_PATH, GrpcMessageReader, POD_METADATA } from './grpcframes';
import { CONNECTION_WINDOW, type GrpcStatusValue, chaincodeServer, statusOfTrailers, STREAM_SETTINGS, trailersOf } from './grpch2';
import { formatHostPort, splitHostPort } from './hostport';
import { InvocationTracker, type Direction } from './invocationtracker';
import type { Telemetry } from './telemetry';

// The proxy, on Node's own HTTP/2 (no gRPC library on the path): towards the peer it is the chaincode
// server (protos.Chaincode/Connect, TLS as CCaaS allows); for each stream the peer opens it opens one to
// its replica on loopback (plaintext h2c) over a connection of its own, so a replica that was down and
// came back is dialled afresh by the next stream, with no backoff left over from the last one.
//
// Bytes: the DATA of each stream is written to the other side as it arrives, unchanged (gRPC's framing
// and the messages inside it included, so nothing is ever re-encoded and nothing a newer Fabric adds is
// lost). A GrpcMessageReader finds the messages in the same chunks for the tracker, after the write.
//
// Flow control: when one side's write returns false (its HTTP/2 window or buffer is full), reading the
// other side pauses until 'drain'. A paused Node HTTP/2 stream stops acknowledging what it receives, so
// the sender's window closes: nothing is buffered without bound.
//
// Headers, trailers and endings: the peer's request metadata goes to the replica, the replica's
// response headers and trailers (status, details, metadata) come back unchanged (the response headers
// with the pod name added, `mictract-pod`), the trailers only after every message before them. A
// replica that cannot be reached or fails without a status gives the peer the status grpc-js would give
// a direct client (same code and details); the peer half-closing ends the replica's side, the peer
// cancelling (or its connection dropping) cancels the replica's stream.

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
  /**
   * The replica's pod name, sent back on each Connect stream as response metadata `mictract-pod`: the
   * chaincode balancer dials replicas by address (a pod IP on Kubernetes) and names them by it.
   */
  readonly pod?: string;
}

export interface Sidecar {
  /** host:port actually bound. */
  readonly address: string;
  /** Stops accepting and cancels the streams still open; resolves when they are gone. */
  close(): Promise<void>;
}

/** gRPC status codes used here (grpc/status.proto). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  PERMISSION_DENIED: 7,
} as const;

type Status = GrpcStatusValue;

const C = http2.constants;

// Headers HTTP/2 or the connection own; everything else (gRPC's content-type, te, grpc-timeout,
// grpc-encoding, user agent, application metadata) passes through both ways.
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings']);

function passHeaders(from: IncomingHttpHeaders, into: OutgoingHttpHeaders): OutgoingHttpHeaders {
  for (const key of Object.keys(from)) {
    if (key.charCodeAt(0) === 58 /* ':' */ || HOP_HEADERS.has(key)) continue;
    into[key] = from[key];
  }
  return into;
}

/** The status grpc-js gives a client whose stream closed without one (its subchannel-call.js, same words). */
function statusOfClose(rstCode: number, httpStatus: number | undefined): Status {
  switch (rstCode) {
    case C.NGHTTP2_NO_ERROR:
      if (httpStatus !== undefined && httpStatus !== 200) return { code: GrpcStatus.UNKNOWN, details: `Received HTTP status code ${httpStatus}` };
      return { code: GrpcStatus.INTERNAL, details: `Received RST_STREAM with code ${rstCode} (Call ended without gRPC status)` };
    case C.NGHTTP2_REFUSED_STREAM:
      return { code: GrpcStatus.UNAVAILABLE, details: 'Stream refused by server' };
    case C.NGHTTP2_CANCEL:
      return { code: GrpcStatus.CANCELLED, details: 'Call cancelled' };
    case C.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'Bandwidth exhausted or memory limit exceeded' };
    case C.NGHTTP2_INADEQUATE_SECURITY:
      return { code: GrpcStatus.PERMISSION_DENIED, details: 'Protocol not secure enough' };
    case C.NGHTTP2_INTERNAL_ERROR:
      return { code: GrpcStatus.INTERNAL, details: `Received RST_STREAM with code ${rstCode} (Internal server error)` };
    default:
      return { code: GrpcStatus.INTERNAL, details: `Received RST_STREAM with code ${rstCode}` };
  }
}

/** Writes each chunk `from` reads to `to` as it comes, pausing `from` while `to` is full; then `reader` sees it. */
function forward(from: http2.Http2Stream, to: http2.Http2Stream, reader: GrpcMessageReader, over: () => boolean): void {
  from.on('data', (chunk: Buffer) => {
    if (over() || to.destroyed) return;
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
    reader.push(chunk);
  });
}

export async function startSidecar(options: SidecarServerOptions, telemetry: Telemetry): Promise<Sidecar> {
  const m = telemetry.metrics;
  const { host: replicaHost, port: replicaPort } = splitHostPort(options.replica);
  const open = new Set<() => void>();
  const { server, sessions } = chaincodeServer(options.tls, (stream, headers) => relay(stream, headers));
  const podHeader = options.pod ? { [POD_METADATA]: options.pod } : {};

  const relay = (peerStream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    m.streamsOpened.inc();
    m.streamsActive.inc();
    const socket = peerStream.session?.socket as TLSSocket | undefined;
    const clientAddress = socket?.remoteAddress ? (socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress) : 'unknown';

    let registeredAs = '';
    let peerName: string | undefined;
    const identity = () => {
      peerName ??= options.peer || String(socket?.getPeerCertificate?.()?.subject?.CN ?? '');
      return { chaincode: options.chaincode || registeredAs, peer: peerName, clientAddress };
    };
    // The CCaaS chaincode ID is the package ID, label:hash; the label names the chaincode.
    const tracker = new InvocationTracker(telemetry.forStream(identity, (id) => (registeredAs = id.split(':')[0] ?? id)));
    const observer = (direction: Direction, observe: (message: Buffer) => void) =>
      new GrpcMessageReader((message, compressed) => {
        try {
          m.traffic(direction, message.length);
          if (!compressed) observe(message);
        } catch {
          // never let observation break forwarding
        }
      });
    const toChaincode = observer('to_chaincode', (b) => tracker.fromPeer(b));
    const toPeer = observer('to_peer', (b) => tracker.fromChaincode(b));

    let connected = false;
    let connectError: Error | undefined;
    let dropped = false;
    const session: ClientHttp2Session = http2.connect(`http://${formatHostPort(replicaHost, replicaPort)}`, {
      settings: STREAM_SETTINGS,
      createConnection: () => net.connect({ host: replicaHost, port: replicaPort, noDelay: true }),
    });
    session.on('connect', () => {
      connected = true;
      session.setLocalWindowSize(CONNECTION_WINDOW);
    });
    session.on('error', (err: Error) => {
      if (connected) dropped = true;
      else connectError ??= err;
    });
    session.on('goaway', () => undefined);

    const up: ClientHttp2Stream = session.request(
      passHeaders(headers, { ':method': 'POST', ':path': CONNECT_PATH, ':scheme': 'http', ':authority': options.replica }),
      { endStream: false },
    );

    let over = false;
    let responded = false;
    let httpStatus: number | undefined;
    let trailers: IncomingHttpHeaders | undefined;

    // The stream is over for the peer: count and close the books once.
    const finish = (status: Status, cause: 'replica' | 'peer' | undefined) => {
      if (over) return;
      over = true;
      open.delete(cancel);
      try {
        tracker.close(cause ? `stream ended: ${status.code} ${status.details}` : 'stream ended');
      } catch {
        // observation only
      }
      if (cause) m.streamsBroken.inc({ cause });
      m.streamsActive.dec();
      if (!session.destroyed) session.close();
    };

    // Ends the peer's stream with `status` after everything already written; `extra` are the replica's trailers.
    const endPeer = (status: Status, extra: OutgoingHttpHeaders) => {
      finish(status, status.code === GrpcStatus.OK ? undefined : 'replica');
      if (peerStream.destroyed || peerStream.closed) return;
      if (!responded) {
        responded = true;
        peerStream.respond({ ':status': 200, 'content-type': 'application/grpc', ...extra }, { endStream: true, sendDate: false } as http2.ServerStreamResponseOptions);
        return;
      }
      peerStream.once('wantTrailers', () => {
        try {
          peerStream.sendTrailers(extra);
        } catch {
          peerStream.close(C.NGHTTP2_INTERNAL_ERROR);
        }
      });
      peerStream.end();
    };
    const synthesize = (status: Status) => endPeer(status, trailersOf(status));
    const cancel = () => up.close(C.NGHTTP2_CANCEL);
    open.add(cancel);

    // peer -> replica
    forward(peerStream, up, toChaincode, () => over);
    peerStream.on('end', () => {
      if (!over && !up.destroyed) up.end();
    });
    peerStream.on('error', () => undefined); // shows as 'close' below
    peerStream.on('close', () => {
      if (over) return;
      // The peer went away (RST_STREAM or its connection) before the replica's status: cancel the replica's side.
      finish({ code: GrpcStatus.CANCELLED, details: 'the peer cancelled the stream' }, 'peer');
      if (!up.destroyed) up.close(C.NGHTTP2_CANCEL);
    });

    // replica -> peer
    up.on('response', (h: IncomingHttpHeaders, flags: number) => {
      httpStatus = Number(h[':status']);
      if (over || peerStream.destroyed) return;
      if (flags & C.NGHTTP2_FLAG_END_STREAM) {
        // Trailers-only (a status and no message): passed on as it came.
        trailers = h;
        responded = true;
        const status = statusOfTrailers(h) ?? statusOfClose(C.NGHTTP2_NO_ERROR, httpStatus);
        finish(status, status.code === GrpcStatus.OK ? undefined : 'replica');
        peerStream.respond(passHeaders(h, { ':status': httpStatus || 200 }), { endStream: true, sendDate: false } as http2.ServerStreamResponseOptions);
        return;
      }
      responded = true;
      peerStream.respond(passHeaders(h, { ':status': httpStatus || 200, ...podHeader }), { waitForTrailers: true, sendDate: false } as http2.ServerStreamResponseOptions);
    });
    forward(up, peerStream, toPeer, () => over);
    up.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = t;
    });
    up.on('end', () => {
      // Every message before the status has been forwarded.
      if (over) return;
      if (trailers && responded) {
        const status = statusOfTrailers(trailers) ?? statusOfClose(C.NGHTTP2_NO_ERROR, httpStatus);
        endPeer(status, passHeaders(trailers, {}));
      }
      // else: a stream ended without a status; 'close' says how
    });
    up.on('error', () => undefined); // shows as 'close' below
    up.on('close', () => {
      if (over) return;
      // Let 'error' and the connection's own events land first, as grpc-js does before it reports.
      setImmediate(() => {
        if (over) return;
        if (!connected) {
          return synthesize({ code: GrpcStatus.UNAVAILABLE, details: `No connection established. Last error: ${String(connectError ?? 'connection closed')}. Resolution note: ` });
        }
        const lost = dropped || session.destroyed || session.closed;
        synthesize(lost ? { code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped' } : statusOfClose(up.rstCode ?? C.NGHTTP2_NO_ERROR, httpStatus));
      });
    });
  };

  const { host, port } = splitHostPort(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  const address = formatHostPort(host, bound.port);

  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Each cancelled replica stream ends its peer stream with CANCELLED; then the connections close.
        for (const cancel of [...open]) cancel();
        for (const s of sessions) s.close();
      }),
  };
}
