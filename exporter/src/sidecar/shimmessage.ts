import { ProtoReader } from '../protoreader';

// A read-only view of one ChaincodeMessage on the shim stream, decoded from a copy of the bytes the
// sidecar forwards. Decoding is for observation only: the forwarded bytes are never re-encoded
// (google-protobuf drops unknown fields when it does), and a message that does not decode is
// forwarded all the same. Everything here reads the wire format itself (../protoreader.ts), so the
// sidecar never loads @hyperledger/fabric-protos (~30 MB of generated code and grpc-js) or builds
// google-protobuf objects; the tests check each reader against google-protobuf.

/** ChaincodeMessage.Type (fabric-protos peer/chaincode_shim.proto; 24 and 25 are Fabric 2.5's batch calls). */
export const MessageType = {
  UNDEFINED: 0,
  REGISTER: 1,
  REGISTERED: 2,
  INIT: 3,
  READY: 4,
  TRANSACTION: 5,
  COMPLETED: 6,
  ERROR: 7,
  GET_STATE: 8,
  PUT_STATE: 9,
  DEL_STATE: 10,
  INVOKE_CHAINCODE: 11,
  RESPONSE: 13,
  GET_STATE_BY_RANGE: 14,
  GET_QUERY_RESULT: 15,
  QUERY_STATE_NEXT: 16,
  QUERY_STATE_CLOSE: 17,
  KEEPALIVE: 18,
  GET_HISTORY_FOR_KEY: 19,
  GET_STATE_METADATA: 20,
  PUT_STATE_METADATA: 21,
  GET_PRIVATE_DATA_HASH: 22,
  PURGE_PRIVATE_DATA: 23,
  WRITE_BATCH_STATE: 24,
  GET_STATE_MULTIPLE: 25,
} as const;

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

/** The ChaincodeInput of a TRANSACTION or INIT (args = 1); throws when the payload is not one. */
export function decodeInvocationRequest(payload: Uint8Array): InvocationRequest {
  const r = new ProtoReader(payload);
  let fn: string | undefined;
  let argCount = 0;
  while (r.next()) {
    if (r.field === 1) {
      if (fn === undefined) fn = r.string();
      else r.bytes();
      argCount++;
    } else r.skip();
  }
  return { fn: fn ?? '', argCount };
}

/** The chaincode's answer in a COMPLETED message: Fabric's Response (status ≥ 400 is an error). */
export interface InvocationResponse {
  readonly status: number;
  readonly message: string;
  readonly payloadSize: number;
}

/** The Response inside a COMPLETED payload (status = 1, message = 2, payload = 3); throws when the payload is not one. */
export function decodeInvocationResponse(payload: Uint8Array): InvocationResponse {
  const r = new ProtoReader(payload);
  let status = 0;
  let message = '';
  let payloadSize = 0;
  while (r.next()) {
    if (r.field === 1) status = r.int32();
    else if (r.field === 2) message = r.string();
    else if (r.field === 3) payloadSize = r.size();
    else r.skip();
  }
  return { status, message, payloadSize };
}

/** The name in a REGISTER's ChaincodeID (path = 1, name = 2, version = 3); throws when the payload is not one. */
export function decodeChaincodeName(payload: Uint8Array): string {
  const r = new ProtoReader(payload);
  let name = '';
  while (r.next()) {
    if (r.field === 2) name = r.string();
    else r.skip();
  }
  return name;
}

/**
 * The string fields of a message, by field number (repeated ones: the first; `counts` gets how many of
 * each field there were). Other fields are skipped; throws when the payload is not a message or a
 * wanted field is not length-delimited.
 */
export function readStrings(payload: Uint8Array, wanted: readonly number[], counts?: Map<number, number>): Map<number, string> {
  const r = new ProtoReader(payload);
  const out = new Map<number, string>();
  while (r.next()) {
    if (!wanted.includes(r.field)) {
      r.skip();
      continue;
    }
    const seen = counts?.get(r.field) ?? 0;
    counts?.set(r.field, seen + 1);
    if (out.has(r.field)) r.bytes();
    else out.set(r.field, r.string());
  }
  return out;
}

/** Fabric's rule (shim.ERRORTHRESHOLD): a response status of 400 or more is an error. */
export const ERROR_THRESHOLD = 400;
