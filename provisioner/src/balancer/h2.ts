import http2, { type IncomingHttpHeaders, type OutgoingHttpHeaders, type Http2Session } from 'node:http2';

// What the balancer needs of gRPC on Node's own HTTP/2 (it runs no gRPC library): windows, status in
// headers and trailers, the metadata passed from the peer to the replicas, and keepalive.

/** Per-stream and per-connection windows: what may be in flight unacknowledged, each way. */
export const CONNECTION_WINDOW = 1024 * 1024;
export const STREAM_SETTINGS: http2.Settings = { initialWindowSize: CONNECTION_WINDOW, maxHeaderListSize: 64 * 1024 };

export interface GrpcStatus {
  readonly code: number;
  readonly details: string;
}

/** grpc/status.proto's names, as grpc-js prints them. */
const NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
export const UNAVAILABLE = 14;
export const UNIMPLEMENTED = 12;

export function statusName(code: number): string {
  return NAMES[code] ?? String(code);
}

/** The status in a response's trailers (or trailers-only headers); undefined when they carry none. */
export function statusOfTrailers(headers: IncomingHttpHeaders): GrpcStatus | undefined {
  const code = headers['grpc-status'];
  if (code === undefined) return undefined;
  const message = headers['grpc-message'];
  let details = typeof message === 'string' ? message : '';
  try {
    details = decodeURIComponent(details);
  } catch {
    // as sent
  }
  return { code: Number(code), details };
}

/** A status as trailers, percent-encoded as grpc-js's server does (its clients decode with decodeURI). */
export function trailersOf(status: GrpcStatus): OutgoingHttpHeaders {
  return { 'grpc-status': String(status.code), 'grpc-message': encodeURI(status.details) };
}

// Headers gRPC or HTTP/2 set themselves; everything else the peer sent (its metadata) goes to the replicas.
const TRANSPORT_HEADERS = new Set(['user-agent', 'content-type', 'te', 'host', 'grpc-accept-encoding', 'grpc-encoding', 'grpc-timeout', 'accept-encoding', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

/** The application metadata of the peer's request, without pseudo-headers and the transport's own. */
export function applicationHeaders(from: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const key of Object.keys(from)) {
    if (key.charCodeAt(0) === 58 /* ':' */ || TRANSPORT_HEADERS.has(key)) continue;
    out[key] = from[key];
  }
  return out;
}

/**
 * Pings the connection every `everyMs` (as grpc-js's keepalive, which the balancer's server used: 110 s)
 * and drops it when a ping goes unanswered for `timeoutMs`.
 */
export function pingEvery(session: Http2Session, everyMs: number, timeoutMs: number): void {
  const timer = setInterval(() => {
    if (session.destroyed) return;
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
