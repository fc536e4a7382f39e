import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';

export { CONNECTION_WINDOW, STREAM_SETTINGS, chaincodeServer, statusOfTrailers, trailersOf, type GrpcStatusValue as GrpcStatus } from '@mictract/exporter/dist/sidecar/grpch2';

// What the balancer needs of gRPC on Node's own HTTP/2 (it runs no gRPC library) beyond what it shares
// with the sidecar (windows, status in trailers, keepalive: exporter/src/sidecar/grpch2.ts): status
// names, and the metadata passed from the peer to the replicas.

/** grpc/status.proto's names, as grpc-js prints them. */
const NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
export const UNAVAILABLE = 14;

export function statusName(code: number): string {
  return NAMES[code] ?? String(code);
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
