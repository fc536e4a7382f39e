import { TraceFlags, type SpanContext } from '@opentelemetry/api';

// Trace identity without context propagation.
//
// Clients, peers and chaincode carry no trace context, so every part keys the trace on the Fabric
// transaction ID: the hex SHA-256 of the proposal's nonce and creator, 64 lower-case hex characters.
//
//   trace ID                  = tx ID characters  0..31
//   the exporter's tx span ID = tx ID characters 32..47
//
// Both are slices of a SHA-256, so they are as random as the IDs OpenTelemetry would pick, and any
// process that sees the tx ID (the exporter at commit, the sidecar at endorsement or evaluation,
// Grafana from a ledger page) derives them with no coordination. The sidecar parents its invocation
// spans on the tx span; an evaluated transaction is never committed, so its trace has those spans
// under a parent that never arrives: trace UIs show them with a "missing parent" mark, still in one
// trace, found by the same ID.
//
// W3C forbids all-zero IDs. A slice that is all zeros (1 in 2^128, 1 in 2^64) ends in "1" instead:
// a fixed rule, so every process still agrees.

const TX_ID = /^[0-9a-f]{64}$/;

/** True for a well-formed Fabric transaction ID. */
export function isTxId(value: string): boolean {
  return TX_ID.test(value);
}

function slice(txId: string, start: number, end: number): string {
  // One rule everywhere: Fabric writes tx IDs in lower-case hex, so upper case is not a tx ID.
  if (!isTxId(txId)) {
    throw new TypeError(`not a Fabric transaction ID (64 lower-case hex characters): ${JSON.stringify(txId.length > 80 ? txId.slice(0, 80) + '…' : txId)}`);
  }
  const id = txId.slice(start, end);
  return /^0+$/.test(id) ? id.slice(0, -1) + '1' : id;
}

/** The 32-hex trace ID of a transaction's trace. */
export function traceIdOf(txId: string): string {
  return slice(txId, 0, 32);
}

/** The 16-hex span ID of the exporter's span for a committed transaction. */
export function txSpanIdOf(txId: string): string {
  return slice(txId, 32, 48);
}

/** The transaction span as a remote parent, for spans emitted by another process (the sidecar). */
export function txSpanContext(txId: string): SpanContext {
  return { traceId: traceIdOf(txId), spanId: txSpanIdOf(txId), traceFlags: TraceFlags.SAMPLED, isRemote: true };
}
