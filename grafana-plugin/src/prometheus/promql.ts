// Small pure helpers for building PromQL: quoting label values and writing selectors.

/** A PromQL string literal: backslashes, quotes and newlines escaped. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A regular expression matching exactly one of the values (for `=~`). */
export function anyOf(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

export type Matcher = readonly [label: string, op: '=' | '!=' | '=~' | '!~', value: string];

/** `{a="x",b=~"y|z"}`; matchers with an undefined value are left out. */
export function selector(matchers: ReadonlyArray<Matcher | undefined>): string {
  const parts = matchers.filter((m): m is Matcher => m !== undefined).map(([l, op, v]) => `${l}${op}${promString(v)}`);
  return `{${parts.join(',')}}`;
}
