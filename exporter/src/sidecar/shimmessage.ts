import { peer } from '@hyperledger/fabric-protos';

// A read-only view of one ChaincodeMessage on the shim stream, decoded from a copy of the bytes the
// sidecar forwards. Decoding is for observation only: the forwarded bytes are never re-encoded
// (google-protobuf drops unknown fields when it does), and a message that does not decode is
// forwarded all the same.

export const MessageType = peer.ChaincodeMessage.Type;

const TYPE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([name, value]) => [value, name]));

/** The protocol name of a message type (GET_STATE, …); UNKNOWN for a type this version does not know. */
export function messageTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? 'UNKNOWN';
}

export interface ShimMessage {
  readonly type: number;
  readonly txId: string;
  readonly channelId: string;
  readonly payload: Uint8Array;
}

/**
 * Decodes the envelope of a ChaincodeMessage; undefined when the bytes are not one. Every message on
 * the stream passes here, so this reads the wire format directly instead of building a google-protobuf
 * object: the payload is a view into `raw` (no copy), and the nested messages (timestamp, proposal,
 * chaincode event) are skipped unread, so only the envelope itself can make a message malformed.
 * Unknown fields are skipped, as protobuf wants.
 */
export function decodeShimMessage(raw: Uint8Array): ShimMessage | undefined {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let pos = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= buf.length) return undefined;
      const b = buf[pos++]!;
      if (shift < 32) value |= (b & 0x7f) << shift; // enum and length values fit in 32 bits
      if ((b & 0x80) === 0) return value >>> 0;
    }
    return undefined; // more than 10 bytes
  };
  let type = 0;
  let txId = '';
  let channelId = '';
  let payload: Uint8Array = buf.subarray(0, 0);
  while (pos < buf.length) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) return undefined;
    if (field === 1) {
      if (wire !== 0) return undefined;
      const v = varint();
      if (v === undefined) return undefined;
      type = v | 0;
      continue;
    }
    switch (wire) {
      case 0:
        if (varint() === undefined) return undefined;
        break;
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const len = varint();
        if (len === undefined || pos + len > buf.length) return undefined;
        if (field === 3) payload = buf.subarray(pos, pos + len);
        else if (field === 4) txId = buf.toString('utf8', pos, pos + len);
        else if (field === 7) channelId = buf.toString('utf8', pos, pos + len);
        pos += len;
        break;
      }
      default:
        return undefined; // groups (3, 4) are not in these protos; 6 and 7 are no wire types
    }
    if ([3, 4, 7].includes(field) && wire !== 2) return undefined;
  }
  return pos === buf.length ? { type, txId, channelId, payload } : undefined;
}

/** What the peer asks the chaincode to run: the function (first argument) and the argument count. */
export interface InvocationRequest {
  readonly fn: string;
  readonly argCount: number;
}

/** The ChaincodeInput of a TRANSACTION or INIT; throws when the payload is not one. */
export function decodeInvocationRequest(payload: Uint8Array): InvocationRequest {
  const args = peer.ChaincodeInput.deserializeBinary(payload).getArgsList_asU8();
  const first = args[0];
  return { fn: first ? Buffer.from(first).toString('utf8') : '', argCount: args.length };
}

/** The chaincode's answer in a COMPLETED message: Fabric's Response (status ≥ 400 is an error). */
export interface InvocationResponse {
  readonly status: number;
  readonly message: string;
  readonly payloadSize: number;
}

/** The Response inside a COMPLETED payload; throws when the payload is not one. */
export function decodeInvocationResponse(payload: Uint8Array): InvocationResponse {
  const res = peer.Response.deserializeBinary(payload);
  return { status: res.getStatus(), message: res.getMessage(), payloadSize: res.getPayload_asU8().length };
}

/** Fabric's rule (shim.ERRORTHRESHOLD): a response status of 400 or more is an error. */
export const ERROR_THRESHOLD = 400;
