import { X509Certificate } from 'node:crypto';
import { decodeRwSetBytes } from './blockdecoder';
import type { ChaincodeEventInfo, DecodedBlock, DecodedTransaction, Identity, NamespaceRwSet } from './decodedblock';
import type { Verification } from './chainverifier';
import { VALID } from './validationcode';

// What the ledger API serves from memory, bounded: the most recent blocks of each channel with their
// transactions (found by tx ID too), the history of writes per key, and the keys most often behind an
// MVCC read conflict. Certificates are kept as MSP + subject, never the PEM per transaction.

export interface IndexLimits {
  /** Blocks kept per channel (the newest). */
  readonly blocks: number;
  /** Transactions kept per channel, across those blocks. */
  readonly transactions: number;
  /** Keys whose write history is kept per channel (least recently written dropped first). */
  readonly historyKeys: number;
  /** Writes kept per key (the newest). */
  readonly historyPerKey: number;
  /** Keys counted for the top conflicting keys per channel. */
  readonly conflictKeys: number;
}

export const DEFAULT_INDEX_LIMITS: IndexLimits = { blocks: 1000, transactions: 20_000, historyKeys: 50_000, historyPerKey: 100, conflictKeys: 10_000 };

export interface IndexedIdentity {
  readonly mspId: string;
  readonly subject?: string;
}

export interface IndexedTransaction extends Omit<DecodedTransaction, 'creator' | 'endorsers' | 'rwsetBytes'> {
  readonly blockNumber: number;
  readonly creator?: IndexedIdentity;
  readonly endorsers: readonly IndexedIdentity[];
}

export interface IndexedBlock {
  readonly channel: string;
  readonly number: number;
  readonly previousHash: string;
  readonly dataHash: string;
  readonly headerHash: string;
  readonly size: number;
  readonly receivedAtMs: number;
  readonly verification: { readonly ok: boolean; readonly failed: readonly string[]; readonly previousChecked: boolean };
  readonly malformedEnvelopes: number;
  readonly configSequence?: number;
  readonly transactions: readonly IndexedTransaction[];
}

export interface KeyWriteRecord {
  readonly blockNumber: number;
  readonly txNumber: number;
  readonly txId: string;
  readonly timestampMs?: number;
  readonly isDelete: boolean;
  readonly valueSize: number;
}

export interface ConflictingKey {
  readonly chaincode: string;
  readonly key: string;
  readonly conflicts: number;
}

/**
 * The oldest keys of a Map kept in insertion order (a key moved to the end by delete + set), one at a
 * time. `map.keys().next()` starts at the front of V8's table and walks past every deleted entry
 * there, which under this pattern is most of the table until it is rebuilt; one iterator is kept and
 * advanced instead. The caller deletes each key it is given.
 */
class OldestFirst<K> {
  private cursor: Iterator<K> | undefined;
  constructor(private readonly map: Map<K, unknown>) {}

  next(): K | undefined {
    let n = this.cursor?.next();
    if (!n || n.done) {
      this.cursor = this.map.keys();
      n = this.cursor.next();
    }
    return n.done ? undefined : n.value;
  }
}

/**
 * A block as the index holds it: its header fields, and its transactions encoded in one byte array
 * (below), decoded again when the ledger API asks. Decoded transactions, an object per key read or
 * written, were most of the index's heap (41 of 70 MB for 20,000 transactions of the bench ledger) and
 * of the garbage collector's work; their encoding is about a quarter of that (10 MB), outside the heap,
 * and holds no object per transaction for the collector to copy or mark.
 */
