import { decodeRwSetBytes } from './blockdecoder';
import type { ChaincodeEventInfo, DecodedTransaction, Identity, NamespaceRwSet } from './decodedblock';
import type { IndexedBlock, IndexedIdentity, IndexedTransaction } from './ledgerindex';

// The ledger index's recent blocks as it holds them: each block's transactions encoded in one byte
// array in slabs it reuses, read back one transaction at a time when the ledger API asks.

/**
 * A block as the index holds it: its header fields, and its transactions encoded in one byte array
 * (below), decoded again when the ledger API asks. Decoded transactions, an object per key read or
 * written, were most of the index's heap (41 of 70 MB for 20,000 transactions of the bench ledger) and
 * of the garbage collector's work; their encoding is about a quarter of that (10 MB), outside the heap,
 * and holds no object per transaction for the collector to copy or mark.
 */
export interface HeldBlock {
  readonly head: Omit<IndexedBlock, 'transactions'>;
  /** Transactions as encoded by TxWriter. */
  readonly data: Buffer;
  /** The slab `data` is part of (reused once its blocks are gone), or none. */
  readonly slab: Slab | undefined;
  readonly count: number;
  /** The identities the transactions name, by their index here. */
  readonly identities: readonly IndexedIdentity[];
  /** Read/write sets of transactions that came without `rwsetBytes` (built by hand, not by the decoder), by index among the block's transactions. */
  readonly rwsets: ReadonlyMap<number, readonly NamespaceRwSet[]> | undefined;
}

const NO_RWSETS: readonly NamespaceRwSet[] = Object.freeze([]);
const ABSENT = 0xffffffff;

/**
 * Writes a block's transactions into one byte array: a count, each transaction's offset, then each
 * transaction: position, client timestamp (NaN: none), validation code, response status (NaN: none),
 * size, creator (an index into the block's identities, -1: none), endorsers, tx ID, type, channel,
 * validation code name, chaincode and function (absent: length ABSENT), arguments, events, and its
 * read/write set bytes as the decoder found them. Numbers little-endian; strings UTF-8 behind a length.
 */
export class TxWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private at = 0;

  /** The encoding goes to `alloc(length)`'s bytes. */
  write<T extends { bytes: Buffer }>(transactions: readonly DecodedTransaction[], identity: (id: Identity) => number, alloc: (length: number) => T): T & { rwsets: Map<number, readonly NamespaceRwSet[]> | undefined } {
    let rwsets: Map<number, readonly NamespaceRwSet[]> | undefined;
    const n = transactions.length;
    this.at = 0;
    this.room(4 + 4 * n);
    this.u32(n);
    this.at += 4 * n;
    transactions.forEach((t, i) => {
      this.buf.writeUInt32LE(this.at, 4 + 4 * i);
      this.room(48 + 4 * t.endorsers.length);
      this.u32(t.position);
      this.f64(t.timestampMs ?? NaN);
      this.i32(t.validationCode);
      this.f64(t.responseStatus ?? NaN);
      this.f64(t.size);
      this.i32(t.creator ? identity(t.creator) : -1);
      this.u32(t.endorsers.length);
      for (const e of t.endorsers) this.i32(identity(e));
      this.str(t.txId);
      this.str(t.type);
      this.str(t.channel);
      this.str(t.validationCodeName);
      this.optional(t.chaincode);
      this.optional(t.function);
      this.room(4);
      this.u32(t.args.length);
      for (const arg of t.args) this.str(arg);
      this.room(4);
      this.u32(t.events.length);
      for (const e of t.events) {
        this.str(e.chaincode);
        this.str(e.name);
        this.room(8);
        this.f64(e.payloadSize);
      }
      const bytes = t.rwsetBytes;
      this.room(4 + (bytes?.length ?? 0));
      if (bytes) {
        this.u32(bytes.length);
        this.buf.set(bytes, this.at);
        this.at += bytes.length;
      } else {
        this.u32(ABSENT);
        if (t.rwsets.length) (rwsets ??= new Map()).set(i, t.rwsets);
      }
    });
    // a copy of what was written, not a view of the shared buffer
    const to = alloc(this.at);
    this.buf.copy(to.bytes, 0, 0, this.at);
    return { ...to, rwsets };
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  private u32(v: number): void {
    this.at = this.buf.writeUInt32LE(v, this.at);
  }

  private i32(v: number): void {
    this.at = this.buf.writeInt32LE(v, this.at);
  }

  private f64(v: number): void {
    this.at = this.buf.writeDoubleLE(v, this.at);
  }

  private optional(s: string | undefined): void {
    if (s !== undefined) return this.str(s);
    this.room(4);
    this.u32(ABSENT);
  }

  private str(s: string): void {
    const n = s.length;
    this.room(4 + 3 * n);
    const start = this.at + 4;
    const buf = this.buf;
    let i = 0;
    // ASCII, most of what a block holds, byte by byte: cheaper than a call into the encoder for short strings
    for (; i < n && i < 128; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[start + i] = c;
    }
    const length = i === n ? n : buf.write(s, start, 'utf8');
    buf.writeUInt32LE(length, this.at);
    this.at = start + length;
  }
}

