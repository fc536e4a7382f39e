import type { Profiler } from 'node:inspector';

// What a CPU profile says, as a table: each function's self time (samples where it was running) and
// total time (samples where it was on the stack, counted once per sample even when recursive), and the
// line inside it that took the most samples (V8's positionTicks). Frames are keyed by function name,
// script URL, line and column, so two functions of the same name stay apart.

export interface FunctionTime {
  readonly functionName: string;
  /** The script's URL as V8 reports it (file:///..., node:internal/..., or empty for runtime entries). */
  readonly url: string;
  /** 1-based line and column where the function starts, in the script V8 ran. */
  readonly line: number;
  readonly column: number;
  /** 1-based line inside the function with the most samples, if V8 recorded line ticks. */
  readonly hotLine?: number;
  readonly selfMs: number;
  readonly totalMs: number;
  /** Shares of the whole capture (idle included), 0 to 1. */
  readonly selfShare: number;
  readonly totalShare: number;
  /** runtime: (program), (garbage collector), (idle), (root); node: node's own code; dependency: node_modules; code: the rest (the chaincode). */
  readonly kind: 'runtime' | 'node' | 'dependency' | 'code';
}

export interface ProfileSummary {
  readonly durationMs: number;
  readonly samples: number;
  /** Share of the capture the process was not idle. */
  readonly busyShare: number;
  /** By self time, most first, (idle) and (root) left out. */
  readonly bySelf: FunctionTime[];
  /** By total time, most first, (idle), (root) and (program) left out. */
  readonly byTotal: FunctionTime[];
}

const RUNTIME = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

export function frameKind(functionName: string, url: string): FunctionTime['kind'] {
  if (RUNTIME.has(functionName) && url === '') return 'runtime';
  if (url.startsWith('node:') || (url !== '' && !url.includes('/') && !url.includes('\\'))) return 'node';
  if (url.includes('/node_modules/')) return 'dependency';
  return url === '' ? 'node' : 'code';
}

/** Per-sample durations in microseconds: the time until the next sample (the last one: until endTime). */
function sampleDurations(p: Profiler.Profile): number[] {
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const times: number[] = [];
  let t = p.startTime;
  for (let i = 0; i < samples.length; i++) times.push((t += deltas[i] ?? 0));
  return times.map((at, i) => Math.max(0, (i + 1 < times.length ? times[i + 1]! : p.endTime) - at));
}

export function summarizeCpuProfile(p: Profiler.Profile, limit = 20): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: Profiler.ProfileNode) => `${n.callFrame.functionName}\u0000${n.callFrame.url}\u0000${n.callFrame.lineNumber}\u0000${n.callFrame.columnNumber}`;
  interface Acc { node: Profiler.ProfileNode; self: number; total: number; lineTicks: Map<number, number> }
  const acc = new Map<string, Acc>();
  const get = (n: Profiler.ProfileNode) => {
    const k = keyOf(n);
    let a = acc.get(k);
    if (!a) acc.set(k, (a = { node: n, self: 0, total: 0, lineTicks: new Map() }));
    return a;
  };
  for (const n of p.nodes) for (const t of n.positionTicks ?? []) get(n).lineTicks.set(t.line, (get(n).lineTicks.get(t.line) ?? 0) + t.ticks);
  const durations = sampleDurations(p);
  const samples = p.samples ?? [];
  let all = 0;
  let idle = 0;
  for (let i = 0; i < samples.length; i++) {
    const d = durations[i]!;
    all += d;
    const leaf = byId.get(samples[i]!);
    if (!leaf) continue;
    if (leaf.callFrame.functionName === '(idle)') idle += d;
    get(leaf).self += d;
    const seen = new Set<string>();
    for (let n: Profiler.ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const k = keyOf(n);
      if (seen.has(k)) continue;
      seen.add(k);
      get(n).total += d;
    }
  }
  const rows: FunctionTime[] = [...acc.values()].map(({ node, self, total, lineTicks }) => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    // ticks of functions inlined from elsewhere carry their own lines; a line before the function's start is one of them
    const hot = [...lineTicks.entries()].filter(([l]) => l > lineNumber).sort((a, b) => b[1] - a[1])[0];
    return {
      functionName: functionName || '(anonymous)',
      url,
      line: lineNumber + 1,
      column: columnNumber + 1,
      ...(hot ? { hotLine: hot[0] } : {}),
      selfMs: self / 1000,
      totalMs: total / 1000,
      selfShare: all > 0 ? self / all : 0,
      totalShare: all > 0 ? total / all : 0,
      kind: frameKind(functionName, url),
    };
  });
  const top = (skip: Set<string>, by: (r: FunctionTime) => number) =>
    rows.filter((r) => !(r.kind === 'runtime' && skip.has(r.functionName)) && by(r) > 0).sort((a, b) => by(b) - by(a)).slice(0, limit);
  return {
    durationMs: (p.endTime - p.startTime) / 1000,
    samples: samples.length,
    busyShare: all > 0 ? 1 - idle / all : 0,
    bySelf: top(new Set(['(idle)', '(root)']), (r) => r.selfMs),
    byTotal: top(new Set(['(idle)', '(root)', '(program)']), (r) => r.totalMs),
  };
}
