// gRPC's length-prefixed messages inside an HTTP/2 stream's DATA bytes: 1 byte compressed flag, 4 bytes
// big-endian length, then the message. The sidecar forwards the DATA bytes as they arrive, unchanged and
// unparsed; this reader finds the messages in a copy of the same chunks only to observe them.
//
// A message inside one chunk is handed over as a view into it (no copy); one split across chunks is
// gathered first (a copy of that one message, which bounds what is held to the largest message).

export const GRPC_PREFIX_BYTES = 5;

/** The chaincode stream's method (fabric-protos peer/chaincode_shim.proto, service Chaincode). */
export const CONNECT_PATH = '/protos.Chaincode/Connect';

/** Response metadata of a Connect stream that a Mictract sidecar adds: its replica's pod name (the chaincode balancer reads it). */
export const POD_METADATA = 'mictract-pod';

/** Called for each whole message; `compressed` when its flag says so (its bytes are then not a ChaincodeMessage). */
export type MessageSink = (message: Buffer, compressed: boolean) => void;

export class GrpcMessageReader {
  /** Bytes of the current message's prefix seen so far, while it is split across chunks. */
  private readonly prefix = Buffer.alloc(GRPC_PREFIX_BYTES);
  private prefixHave = 0;
  /** The message being gathered across chunks: its length, flag, and the parts seen. */
  private need = -1;
  private compressed = false;
  private parts: Buffer[] = [];
  private have = 0;

  constructor(private readonly sink: MessageSink) {}

  /** Bytes of a message begun and not yet complete (0 at a message boundary). */
  get pending(): number {
    return this.prefixHave + this.have;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.need >= 0) {
        // Continue a message split across chunks.
        const take = Math.min(this.need - this.have, end - pos);
        this.parts.push(chunk.subarray(pos, pos + take));
        this.have += take;
        pos += take;
        if (this.have === this.need) this.emitGathered();
        continue;
      }
      if (this.prefixHave === 0 && end - pos >= GRPC_PREFIX_BYTES) {
        // The common case: the whole prefix in this chunk, and often the whole message.
        const compressed = chunk[pos] !== 0;
        const length = chunk.readUInt32BE(pos + 1);
        pos += GRPC_PREFIX_BYTES;
        if (end - pos >= length) {
          this.sink(chunk.subarray(pos, pos + length), compressed);
          pos += length;
        } else {
          this.begin(length, compressed);
        }
        continue;
      }
      // A prefix split across chunks.
      while (this.prefixHave < GRPC_PREFIX_BYTES && pos < end) this.prefix[this.prefixHave++] = chunk[pos++]!;
      if (this.prefixHave === GRPC_PREFIX_BYTES) {
        this.prefixHave = 0;
        this.begin(this.prefix.readUInt32BE(1), this.prefix[0] !== 0);
      }
    }
  }

  private begin(length: number, compressed: boolean): void {
    this.need = length;
    this.compressed = compressed;
    this.have = 0;
    this.parts = [];
    if (length === 0) this.emitGathered();
  }

  private emitGathered(): void {
    const message = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.have);
    const compressed = this.compressed;
    this.need = -1;
    this.have = 0;
    this.parts = [];
    this.sink(message, compressed);
  }
}

/** The bytes of one gRPC message with its prefix (for tests and stand-ins). */
export function frameMessage(message: Uint8Array, compressed = false): Buffer {
  const out = Buffer.allocUnsafe(GRPC_PREFIX_BYTES + message.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, GRPC_PREFIX_BYTES);
  return out;
}
