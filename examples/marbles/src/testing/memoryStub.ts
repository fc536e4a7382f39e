import { Context } from 'fabric-contract-api';
import type { ChaincodeStub, Iterators, SplitCompositekey } from 'fabric-shim';
import Long from 'long';

/** The part of ChaincodeStub the marbles contract uses; type-checked against the real one. */
export type StubSubset = Pick<
  ChaincodeStub,
  | 'getState'
  | 'putState'
  | 'deleteState'
  | 'createCompositeKey'
  | 'splitCompositeKey'
  | 'getStateByRange'
  | 'getStateByPartialCompositeKey'
  | 'getHistoryForKey'
  | 'getTxID'
  | 'getTxTimestamp'
>;

// Same delimiters as fabric-shim: composite keys live below every simple key.
const COMPOSITE_NS = '\u0000';
const MAX_RUNE = '\u{10ffff}';
// fabric-shim substitutes this for an empty start key so ranges skip composite keys.
const EMPTY_KEY_SUBSTITUTE = '\u0001';

interface HistoryEntry {
  txId: string;
  time: Date;
  value: Buffer | null; // null marks a delete
}

type QueryResult<T> = Promise<Iterators.CommonIterator<T>> & AsyncIterable<T>;

/** Peer order is by UTF-8 bytes, which differs from JS string order above U+FFFF. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * In-memory ledger that behaves like a peer for one chaincode namespace:
 * writes are buffered per transaction and become visible (and recorded in
 * history) only on commit, as Fabric does not let a transaction read its own writes.
 */
export class MemoryStub implements StubSubset {
  private readonly world = new Map<string, Buffer>();
  private readonly history = new Map<string, HistoryEntry[]>();
  private pending = new Map<string, Buffer | null>();
  private txId = '';
  private txTime = new Date(0);
  private clock = Date.UTC(2024, 0, 1);
  private open = 0;

  /** Iterators opened but not yet closed; a leak here would leak on a real peer too. */
  get openIterators(): number {
    return this.open;
  }

  /**
   * Runs fn as one transaction. Its writes commit only if it succeeds, like a
   * proposal that failed endorsement never reaching the ledger.
   */
  async transact<T>(txId: string, fn: () => Promise<T>): Promise<T> {
    this.txId = txId;
    this.clock += 1000;
    this.txTime = new Date(this.clock);
    this.pending = new Map();
    try {
      const result = await fn();
      this.commit();
      return result;
    } finally {
      this.pending = new Map();
    }
  }

  private commit(): void {
    for (const [key, value] of this.pending) {
      if (value === null) {
        this.world.delete(key);
      } else {
        this.world.set(key, value);
      }
      const entries = this.history.get(key) ?? [];
      entries.push({ txId: this.txId, time: this.txTime, value });
      this.history.set(key, entries);
    }
  }

  getTxID(): string {
    return this.txId;
  }

  getTxTimestamp(): ReturnType<ChaincodeStub['getTxTimestamp']> {
    const ms = this.txTime.getTime();
    return { seconds: Long.fromNumber(Math.floor(ms / 1000), true), nanos: (ms % 1000) * 1e6 };
  }

  async getState(key: string): Promise<Uint8Array> {
    // A missing key reads as empty bytes, not undefined, as on a peer.
    return Buffer.from(this.world.get(key) ?? Buffer.alloc(0));
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    if (!key) {
      throw new Error('key must not be empty');
    }
    this.pending.set(key, Buffer.from(value));
  }

  async deleteState(key: string): Promise<void> {
    this.pending.set(key, null);
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    if (!objectType) {
      throw new Error('objectType must be a non-empty string');
    }
    let key = COMPOSITE_NS + objectType + COMPOSITE_NS;
    for (const attr of attributes) {
      if (!attr) {
        throw new Error('composite key attributes must be non-empty strings');
      }
      key += attr + COMPOSITE_NS;
    }
    return key;
  }

  splitCompositeKey(compositeKey: string): SplitCompositekey {
    if (!compositeKey.startsWith(COMPOSITE_NS)) {
      return { objectType: null as unknown as string, attributes: [] };
    }
    // Drop the leading NUL and the trailing one, then split on the rest.
    const parts = compositeKey.slice(1, -1).split(COMPOSITE_NS);
    return { objectType: parts[0] ?? '', attributes: parts.slice(1) };
  }

  getStateByRange(startKey: string, endKey: string): QueryResult<Iterators.KV> {
    for (const key of [startKey, endKey]) {
      if (key.startsWith(COMPOSITE_NS)) {
        throw new Error(`range query key ${JSON.stringify(key)} must not start with U+0000`);
      }
    }
    const start = startKey === '' ? EMPTY_KEY_SUBSTITUTE : startKey;
    // Start inclusive, end exclusive, empty end means unbounded.
    return this.scan((key) => compareKeys(key, start) >= 0 && (endKey === '' || compareKeys(key, endKey) < 0));
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): QueryResult<Iterators.KV> {
    const prefix = this.createCompositeKey(objectType, attributes);
    const end = prefix + MAX_RUNE;
    return this.scan((key) => compareKeys(key, prefix) >= 0 && compareKeys(key, end) < 0);
  }

  getHistoryForKey(key: string): QueryResult<Iterators.KeyModification> {
    // Fabric >= 2.0 returns history newest first.
    const entries = [...(this.history.get(key) ?? [])].reverse();
    const mods = entries.map((entry): Iterators.KeyModification => {
      const ms = entry.time.getTime();
      return {
        txId: entry.txId,
        isDelete: entry.value === null,
        value: entry.value ?? Buffer.alloc(0),
        // fabric-shim passes protobuf toObject() output: seconds is a number, not the typed Long.
        timestamp: { seconds: Math.floor(ms / 1000) as unknown as Long, nanos: (ms % 1000) * 1e6 },
      };
    });
    return this.iterate(mods);
  }

  /** Snapshot of committed state, like a peer's query results, in key order. */
  private scan(match: (key: string) => boolean): QueryResult<Iterators.KV> {
    const kvs = [...this.world.keys()]
      .filter(match)
      .sort(compareKeys)
      .map((key): Iterators.KV => ({ namespace: 'marbles', key, value: Buffer.from(this.world.get(key) ?? '') }));
    return this.iterate(kvs);
  }

  private iterate<T>(items: T[]): QueryResult<T> {
    this.open += 1;
    let index = 0;
    let closed = false;
    const iterator: Iterators.CommonIterator<T> = {
      next: async () => {
        if (closed) {
          throw new Error('iterator used after close');
        }
        const value = items[index];
        index += 1;
        // Like fabric-shim, the end is signalled by { done: true } with no value.
        return value === undefined ? ({ done: true } as Iterators.NextResult<T>) : { value, done: false };
      },
      close: async () => {
        if (!closed) {
          closed = true;
          this.open -= 1;
        }
      },
    };
    const promise = Promise.resolve(iterator);
    // Mirrors fabric-shim: `for await` closes the iterator when it ends or breaks.
    const asyncIterable: AsyncIterable<T> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const res = await iterator.next();
          if (res.done) {
            await iterator.close();
          }
          return res.done ? { done: true, value: undefined } : { done: false, value: res.value };
        },
        return: async () => {
          await iterator.close();
          return { done: true, value: undefined };
        },
      }),
    };
    return Object.assign(promise, asyncIterable);
  }
}

/** A contract Context backed by the given in-memory stub. */
export function contextFor(stub: MemoryStub): Context {
  const ctx = new Context();
  ctx.stub = stub as unknown as Context['stub'];
  return ctx;
}
