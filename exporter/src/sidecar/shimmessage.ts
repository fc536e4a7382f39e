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
 * Decodes the envelope of a ChaincodeMessage; undefined when the bytes are not one. Field values are
 * only read, so the caller may keep the raw buffer as it is.
 */
export function decodeShimMessage(raw: Uint8Array): ShimMessage | undefined {
  try {
    const msg = peer.ChaincodeMessage.deserializeBinary(raw);
    return { type: msg.getType(), txId: msg.getTxid(), channelId: msg.getChannelId(), payload: msg.getPayload_asU8() };
  } catch {
    return undefined;
  }
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
