/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** An `up` step's title without what varies between runs and topologies (counts, versions, sequences), to add steps up across runs. */
export function stepKey(title: string): string {
  return title.replace(/\(\d+\)/, '').replace(/marbles [\d.]+: /, 'marbles: ').replace(/ on every peer| sequence \d+|marbles_[\d.]+ /g, '').trim();
}
