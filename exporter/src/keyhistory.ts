import type { KeyWriteRecord } from './ledgerindex';

/** Between a namespace and a key in one string: composite keys hold \0 themselves, so split at the first. */
export const sep = '\u0000';

/**
 * The write history of the keys, least recently written first, without an object per write: keys are
 * slots in a doubly linked list (typed arrays), writes are records in typed arrays chained oldest to
 * newest per key, tx IDs as their 32 bytes (a string each was most of this heap). A write moves its key to the end of the list in O(1), where a Map delete + set per written key grew the
 * Map's table with deleted entries and rebuilt it again and again; the least recently written key is
 * the list's head.
 */
export class KeyHistory {
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