interface HeldBlock {
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
class TxWriter {
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

interface Slab {
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
class Slabs {
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
class TxReader {
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

/**
 * The write history of the keys, least recently written first, without an object per write: keys are
 * slots in a doubly linked list (typed arrays), writes are records in typed arrays chained oldest to
 * newest per key, tx IDs as their 32 bytes (a string each was most of this heap). A write moves its key to the end of the list in O(1), where a Map delete + set per written key grew the
 * Map's table with deleted entries and rebuilt it again and again; the least recently written key is
 * the list's head.
 */
class KeyHistory {
  /** namespace -> key -> slot */
  private readonly slots = new Map<string, Map<string, number>>();
  private namespaceOf: string[] = [];
  private keyOf: string[] = [];
  private prev = new Int32Array(0);
  private nextSlot = new Int32Array(0);
  private oldest = new Int32Array(0);
  private newest = new Int32Array(0);
  private count = new Int32Array(0);
  private head = -1;
  private tail = -1;
  private freeSlot = -1;
  private usedSlots = 0;
  size = 0;
  // records: block number, tx number, client timestamp (NaN: none), value size; delete flag; next newer record
  private nums = new Float64Array(0);
  private deletes = new Uint8Array(0);
  private nextRecord = new Int32Array(0);
  /** Tx IDs, 32 bytes a record: Fabric's are 64 lower-case hex characters. */
  private txIdBytes = Buffer.alloc(0);
  /** The tx IDs that are not (built by hand), by record. */
  private otherTxIds = new Map<number, string>();
  private lastTxId = '';
  private lastTxIdHex = false;
  private readonly lastTxIdBytes = Buffer.alloc(32);
  private freeRecord = -1;
  private usedRecords = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly perKey: number,
  ) {}

  write(namespace: string, key: string, blockNumber: number, txNumber: number, txId: string, timestampMs: number | undefined, isDelete: boolean, valueSize: number): void {
    let keys = this.slots.get(namespace);
    if (!keys) this.slots.set(namespace, (keys = new Map()));
    let slot = keys.get(key);
    if (slot === undefined) {
      slot = this.newSlot(namespace, key);
      keys.set(key, slot);
      this.size++;
    } else if (slot !== this.tail) {
      this.unlink(slot);
      this.append(slot);
    }
    const r = this.newRecord();
    const at = r * 4;
    this.nums[at] = blockNumber;
    this.nums[at + 1] = txNumber;
    this.nums[at + 2] = timestampMs ?? NaN;
    this.nums[at + 3] = valueSize;
    this.deletes[r] = isDelete ? 1 : 0;
    // a transaction's writes come one after the other: its ID is converted once
    if (txId !== this.lastTxId) {
      this.lastTxId = txId;
      this.lastTxIdHex = hexInto(txId, this.lastTxIdBytes, 0);
    }
    if (this.lastTxIdHex) for (let i = 0, at = r * 32; i < 32; i++) this.txIdBytes[at + i] = this.lastTxIdBytes[i]!;
    else this.otherTxIds.set(r, txId);
    this.nextRecord[r] = -1;
    if (this.count[slot] === 0) this.oldest[slot] = r;
    else this.nextRecord[this.newest[slot]!] = r;
    this.newest[slot] = r;
    if (++this.count[slot]! > this.perKey) {
      const drop = this.oldest[slot]!;
      this.oldest[slot] = this.nextRecord[drop]!;
      this.count[slot]!--;
      this.releaseRecord(drop);
    }
    if (this.size > this.maxKeys) this.evict(this.head);
  }

  /** Block and tx number of the key's newest write held, or undefined. */
  last(namespace: string, key: string): { blockNumber: number; txNumber: number } | undefined {
    const slot = this.slots.get(namespace)?.get(key);
    if (slot === undefined || this.count[slot] === 0) return undefined;
    const at = this.newest[slot]! * 4;
    return { blockNumber: this.nums[at]!, txNumber: this.nums[at + 1]! };
  }

  /** The key's writes held, oldest first, or undefined. */
  records(namespace: string, key: string): KeyWriteRecord[] | undefined {
    const slot = this.slots.get(namespace)?.get(key);
    return slot === undefined ? undefined : this.recordsOf(slot);
  }

  /** Every key held, least recently written first, as `namespace \0 key` and its writes oldest first. */
  *entries(): Generator<[string, KeyWriteRecord[]]> {
    for (let slot = this.head; slot >= 0; slot = this.nextSlot[slot]!) yield [this.namespaceOf[slot]! + sep + this.keyOf[slot]!, this.recordsOf(slot)];
  }

