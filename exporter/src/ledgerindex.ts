import { X509Certificate } from 'node:crypto';
import type { DecodedBlock, DecodedTransaction, Identity } from './decodedblock';
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

export interface IndexedTransaction extends Omit<DecodedTransaction, 'creator' | 'endorsers'> {
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
 * there, which under this pattern is most of the table until it is rebuilt: once 50,000 key histories
 * are held, one is evicted per new key, and that walk took a quarter of a 100,000-transaction replay's
 * CPU (bench/README.md). One iterator is kept and advanced instead. The caller deletes each key it is given.
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
  readonly blocks = new Map<number, IndexedBlock>();
  readonly oldestBlocks = new OldestFirst(this.blocks);
  readonly txs = new Map<string, { block: number; position: number }>();
  txCount = 0;
  readonly history = new Map<string, KeyWriteRecord[]>();
  readonly oldestKeys = new OldestFirst(this.history);
  readonly conflicts = new Map<string, number>();
  highest = -1;
  first = Infinity;
}

const sep = '\u0000';

export class LedgerIndex {
  private readonly channels = new Map<string, ChannelIndex>();
  /** By PEM certificate. */
  private readonly identities = new Map<string, IndexedIdentity>();

  constructor(readonly limits: IndexLimits = DEFAULT_INDEX_LIMITS) {}

  /** Adds a processed block (any order; a block already held is replaced). */
  add(block: DecodedBlock, verification: Verification, receivedAtMs: number): IndexedBlock {
    const ch = this.channel(block.channel);
    this.remove(ch, block.number);
    const indexed = this.describe(block, verification, receivedAtMs);
    const transactions = indexed.transactions;
    this.recordConflicts(ch, block);
    this.recordWrites(ch, block);
    ch.blocks.set(block.number, indexed);
    for (const t of transactions) if (t.txId) ch.txs.set(t.txId, { block: block.number, position: t.position });
    ch.txCount += transactions.length;
    ch.highest = Math.max(ch.highest, block.number);
    ch.first = Math.min(ch.first, block.number);
    while (ch.blocks.size > this.limits.blocks || (ch.txCount > this.limits.transactions && ch.blocks.size > 1)) {
      // blocks arrive in order, so the Map's first entry (insertion order) is the oldest
      this.remove(ch, ch.oldestBlocks.next()!);
    }
    return indexed;
  }

  /** A block as the index keeps it, without keeping it (for blocks fetched from the peer on demand). */
  describe(block: DecodedBlock, verification: Verification, receivedAtMs: number): IndexedBlock {
    const transactions = block.transactions.map((t) => this.compact(t, block.number));
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
      transactions,
    };
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
    return this.channels.get(channel)?.blocks.get(number);
  }

  /** Blocks held with number ≤ `below` (all when undefined), newest first, at most `limit`. */
  blocksNewestFirst(channel: string, limit: number, below?: number): IndexedBlock[] {
    const ch = this.channels.get(channel);
    if (!ch) return [];
    const numbers = [...ch.blocks.keys()].filter((n) => below === undefined || n <= below).sort((a, b) => b - a);
    return numbers.slice(0, limit).map((n) => ch.blocks.get(n)!);
  }

  transaction(txId: string, channel?: string): { channel: string; tx: IndexedTransaction } | undefined {
    for (const [name, ch] of this.channels) {
      if (channel !== undefined && name !== channel) continue;
      const at = ch.txs.get(txId);
      const tx = at && ch.blocks.get(at.block)?.transactions.find((t) => t.position === at.position);
      if (tx) return { channel: name, tx };
    }
    return undefined;
  }

  /** The valid writes of a key seen by this exporter, newest first. */
  keyHistory(channel: string, chaincode: string, key: string): KeyWriteRecord[] | undefined {
    const h = this.channels.get(channel)?.history.get(chaincode + sep + key);
    return h && [...h].reverse();
  }

  topConflictingKeys(channel: string, limit: number): ConflictingKey[] {
    const ch = this.channels.get(channel);
    if (!ch) return [];
    return [...ch.conflicts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([k, conflicts]) => {
        const [chaincode, key] = k.split(sep) as [string, string];
        return { chaincode, key, conflicts };
      });
  }

  private channel(name: string): ChannelIndex {
    let ch = this.channels.get(name);
    if (!ch) this.channels.set(name, (ch = new ChannelIndex()));
    return ch;
  }

  private remove(ch: ChannelIndex, number: number): void {
    const old = ch.blocks.get(number);
    if (!old) return;
    ch.blocks.delete(number);
    ch.txCount -= old.transactions.length;
    for (const t of old.transactions) {
      const at = ch.txs.get(t.txId);
      if (at && at.block === number) ch.txs.delete(t.txId);
    }
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

  private compact(t: DecodedTransaction, blockNumber: number): IndexedTransaction {
    // a spread copy with the identities replaced by the shared MSP + subject objects (no PEM kept per transaction)
    const out: { -readonly [K in keyof IndexedTransaction]: IndexedTransaction[K] } = { ...t, blockNumber, endorsers: t.endorsers.map((e) => this.identity(e)!) };
    if (t.creator) out.creator = this.identity(t.creator)!;
    return out;
  }

  private recordWrites(ch: ChannelIndex, block: DecodedBlock): void {
    for (const t of block.transactions) {
      if (t.validationCode !== VALID) continue;
      for (const ns of t.rwsets) {
        for (const w of ns.writes) {
          const k = ns.namespace + sep + w.key;
          let list = ch.history.get(k);
          if (list) ch.history.delete(k); // re-insert: Map order is least recently written first
          else list = [];
          list.push(t.timestampMs !== undefined ? { blockNumber: block.number, txNumber: t.position, txId: t.txId, timestampMs: t.timestampMs, isDelete: w.isDelete, valueSize: w.valueSize } : { blockNumber: block.number, txNumber: t.position, txId: t.txId, isDelete: w.isDelete, valueSize: w.valueSize });
          if (list.length > this.limits.historyPerKey) list.shift();
          ch.history.set(k, list);
          if (ch.history.size > this.limits.historyKeys) ch.history.delete(ch.oldestKeys.next()!);
        }
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
          const last = ch.history.get(k)?.at(-1);
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
