// The ledger index's count of the keys behind MVCC read conflicts, bounded.

export interface Counted {
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
export class ConflictCounts {
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
