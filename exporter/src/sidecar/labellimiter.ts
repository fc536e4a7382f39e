// Bounds a label whose values come from outside. The function name is the client's first argument:
// any string at all. Metrics keep the first `maxValues` distinct names (each cut to `maxLength`) and
// count every later newcomer under `overflow`, so a client cannot blow up the series count.
// Spans keep the real name (bounded in length) either way.

export class LabelLimiter {
  private readonly seen = new Set<string>();

  constructor(
    private readonly maxValues = 100,
    private readonly maxLength = 64,
    private readonly overflow = 'other',
    private readonly empty = 'unknown',
  ) {}

  value(raw: string): string {
    if (raw === '') return this.empty;
    const v = raw.length > this.maxLength ? raw.slice(0, this.maxLength) : raw;
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.maxValues) return this.overflow;
    this.seen.add(v);
    return v;
  }
}