  private recordsOf(slot: number): KeyWriteRecord[] {
    const out: KeyWriteRecord[] = [];
    for (let r = this.count[slot]! > 0 ? this.oldest[slot]! : -1, n = this.count[slot]!; n > 0; r = this.nextRecord[r]!, n--) {
      const at = r * 4;
      const timestampMs = this.nums[at + 2]!;
      const base = { blockNumber: this.nums[at]!, txNumber: this.nums[at + 1]!, txId: this.otherTxIds.get(r) ?? this.txIdBytes.toString('hex', r * 32, r * 32 + 32) };
      out.push(Number.isNaN(timestampMs) ? { ...base, isDelete: this.deletes[r] === 1, valueSize: this.nums[at + 3]! } : { ...base, timestampMs, isDelete: this.deletes[r] === 1, valueSize: this.nums[at + 3]! });
    }
    return out;
  }

  private evict(slot: number): void {
    const namespace = this.namespaceOf[slot]!;
    const keys = this.slots.get(namespace)!;
    keys.delete(this.keyOf[slot]!);
    if (keys.size === 0) this.slots.delete(namespace);
    this.size--;
    for (let r = this.oldest[slot]!, n = this.count[slot]!; n > 0; n--) {
      const next = this.nextRecord[r]!;
      this.releaseRecord(r);
      r = next;
    }
    this.count[slot] = 0;
    this.unlink(slot);
    this.namespaceOf[slot] = '';
    this.keyOf[slot] = '';
    this.nextSlot[slot] = this.freeSlot;
    this.freeSlot = slot;
  }

  private newSlot(namespace: string, key: string): number {
    let slot = this.freeSlot;
    if (slot >= 0) this.freeSlot = this.nextSlot[slot]!;
    else {
      slot = this.usedSlots++;
      if (slot >= this.prev.length) {
        const n = Math.max(1024, this.prev.length * 2);
        this.prev = grown(this.prev, n);
        this.nextSlot = grown(this.nextSlot, n);
        this.oldest = grown(this.oldest, n);
        this.newest = grown(this.newest, n);
        this.count = grown(this.count, n);
      }
    }
    this.namespaceOf[slot] = namespace;
    this.keyOf[slot] = key;
    this.count[slot] = 0;
    this.append(slot);
    return slot;
  }

