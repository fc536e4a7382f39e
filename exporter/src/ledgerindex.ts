import { X509Certificate } from 'node:crypto';
import { decodeRwSetBytes } from './blockdecoder';
import type { DecodedBlock, DecodedTransaction, Identity, NamespaceRwSet } from './decodedblock';
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
 * A transaction as the index holds it: its fields without the decoded read/write sets, which stay in
 * the block's `rw` bytes (rwStart..rwEnd) and are decoded again when asked for. Decoded read/write sets,
 * an object per key read or written, were most of the index's heap (41 of 70 MB for 20,000 transactions
 * of the bench ledger) and of the garbage collector's work; their bytes are about a seventh of that and
 * outside the heap. Every held transaction has this one shape.
 */
interface HeldTx {
  readonly blockNumber: number;
  readonly position: number;
  readonly txId: string;
  readonly type: string;
  readonly channel: string;
  readonly timestampMs: number | undefined;
  readonly creator: IndexedIdentity | undefined;
  readonly validationCode: number;
  readonly validationCodeName: string;
  readonly chaincode: string | undefined;
  readonly function: string | undefined;
  readonly args: readonly string[];
  readonly endorsers: readonly IndexedIdentity[];
  readonly events: readonly DecodedTransaction['events'][number][];
  readonly responseStatus: number | undefined;
  readonly size: number;
  readonly rwStart: number;
  readonly rwEnd: number;
  /** Only for a transaction that came without `rwsetBytes` (built by hand, not by the decoder). */
  readonly rwsets: readonly NamespaceRwSet[] | undefined;
}

interface HeldBlock {
  readonly head: Omit<IndexedBlock, 'transactions'>;
  readonly txs: readonly HeldTx[];
  /** The transactions' read/write set bytes, one after the other (a copy: the block's own bytes are not kept). */
  readonly rw: Uint8Array | undefined;
}

const NO_RWSETS: readonly NamespaceRwSet[] = Object.freeze([]);

