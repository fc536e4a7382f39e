// The trace identity contract (exporter/src/traceidentity.ts): Fabric carries no trace context, so a
// transaction's trace ID is its tx ID's first 32 hex characters (lower case). An all-zero slice,
// forbidden by W3C, ends in `1` instead — the same rule the exporter and the sidecar apply.

const TX_ID = /^[0-9a-f]{64}$/;

export function isTxId(value: string): boolean {
  return TX_ID.test(value);
}

export function traceIdOf(txId: string): string {
  const id = txId.trim().toLowerCase();
  if (!isTxId(id)) {
    throw new Error(`not a Fabric transaction ID (64 hex characters): ${txId}`);
  }
  const slice = id.slice(0, 32);
  return /^0+$/.test(slice) ? `${slice.slice(0, 31)}1` : slice;
}