  private append(slot: number): void {
    this.prev[slot] = this.tail;
    this.nextSlot[slot] = -1;
    if (this.tail >= 0) this.nextSlot[this.tail] = slot;
    else this.head = slot;
    this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.nextSlot[slot]!;
    if (p >= 0) this.nextSlot[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }

  private newRecord(): number {
    let r = this.freeRecord;
    if (r >= 0) {
      this.freeRecord = this.nextRecord[r]!;
      return r;
    }
    r = this.usedRecords++;
    if (r >= this.deletes.length) {
      const n = Math.max(4096, this.deletes.length * 2);
      this.nums = grown(this.nums, n * 4);
      this.deletes = grown(this.deletes, n);
      this.nextRecord = grown(this.nextRecord, n);
      const ids = Buffer.alloc(n * 32);
      this.txIdBytes.copy(ids);
      this.txIdBytes = ids;
    }
    return r;
  }

  private releaseRecord(r: number): void {
    if (this.otherTxIds.size > 0) this.otherTxIds.delete(r);
    this.nextRecord[r] = this.freeRecord;
    this.freeRecord = r;
  }
}

/** Writes a tx ID of 64 lower-case hex characters as its 32 bytes at `at`; false (nothing usable written) for any other string. */
function hexInto(txId: string, into: Buffer, at: number): boolean {
  if (txId.length !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const hi = hexValue(txId.charCodeAt(2 * i));
    const lo = hexValue(txId.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return false;
    into[at + i] = hi * 16 + lo;
  }
  return true;
}

function hexValue(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

interface Counted {
  readonly key: string;
  count: number;
  /** Order of arrival among the keys counted. */
  readonly arrival: number;
  /** Index in the heap. */
  at: number;
}

/**
 * The keys behind the most conflicts, bounded (space-saving): beyond the bound a new key replaces the
 * least counted one (the earliest arrived among equals) and inherits its count. A heap on (count,
 * arrival) finds that key in O(log n); a scan of every counted key for each new key once full cost
 * 10,000 steps each (a key read conflict on a chaincode with many keys).
 */
class ConflictCounts {
  /** In order of arrival. */
  private readonly counted = new Map<string, Counted>();
  private readonly heap: Counted[] = [];
  private arrivals = 0;

  constructor(private readonly max: number) {}

  count(key: string): void {
    const known = this.counted.get(key);
    if (known) {
      known.count++;
      this.down(known.at);
      return;
    }
    if (this.max <= 0) return;
    if (this.heap.length >= this.max) {
      const least = this.heap[0]!;
      this.counted.delete(least.key);
      const made: Counted = { key, count: least.count + 1, arrival: this.arrivals++, at: 0 };
      this.heap[0] = made;
      this.counted.set(key, made);
      this.down(0);
      return;
    }
    const made: Counted = { key, count: 1, arrival: this.arrivals++, at: this.heap.length };
    this.heap.push(made);
    this.counted.set(key, made);
    this.up(made.at);
  }

  /** Most counted first; equal counts in order of arrival. */
  top(limit: number): Counted[] {
    return [...this.counted.values()].sort((a, b) => b.count - a.count).slice(0, limit);
  }

  private less(a: Counted, b: Counted): boolean {
    return a.count < b.count || (a.count === b.count && a.arrival < b.arrival);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p]!)) break;
      h[i] = h[p]!;
      h[i]!.at = i;
      i = p;
    }
    h[i] = e;
    e.at = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= h.length) break;
      if (c + 1 < h.length && this.less(h[c + 1]!, h[c]!)) c++;
      if (!this.less(h[c]!, e)) break;
      h[i] = h[c]!;
      h[i]!.at = i;
      i = c;
    }
    h[i] = e;
    e.at = i;
  }
}

class ChannelIndex {
  readonly blocks = new Map<number, HeldBlock>();
  readonly oldestBlocks = new OldestFirst(this.blocks);
  txCount = 0;
  readonly slabs = new Slabs();
  readonly history: KeyHistory;
  readonly conflicts: ConflictCounts;
  highest = -1;
  first = Infinity;
  constructor(limits: IndexLimits) {
    this.history = new KeyHistory(limits.historyKeys, limits.historyPerKey);
    this.conflicts = new ConflictCounts(limits.conflictKeys);
  }
}

const sep = '\u0000';

export class LedgerIndex {
  private readonly channels = new Map<string, ChannelIndex>();
  /** By PEM certificate. */
  private readonly identities = new Map<string, IndexedIdentity>();
  private readonly writer = new TxWriter();

  constructor(readonly limits: IndexLimits = DEFAULT_INDEX_LIMITS) {}

  /** Adds a processed block (any order; a block already held is replaced). */
  add(block: DecodedBlock, verification: Verification, receivedAtMs: number): void {
    const ch = this.channel(block.channel);
    this.remove(ch, block.number);
    this.recordConflicts(ch, block);
    this.recordWrites(ch, block);
    const held = this.hold(block, verification, receivedAtMs, ch.slabs);
    ch.blocks.set(block.number, held);
    ch.txCount += held.count;
    ch.highest = Math.max(ch.highest, block.number);
    ch.first = Math.min(ch.first, block.number);
    while (ch.blocks.size > this.limits.blocks || (ch.txCount > this.limits.transactions && ch.blocks.size > 1)) {
      // blocks arrive in order, so the Map's first entry (insertion order) is the oldest
      this.remove(ch, ch.oldestBlocks.next()!);
    }
  }

  /** A block as the index serves it, without keeping it (for blocks fetched from the peer on demand). */
  describe(block: DecodedBlock, verification: Verification, receivedAtMs: number): IndexedBlock {
    return this.view(this.hold(block, verification, receivedAtMs, undefined));
  }

  /** The first block this index saw for the channel: key histories and conflicts cover blocks from there on. */
  firstIndexed(channel: string): number | undefined {
    const f = this.channels.get(channel)?.first;
    return f === undefined || f === Infinity ? undefined : f;
  }

  channelNames(): string[] {
    return [...this.channels.keys()].sort();
  }

  /** The highest block number held for the channel, or undefined. */
  highest(channel: string): number | undefined {
    const h = this.channels.get(channel)?.highest;
    return h === undefined || h < 0 ? undefined : h;
  }

  block(channel: string, number: number): IndexedBlock | undefined {
    const held = this.channels.get(channel)?.blocks.get(number);
    return held && this.view(held);
  }