export interface Slab {
  readonly bytes: Buffer;
  used: number;
  /** Blocks held in it. */
  live: number;
}

const SLAB_BYTES = 1 << 20;

/**
 * Where a channel's held blocks keep their bytes: 1 MB slabs filled in order and reused once no block
 * in them is held (blocks leave oldest first, so slabs empty in order). A buffer per block instead is
 * freed only when a full GC finds it, and returned to malloc in pieces: about 6 MB more RSS on the
 * replay benchmark. A block larger than a quarter slab gets a buffer of its own.
 */
export class Slabs {
  private current: Slab | undefined;
  private readonly spare: Slab[] = [];

  alloc(length: number): { bytes: Buffer; slab: Slab | undefined } {
    if (length > SLAB_BYTES / 4) return { bytes: Buffer.allocUnsafeSlow(length), slab: undefined };
    let slab = this.current;
    if (!slab || slab.used + length > SLAB_BYTES) {
      if (slab && slab.live === 0) this.release(slab);
      slab = this.current = this.spare.pop() ?? { bytes: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, live: 0 };
      slab.used = 0;
    }
    const bytes = slab.bytes.subarray(slab.used, slab.used + length);
    slab.used += length;
    slab.live++;
    return { bytes, slab };
  }

  free(slab: Slab | undefined): void {
    if (slab && --slab.live === 0 && slab !== this.current) this.release(slab);
  }

  private release(slab: Slab): void {
    if (this.spare.length < 2) this.spare.push(slab);
  }
}

/** Reads what TxWriter wrote, one transaction at a time. */
export class TxReader {
  private at: number;
  constructor(
    private readonly held: HeldBlock,
    readonly index: number,
  ) {
    this.at = held.data.readUInt32LE(4 + 4 * index);
  }

  /** The transaction's tx ID equals `txId` (its UTF-8 bytes), read without decoding the rest. */
  static txIdIs(held: HeldBlock, index: number, txId: Buffer): boolean {
    const data = held.data;
    let at = data.readUInt32LE(4 + 4 * index) + 36; // past the six numbers
    at += 4 + 4 * data.readUInt32LE(at); // endorsers
    if (data.readUInt32LE(at) !== txId.length) return false;
    at += 4;
    for (let i = 0; i < txId.length; i++) if (data[at + i] !== txId[i]) return false;
    return true;
  }

  transaction(blockNumber: number): IndexedTransaction {
    const { data, identities } = this.held;
    const position = this.u32();
    const timestampMs = this.f64();
    const validationCode = this.i32();
    const responseStatus = this.f64();
    const size = this.f64();
    const creator = this.i32();
    const endorsers: IndexedIdentity[] = [];
    for (let n = this.u32(); n > 0; n--) endorsers.push(identities[this.i32()]!);
    const txId = this.str()!;
    const type = this.str()!;
    const channel = this.str()!;
    const validationCodeName = this.str()!;
    const chaincode = this.str();
    const fn = this.str();
    const args: string[] = [];
    for (let n = this.u32(); n > 0; n--) args.push(this.str()!);
    const events: ChaincodeEventInfo[] = [];
    for (let n = this.u32(); n > 0; n--) events.push({ chaincode: this.str()!, name: this.str()!, payloadSize: this.f64() });
    const rwLength = this.u32();
    const rwsets = rwLength !== ABSENT ? decodeRwSetBytes(data.subarray(this.at, this.at + rwLength)) : (this.held.rwsets?.get(this.index) ?? NO_RWSETS);
    // the fields of the decoded transaction, in its order, absent ones left out
    const out: { -readonly [K in keyof IndexedTransaction]: IndexedTransaction[K] } = { position, txId, type, channel, validationCode, validationCodeName, args, endorsers, rwsets, events, size, blockNumber };
    if (!Number.isNaN(timestampMs)) out.timestampMs = timestampMs;
    if (creator >= 0) out.creator = identities[creator]!;
    if (chaincode !== undefined) out.chaincode = chaincode;
    if (fn !== undefined) out.function = fn;
    if (!Number.isNaN(responseStatus)) out.responseStatus = responseStatus;
    return out;
  }

  private u32(): number {
    const v = this.held.data.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  private i32(): number {
    const v = this.held.data.readInt32LE(this.at);
    this.at += 4;
    return v;
  }

  private f64(): number {
    const v = this.held.data.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }

  private str(): string | undefined {
    const n = this.u32();
    if (n === ABSENT) return undefined;
    this.at += n;
    return this.held.data.toString('utf8', this.at - n, this.at);
  }
}
