// Which replica holds which invocation (key: channel ID + tx ID), and how many each holds: the
// balancer's only shared state per peer stream. Pure bookkeeping, no I/O.

export class InvocationTable<R> {
  private readonly byKey = new Map<string, R>();
  private readonly held = new Map<R, Set<string>>();

  holder(key: string): R | undefined {
    return this.byKey.get(key);
  }

  inFlight(replica: R): number {
    return this.held.get(replica)?.size ?? 0;
  }

  get size(): number {
    return this.byKey.size;
  }

  assign(key: string, replica: R): void {
    if (this.byKey.has(key)) throw new Error(`invocation ${key} is already assigned`);
    this.byKey.set(key, replica);
    let keys = this.held.get(replica);
    if (!keys) this.held.set(replica, (keys = new Set()));
    keys.add(key);
  }

  /** Ends one invocation; false when nobody held it. */
  release(key: string): boolean {
    const replica = this.byKey.get(key);
    if (replica === undefined) return false;
    this.byKey.delete(key);
    this.held.get(replica)?.delete(key);
    return true;
  }

  /** Takes every invocation a replica held (it is gone) and returns their keys. */
  drop(replica: R): string[] {
    const keys = [...(this.held.get(replica) ?? [])];
    for (const k of keys) this.byKey.delete(k);
    this.held.delete(replica);
    return keys;
  }

  /**
   * The candidate with the fewest invocations in flight; ties go to the first at or after `start`
   * (a rotating start spreads sequential work, where every replica has none in flight).
   */
  leastInFlight(candidates: readonly R[], start: number): R | undefined {
    let best: R | undefined;
    let bestCount = Infinity;
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[(start + k) % candidates.length]!;
      const n = this.inFlight(c);
      if (n < bestCount) {
        best = c;
        bestCount = n;
      }
    }
    return best;
  }
}