  /** Blocks held with number ≤ `below` (all when undefined), newest first, at most `limit`. */
  blocksNewestFirst(channel: string, limit: number, below?: number): IndexedBlock[] {
    const ch = this.channels.get(channel);
    if (!ch) return [];
    const numbers = [...ch.blocks.keys()].filter((n) => below === undefined || n <= below).sort((a, b) => b - a);
    return numbers.slice(0, limit).map((n) => this.view(ch.blocks.get(n)!));
  }

  /**
   * The transaction with this ID in the blocks held: in the block added last that has it, the last one
   * there. Found by comparing the held transactions' IDs in place (at most `limits.transactions` of
   * them, well under a millisecond for 20,000): a map from ID to block would hold a string per
   * transaction, and cost a hash and a map insertion and deletion per transaction, for a lookup people
   * make by hand.
   */
  transaction(txId: string, channel?: string): { channel: string; tx: IndexedTransaction } | undefined {
    const wanted = Buffer.from(txId, 'utf8');
    for (const [name, ch] of this.channels) {
      if (channel !== undefined && name !== channel) continue;
      const held = [...ch.blocks.values()];
      for (let b = held.length - 1; b >= 0; b--) {
        const block = held[b]!;
        for (let i = block.count - 1; i >= 0; i--) {
          if (TxReader.txIdIs(block, i, wanted)) return { channel: name, tx: new TxReader(block, i).transaction(block.head.number) };
        }
      }
    }
    return undefined;
  }

  /** The valid writes of a key seen by this exporter, newest first. */
  keyHistory(channel: string, chaincode: string, key: string): KeyWriteRecord[] | undefined {
    return this.channels.get(channel)?.history.records(chaincode, key)?.reverse();
  }

  /** Every key history held, least recently written first, as [`chaincode \0 key`, writes oldest first] (for tests and the replay benchmark's digest). */
  keyHistories(channel: string): [string, KeyWriteRecord[]][] {
    return [...(this.channels.get(channel)?.history.entries() ?? [])];
  }

  topConflictingKeys(channel: string, limit: number): ConflictingKey[] {
    const ch = this.channels.get(channel);
    if (!ch) return [];
    return ch.conflicts.top(limit).map(({ key: k, count: conflicts }) => {
      // split at the first separator only: composite keys hold \0 themselves
      const at = k.indexOf(sep);
      return { chaincode: k.slice(0, at), key: k.slice(at + 1), conflicts };
    });
  }

  private channel(name: string): ChannelIndex {
    let ch = this.channels.get(name);
    if (!ch) this.channels.set(name, (ch = new ChannelIndex(this.limits)));
    return ch;
  }

  private remove(ch: ChannelIndex, number: number): void {
    const old = ch.blocks.get(number);
    if (!old) return;
    ch.blocks.delete(number);
    ch.txCount -= old.count;
    ch.slabs.free(old.slab);
  }

  private identity(id: Identity | undefined): IndexedIdentity | undefined {
    if (!id) return undefined;
    if (!id.certificate) return { mspId: id.mspId };
    // one object per identity, shared by every transaction held that names it
    const known = this.identities.get(id.certificate);
    if (known && known.mspId === id.mspId) return known;
    let subject: string;
    try {
      const dn = new X509Certificate(id.certificate).subject;
      subject = /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? dn.replace(/\n/g, ', ');
    } catch {
      subject = '';
    }
    const made: IndexedIdentity = subject ? { mspId: id.mspId, subject } : { mspId: id.mspId };
    if (this.identities.size >= 10_000) this.identities.clear();
    this.identities.set(id.certificate, made);
    return made;
  }

  /** The block's fields but its transactions. */
  private head(block: DecodedBlock, verification: Verification, receivedAtMs: number): Omit<IndexedBlock, 'transactions'> {
    return {
      channel: block.channel,
      number: block.number,
      previousHash: block.previousHash.toString('hex'),
      dataHash: block.dataHash.toString('hex'),
      headerHash: verification.headerHash,
      size: block.size,
      receivedAtMs,
      verification: { ok: verification.ok, failed: verification.failed, previousChecked: verification.previousChecked },
      malformedEnvelopes: block.malformed.length,
      ...(block.config ? { configSequence: block.config.sequence } : {}),
    };
  }

