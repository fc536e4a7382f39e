import { decodeShimMessage, MessageType, type ShimMessage } from '@mictract/exporter/dist/sidecar/shimmessage';

// The few ChaincodeMessages the balancer writes itself, and what it reads from the ones it forwards.
// Reading goes through the sidecar's decoder (exporter/src/sidecar/shimmessage.ts, the one module that
// knows the shim's envelope); forwarded bytes are never re-encoded, only the messages below are built.
//
// They are written by hand (four fields of protobuf) rather than with @hyperledger/fabric-protos: each
// workspace has its own copy of that package, and google-protobuf classes of two copies in one process
// replace each other in its global namespace, so a gRPC client built on one copy then refuses the other's
// messages ("Expected argument of type protos.ChaincodeMessage"). The balancer loads only the exporter's.

export { decodeShimMessage, MessageType, type ShimMessage };

/** What routing needs of a message: its type, tx ID and channel ID. */
export type Envelope = Pick<ShimMessage, 'type' | 'txId' | 'channelId'>;

/**
 * Reads type (1), txid (4) and channel_id (7) of a ChaincodeMessage and skips every other field
 * unread: a TRANSACTION carries the signed proposal and a RESPONSE whole pages of state, which a full
 * google-protobuf decode (decodeShimMessage) would copy for nothing on every message. Undefined when
 * the bytes are not a well-formed message.
 */
export function decodeEnvelope(raw: Uint8Array): Envelope | undefined {
  let type = 0;
  let txId = '';
  let channelId = '';
  let i = 0;
  const varint = (): number | undefined => {
    let n = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (i >= raw.length) return undefined;
      const b = raw[i++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    return undefined;
  };
  while (i < raw.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) return undefined;
    if (wire === 0) {
      const v = varint();
      if (v === undefined) return undefined;
      if (field === 1) type = v;
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined || i + len > raw.length) return undefined;
      if (field === 4) txId = Buffer.from(raw.buffer, raw.byteOffset + i, len).toString('utf8');
      else if (field === 7) channelId = Buffer.from(raw.buffer, raw.byteOffset + i, len).toString('utf8');
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else return undefined; // groups (3, 4) and 6, 7 never occur in a ChaincodeMessage
    if (field === 1 && wire !== 0) return undefined;
  }
  return i === raw.length ? { type, txId, channelId } : undefined;
}

/** One invocation on the shared stream: Fabric keys them by channel ID and tx ID. */
export function invocationKey(m: Pick<ShimMessage, 'channelId' | 'txId'>): string {
  return `${m.channelId}/${m.txId}`;
}

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
  out.push(n);
  return out;
}

/** Protobuf fields in field order: a number is a varint, anything else length-delimited. */
export function encodeFields(fields: ReadonlyArray<readonly [number, number | string | Uint8Array | undefined]>): Buffer {
  const parts: Buffer[] = [];
  for (const [no, value] of fields) {
    if (value === undefined || value === '' || value === 0) continue; // proto3 defaults are not written
    if (typeof value === 'number') parts.push(Buffer.from([...varint(no << 3), ...varint(value)]));
    else {
      const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
      parts.push(Buffer.from([...varint((no << 3) | 2), ...varint(bytes.length)]), bytes);
    }
  }
  return Buffer.concat(parts);
}

/** A ChaincodeMessage (protos/peer/chaincode_shim.proto: type 1, payload 3, txid 4, channel_id 7). */
export function frame(type: number, txId = '', channelId = '', payload?: Uint8Array): Buffer {
  return encodeFields([[1, type], [3, payload], [4, txId], [7, channelId]]);
}

/** What a peer answers a REGISTER with (Fabric's handler sends both, with no payload). */
export const REGISTERED_FRAME = frame(MessageType.REGISTERED);
export const READY_FRAME = frame(MessageType.READY);

/**
 * An ERROR for one invocation, as a chaincode sends it: the peer fails that transaction with the
 * payload as its message ("transaction returned with failure: …") and keeps the stream.
 */
export function errorFrame(channelId: string, txId: string, message: string): Buffer {
  return frame(MessageType.ERROR, txId, channelId, Buffer.from(message, 'utf8'));
}

/** The chaincode ID a REGISTER carries (the CCaaS package ID); undefined when the payload is not one. */
export function registeredChaincodeId(m: ShimMessage): string | undefined {
  if (m.type !== MessageType.REGISTER) return undefined;
  // ChaincodeID { path = 1; name = 2; version = 3 }: the name, read without a second protos copy
  const p = m.payload;
  for (let i = 0; i < p.length; ) {
    let key = 0;
    let len = 0;
    for (let shift = 0; i < p.length; shift += 7) {
      const b = p[i++]!;
      key += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if ((key & 7) !== 2) return undefined; // every ChaincodeID field is a string
    for (let shift = 0; i < p.length; shift += 7) {
      const b = p[i++]!;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (i + len > p.length) return undefined;
    if (key >>> 3 === 2) return Buffer.from(p.subarray(i, i + len)).toString('utf8') || undefined;
    i += len;
  }
  return undefined;
}

/** TRANSACTION and INIT start an invocation; the chaincode's COMPLETED or ERROR ends it. */
export const startsInvocation = (type: number): boolean => type === MessageType.TRANSACTION || type === MessageType.INIT;
export const endsInvocation = (type: number): boolean => type === MessageType.COMPLETED || type === MessageType.ERROR;
