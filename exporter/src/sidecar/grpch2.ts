import http2, { type Http2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';

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
