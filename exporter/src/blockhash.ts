import { createHash } from 'node:crypto';

// The two hashes that chain Fabric blocks (common/protoutil/blockutils.go):
//   data hash   = SHA-256 of the block's data entries (the envelope bytes) concatenated;
//   header hash = SHA-256 of the ASN.1 DER encoding of
//                 SEQUENCE { number INTEGER, previous_hash OCTET STRING, data_hash OCTET STRING }.
// A block's previous_hash is the header hash of the block before it.

/** SHA-256 of the concatenated data entries. */
export function blockDataHash(entries: readonly Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(entry);
  return hash.digest();
}

/** SHA-256 of the DER-encoded block header. */
export function blockHeaderHash(number: number | bigint, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  return createHash('sha256').update(headerDer(number, previousHash, dataHash)).digest();
}

/** The DER bytes Fabric hashes for a header (exported for tests). */
export function headerDer(number: number | bigint, previousHash: Uint8Array, dataHash: Uint8Array): Buffer {
  const body = Buffer.concat([derElement(0x02, derInteger(BigInt(number))), derElement(0x04, previousHash), derElement(0x04, dataHash)]);
  return derElement(0x30, body);
}

/** Minimal two's-complement big-endian content octets of a non-negative INTEGER. */
function derInteger(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('block numbers are not negative');
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if (bytes[0]! & 0x80) bytes.unshift(0); // keep it positive
  return Buffer.from(bytes);
}

function derElement(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let l = length; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
