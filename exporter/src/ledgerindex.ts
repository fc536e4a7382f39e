import { X509Certificate } from 'node:crypto';
import type { DecodedBlock, DecodedTransaction, Identity } from './decodedblock';
import type { Verification } from './chainverifier';
import { VALID } from './validationcode';
import { ConflictCounts } from './conflictcounts';
import { type HeldBlock, Slabs, TxReader, TxWriter } from './heldblocks';
import { KeyHistory, sep } from './keyhistory';

// What the ledger API serves from memory, bounded: the most recent blocks of each channel with their
// transactions (found by tx ID too), the history of writes per key, and the keys most often behind an
// MVCC read conflict. Certificates are kept as MSP + subject, never the PEM per transaction. How each is
// held: heldblocks.ts (blocks), keyhistory.ts (writes per key), conflictcounts.ts (conflicting keys).

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
