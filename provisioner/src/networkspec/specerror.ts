/** One problem in a spec: where it is, what was found, and what to do. */
export interface SpecIssue {
  /** Field path such as `organizations[1].name`; empty for the whole document. */
  readonly field: string;
  readonly message: string;
  /** The offending value as written, when there is one. */
  readonly value?: unknown;
  /** Where in the file (1-based), for problems found by the YAML parser. */
  readonly line?: number;
  readonly column?: number;
  /** The lines around it with a ^ under the spot, as the YAML parser draws them. */
  readonly frame?: string;
}

/** Thrown before anything starts when a spec cannot be used; lists every problem at once. */
export class SpecError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly SpecIssue[],
  ) {
    super(`${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'} in the network spec:\n` + issues.map((i) => '  - ' + formatIssue(i)).join('\n'));
    this.name = 'SpecError';
  }
}

export function formatIssue(issue: SpecIssue): string {
  const where = issue.line !== undefined ? `line ${issue.line}, column ${issue.column ?? 1}` : issue.field === '' ? '(spec)' : issue.field;
  const got = issue.value === undefined ? '' : ` (got ${JSON.stringify(issue.value)})`;
  const frame = issue.frame ? '\n' + issue.frame.split('\n').map((l) => `      ${l}`.trimEnd()).join('\n') : '';
  return `${where}: ${issue.message}${got}${frame}`;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc === '' ? String(key) : `${acc}.${String(key)}`), '');
}
