// What a person typed into the search box: a transaction ID (64 hex), a block number, or neither.

export type SearchTarget =
  | { kind: 'tx'; txId: string }
  | { kind: 'block'; number: number }
  | { kind: 'invalid'; reason: string }
  | { kind: 'empty' };

export function parseSearch(input: string): SearchTarget {
  const q = input.trim().replace(/^#/, '');
  if (q === '') {
    return { kind: 'empty' };
  }
  if (/^[0-9a-fA-F]{64}$/.test(q)) {
    return { kind: 'tx', txId: q.toLowerCase() };
  }
  if (/^\d+$/.test(q)) {
    const n = Number(q);
    if (Number.isSafeInteger(n)) {
      return { kind: 'block', number: n };
    }
    return { kind: 'invalid', reason: `${q} is larger than any block number` };
  }
  if (/^[0-9a-fA-F]+$/.test(q)) {
    return { kind: 'invalid', reason: `a transaction ID has 64 hex characters; this has ${q.length}` };
  }
  return { kind: 'invalid', reason: 'type a transaction ID (64 hex characters) or a block number' };
}