/**
 * The write history of the keys, least recently written first, without an object per write: keys are
 * slots in a doubly linked list (typed arrays), writes are records in typed arrays chained oldest to
 * newest per key; only the tx ID is a JS value (the string the block's transaction holds already). A
 * write moves its key to the end of the list in O(1), where a Map delete + set per written key grew the
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
  private txIds: (string | undefined)[] = [];
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
    this.txIds[r] = txId;
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
    if (slot === undefined) return undefined;
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
      const base = { blockNumber: this.nums[at]!, txNumber: this.nums[at + 1]!, txId: this.txIds[r]! };
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
    }
    return r;
  }

  private releaseRecord(r: number): void {
    this.txIds[r] = undefined;
    this.nextRecord[r] = this.freeRecord;
    this.freeRecord = r;
  }
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

class ChannelIndex {
  readonly blocks = new Map<number, HeldBlock>();
  readonly oldestBlocks = new OldestFirst(this.blocks);
  readonly txs = new Map<string, HeldTx>();
  txCount = 0;
  readonly history: KeyHistory;
  readonly conflicts = new Map<string, number>();
  highest = -1;
  first = Infinity;
  constructor(limits: IndexLimits) {
    this.history = new KeyHistory(limits.historyKeys, limits.historyPerKey);
  }
}

const sep = '\u0000';

export class LedgerIndex {
  private readonly channels = new Map<string, ChannelIndex>();
  /** By PEM certificate. */
  private readonly identities = new Map<string, IndexedIdentity>();
  /** One shared endorsers list per single endorser (most transactions have one). */
  private readonly soleEndorsers = new Map<IndexedIdentity, readonly IndexedIdentity[]>();

  constructor(readonly limits: IndexLimits = DEFAULT_INDEX_LIMITS) {}

  /** Adds a processed block (any order; a block already held is replaced). */
  add(block: DecodedBlock, verification: Verification, receivedAtMs: number): IndexedBlock {
    const ch = this.channel(block.channel);
    this.remove(ch, block.number);
    this.recordConflicts(ch, block);
    this.recordWrites(ch, block);
    const held = this.hold(block, verification, receivedAtMs);
    ch.blocks.set(block.number, held);
    for (const t of held.txs) if (t.txId) ch.txs.set(t.txId, t);
    ch.txCount += held.txs.length;
    ch.highest = Math.max(ch.highest, block.number);
    ch.first = Math.min(ch.first, block.number);
    while (ch.blocks.size > this.limits.blocks || (ch.txCount > this.limits.transactions && ch.blocks.size > 1)) {
      // blocks arrive in order, so the Map's first entry (insertion order) is the oldest
      this.remove(ch, ch.oldestBlocks.next()!);
    }
    return this.view(held);
  }

  /** A block as the index serves it, without keeping it (for blocks fetched from the peer on demand). */
  describe(block: DecodedBlock, verification: Verification, receivedAtMs: number): IndexedBlock {
    return { ...this.head(block, verification, receivedAtMs), transactions: block.transactions.map((t) => this.indexed(this.row(t, block.number, 0, 0, t.rwsets), t.rwsets)) };
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

  transaction(txId: string, channel?: string): { channel: string; tx: IndexedTransaction } | undefined {
    for (const [name, ch] of this.channels) {
      if (channel !== undefined && name !== channel) continue;
      const t = ch.txs.get(txId);
      const held = t && ch.blocks.get(t.blockNumber);
      if (t && held) return { channel: name, tx: this.indexed(t, this.rwsetsOf(t, held.rw)) };
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
    return [...ch.conflicts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([k, conflicts]) => {
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
    ch.txCount -= old.txs.length;
    for (const t of old.txs) if (ch.txs.get(t.txId) === t) ch.txs.delete(t.txId);
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
    if (this.identities.size >= 10_000) {
      this.identities.clear();
      this.soleEndorsers.clear();
    }
    this.identities.set(id.certificate, made);
    return made;
  }

  private endorsers(endorsers: readonly Identity[]): readonly IndexedIdentity[] {
    if (endorsers.length !== 1) return endorsers.map((e) => this.identity(e)!);
    const sole = this.identity(endorsers[0])!;
    let list = this.soleEndorsers.get(sole);
    if (!list) this.soleEndorsers.set(sole, (list = Object.freeze([sole])));
    return list;
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

  /** The block as held: its transactions' read/write sets as one copy of their bytes. */
  private hold(block: DecodedBlock, verification: Verification, receivedAtMs: number): HeldBlock {
    let bytes = 0;
    for (const t of block.transactions) if (t.rwsetBytes) bytes += t.rwsetBytes.length;
    const rw = bytes > 0 ? new Uint8Array(bytes) : undefined;
    let at = 0;
    const txs = block.transactions.map((t) => {
      const start = at;
      if (t.rwsetBytes) {
        rw!.set(t.rwsetBytes, at);
        at += t.rwsetBytes.length;
      }
      return this.row(t, block.number, start, at, t.rwsetBytes || t.rwsets.length === 0 ? undefined : t.rwsets);
    });
    return { head: this.head(block, verification, receivedAtMs), txs, rw };
  }

  private row(t: DecodedTransaction, blockNumber: number, rwStart: number, rwEnd: number, rwsets: readonly NamespaceRwSet[] | undefined): HeldTx {
    // one shape for every held transaction (fields absent from the decoded one are undefined here, and left out again by indexed())
    return {
      blockNumber,
      position: t.position,
      txId: t.txId,
      type: t.type,
      channel: t.channel,
      timestampMs: t.timestampMs,
      creator: this.identity(t.creator),
      validationCode: t.validationCode,
      validationCodeName: t.validationCodeName,
      chaincode: t.chaincode,
      function: t.function,
      args: t.args,
      endorsers: this.endorsers(t.endorsers),
      events: t.events,
      responseStatus: t.responseStatus,
      size: t.size,
      rwStart,
      rwEnd,
      rwsets,
    };
  }

  private rwsetsOf(t: HeldTx, rw: Uint8Array | undefined): readonly NamespaceRwSet[] {
    if (t.rwsets) return t.rwsets;
    return rw && t.rwEnd > t.rwStart ? decodeRwSetBytes(rw.subarray(t.rwStart, t.rwEnd)) : NO_RWSETS;
  }

  /** A held transaction as the ledger API serves it: the decoded transaction's fields, identities as MSP + subject. */
  private indexed(t: HeldTx, rwsets: readonly NamespaceRwSet[]): IndexedTransaction {
    const out: { -readonly [K in keyof IndexedTransaction]: IndexedTransaction[K] } = { position: t.position, txId: t.txId, type: t.type, channel: t.channel, validationCode: t.validationCode, validationCodeName: t.validationCodeName, args: t.args, endorsers: t.endorsers, rwsets, events: t.events, size: t.size, blockNumber: t.blockNumber };
    if (t.timestampMs !== undefined) out.timestampMs = t.timestampMs;
    if (t.creator) out.creator = t.creator;
    if (t.chaincode !== undefined) out.chaincode = t.chaincode;
    if (t.function !== undefined) out.function = t.function;
    if (t.responseStatus !== undefined) out.responseStatus = t.responseStatus;
    return out;
  }

  /** A held block as the ledger API serves it; its transactions are decoded when first read. */
  private view(held: HeldBlock): IndexedBlock {
    let transactions: IndexedTransaction[] | undefined;
    const make = () => held.txs.map((t) => this.indexed(t, this.rwsetsOf(t, held.rw)));
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
      for (const k of named.length ? named : all) this.countConflict(ch, k);
    }
  }

  private countConflict(ch: ChannelIndex, k: string): void {
    const n = ch.conflicts.get(k);
    if (n !== undefined) {
      ch.conflicts.set(k, n + 1);
      return;
    }
    if (ch.conflicts.size >= this.limits.conflictKeys) {
      // space-saving: the new key replaces the least counted one and inherits its count
      let minKey = '';
      let min = Infinity;
      for (const [key, c] of ch.conflicts) if (c < min) [minKey, min] = [key, c];
      ch.conflicts.delete(minKey);
      ch.conflicts.set(k, min + 1);
      return;
    }
    ch.conflicts.set(k, 1);
  }
}
