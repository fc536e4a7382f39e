import http2, { type Http2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type net from 'node:net';
import { CONNECT_PATH } from './grpcframes';

/** grpc/status.proto's UNIMPLEMENTED: the answer to a method the server does not have. */
const UNIMPLEMENTED = 12;

// gRPC on Node's own HTTP/2, as the sidecar and the chaincode balancer speak it without a gRPC
// library: the windows, a status in headers and trailers encoded and decoded as grpc-js does, and
// keepalive pings as fabric-shim's chaincode server has them.

/** A gRPC status: code (grpc/status.proto) and message. */
export interface GrpcStatusValue {
  readonly code: number;
  readonly details: string;
}

/** Per-stream and per-connection windows: what may be in flight unacknowledged, each way. */
export const CONNECTION_WINDOW = 1024 * 1024;
export const STREAM_SETTINGS: http2.Settings = { initialWindowSize: CONNECTION_WINDOW, maxHeaderListSize: 64 * 1024 };

/** As fabric-shim's own chaincode server (grpc-js keepalive 110 s, 20 s to answer), so the peer meets the same server. */
export const KEEPALIVE_MS = 110_000;
export const KEEPALIVE_TIMEOUT_MS = 20_000;

/** The status in a response's trailers (or trailers-only headers); undefined when they carry none. */
export function statusOfTrailers(headers: IncomingHttpHeaders): GrpcStatusValue | undefined {
  const code = headers['grpc-status'];
  if (code === undefined) return undefined;
  const message = headers['grpc-message'];
  let details = typeof message === 'string' ? message : '';
  try {
    details = decodeURI(details); // grpc-js's client decodes with decodeURI
  } catch {
    // as sent
  }
  return { code: Number(code), details };
}

/** A status as trailers (or trailers-only headers), percent-encoded as grpc-js's server does. */
export function trailersOf(status: GrpcStatusValue): OutgoingHttpHeaders {
  return { 'grpc-status': String(status.code), 'grpc-message': encodeURI(status.details) };
}

/** Pings the connection every `everyMs` and drops it when a ping goes unanswered for `timeoutMs`. */
export function pingEvery(session: Http2Session, everyMs = KEEPALIVE_MS, timeoutMs = KEEPALIVE_TIMEOUT_MS): void {
  const timer = setInterval(() => {
    if (session.closed || session.destroyed) return clearInterval(timer);
    const deadline = setTimeout(() => session.destroy(), timeoutMs).unref();
    try {
      session.ping((err) => {
        clearTimeout(deadline);
        if (err && !session.destroyed) session.destroy();
      });
    } catch {
      clearTimeout(deadline); // closing already
    }
  }, everyMs).unref();
  session.once('close', () => clearInterval(timer));
}

/** TLS of a chaincode server: its certificate and key, and the CA of clients it asks for, if any. */
export interface ChaincodeServerTls {
  readonly cert: Buffer | string;
  readonly key: Buffer | string;
  readonly clientCa?: Buffer | string;
}

/**
 * An HTTP/2 server that speaks to a peer as fabric-shim's chaincode server does: the windows, no
 * Nagle, keepalive pings; a request that is not gRPC gets 415, a method other than
 * protos.Chaincode/Connect UNIMPLEMENTED, and each Connect stream goes to `connect`. `sessions` holds
 * the open HTTP/2 sessions, for closing them.
 */
export function chaincodeServer(tls: ChaincodeServerTls | undefined, connect: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void): { server: http2.Http2Server | http2.Http2SecureServer; sessions: Set<ServerHttp2Session> } {
  const server = tls
    ? http2.createSecureServer({
        cert: tls.cert,
        key: tls.key,
        ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        settings: STREAM_SETTINGS,
      })
    : http2.createServer({ settings: STREAM_SETTINGS });
  const sessions = new Set<ServerHttp2Session>();
  // Small messages both ways, each awaited: never wait for Nagle (the TCP socket, before any TLS).
  server.on('connection', (socket: net.Socket) => socket.setNoDelay(true));
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on('error', () => undefined); // its streams close and report
    session.once('close', () => sessions.delete(session));
    session.setLocalWindowSize(CONNECTION_WINDOW);
    pingEvery(session);
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    if (headers[':method'] !== 'POST' || !String(headers['content-type'] ?? '').startsWith('application/grpc')) {
      stream.respond({ ':status': 415 }, { endStream: true });
    } else if (headers[':path'] !== CONNECT_PATH) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...trailersOf({ code: UNIMPLEMENTED, details: `The server does not implement the method ${String(headers[':path'])}` }) }, { endStream: true });
    } else connect(stream, headers);
  });
  server.on('sessionError', () => undefined);
  server.on('tlsClientError', () => undefined);
  return { server, sessions };
}