  /** The block as held: its transactions in one byte array. */
  private hold(block: DecodedBlock, verification: Verification, receivedAtMs: number, slabs: Slabs | undefined): HeldBlock {
    const identities: IndexedIdentity[] = [];
    const { bytes, slab, rwsets } = this.writer.write(
      block.transactions,
      (id) => {
        const indexed = this.identity(id)!;
        const i = identities.indexOf(indexed);
        return i >= 0 ? i : identities.push(indexed) - 1;
      },
      (length) => slabs?.alloc(length) ?? { bytes: Buffer.allocUnsafeSlow(length), slab: undefined },
    );
    return { head: this.head(block, verification, receivedAtMs), data: bytes, slab, count: block.transactions.length, identities, rwsets };
  }

  /** A held block as the ledger API serves it; its transactions are decoded when first read. */
  private view(held: HeldBlock): IndexedBlock {
    let transactions: IndexedTransaction[] | undefined;
    // read later, perhaps after the block has left and its slab is reused: a copy of its bytes then
    const kept: HeldBlock = held.slab ? { ...held, data: Buffer.from(held.data), slab: undefined } : held;
    const make = () => Array.from({ length: kept.count }, (_, i) => new TxReader(kept, i).transaction(kept.head.number));
    return {
      ...held.head,
      get transactions() {
        return (transactions ??= make());
      },
    };
  }

  private recordWrites(ch: ChannelIndex, block: DecodedBlock): void {
    for (const t of block.transactions) {
      if (t.validationCode !== VALID) continue;
      for (const ns of t.rwsets) {
        for (const w of ns.writes) ch.history.write(ns.namespace, w.key, block.number, t.position, t.txId, t.timestampMs, w.isDelete, w.valueSize);
      }
    }
  }

  /**
   * The keys behind each MVCC_READ_CONFLICT of the block: a key the conflicting transaction read that
   * a valid transaction wrote after the version read (earlier in this block, or in a later block than
   * the version, by this index's history). When none can be named, every key it read counts.
   */
  private recordConflicts(ch: ChannelIndex, block: DecodedBlock): void {
    // the conflicting transactions read few keys: only the block's writes of those keys are looked up
    const conflicting = block.transactions.filter((t) => t.validationCodeName === 'MVCC_READ_CONFLICT');
    if (conflicting.length === 0) return;
    const read = new Map<string, Set<string>>(); // namespace -> keys the conflicting transactions read
    for (const t of conflicting) {
      for (const ns of t.rwsets) {
        if (ns.namespace === '_lifecycle' || ns.namespace === 'lscc' || ns.reads.length === 0) continue;
        let keys = read.get(ns.namespace);
        if (!keys) read.set(ns.namespace, (keys = new Set()));
        for (const r of ns.reads) keys.add(r.key);
      }
    }
    const writtenHere = new Map<string, number>(); // key -> position of the first valid write of it in this block
    for (const t of block.transactions) {
      if (t.validationCode !== VALID) continue;
      for (const ns of t.rwsets) {
        const keys = read.get(ns.namespace);
        if (!keys) continue;
        for (const w of ns.writes) {
          if (!keys.has(w.key)) continue;
          const k = ns.namespace + sep + w.key;
          if (!writtenHere.has(k)) writtenHere.set(k, t.position);
        }
      }
    }
    for (const t of conflicting) {
      const named: string[] = [];
      const all: string[] = [];
      for (const ns of t.rwsets) {
        if (ns.namespace === '_lifecycle' || ns.namespace === 'lscc') continue;
        for (const r of ns.reads) {
          const k = ns.namespace + sep + r.key;
          all.push(k);
          const here = writtenHere.get(k);
          const last = ch.history.last(ns.namespace, r.key);
          const newer = last && (!r.version || last.blockNumber > r.version.blockNumber || (last.blockNumber === r.version.blockNumber && last.txNumber > r.version.txNumber));
          if ((here !== undefined && here < t.position) || newer) named.push(k);
        }
      }
      for (const k of named.length ? named : all) ch.conflicts.count(k);
    }
  }
}
