import type { Profiler } from 'node:inspector';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SourceLocation, SourceLocator, displayPath } from './sourcelocation';
import { type FunctionTime, summarizeCpuProfile } from './topfunctions';

// A CPU profile's top functions with their places in the source, for people (the CLI prints it) and
// for the plugin's top table (the exporter serves it as JSON).

export interface ReportRow extends FunctionTime {
  /** Where the function is, for people: "src/marbles.ts:231", "node_modules/fabric-shim/lib/handler.js:80", "node:internal/...:12". */
  readonly location: string;
  /** Its hottest line the same way, when V8 recorded line ticks. */
  readonly hotLocation?: string;
  readonly source?: SourceLocation;
}

export interface ProfileReport {
  readonly durationMs: number;
  readonly samples: number;
  readonly busyShare: number;
  readonly bySelf: ReportRow[];
  readonly byTotal: ReportRow[];
}

export interface ReportOptions {
  readonly limit?: number;
  /** Paths inside it are shown relative to it (the chaincode's folder); default: each file's package folder (nearest package.json). */
  readonly root?: string;
  readonly locator?: SourceLocator;
}

export function profileReport(profile: Profiler.Profile, opts: ReportOptions = {}): ProfileReport {
  const summary = summarizeCpuProfile(profile, opts.limit ?? 20);
  const locator = opts.locator ?? new SourceLocator();
  const row = (f: FunctionTime): ReportRow => {
    if (f.kind === 'runtime' || f.url === '') return { ...f, location: '' };
    const source = locator.locate(f.url, f.line, f.hotLine);
    const file = source?.file ?? (f.url.startsWith('file://') ? fileURLToPath(f.url) : f.url);
    const shown = f.url.startsWith('file://') || source ? displayPath(file, opts.root ?? (file.includes(`${path.sep}node_modules${path.sep}`) ? undefined : packageRoot(file))) : file;
    const line = source?.line ?? f.line;
    const hot = source ? source.hotLine : f.hotLine;
    return { ...f, location: `${shown}:${line}`, ...(hot !== undefined ? { hotLocation: `${shown}:${hot}` } : {}), ...(source ? { source } : {}) };
  };
  return { durationMs: summary.durationMs, samples: summary.samples, busyShare: summary.busyShare, bySelf: summary.bySelf.map(row), byTotal: summary.byTotal.map(row) };
}

const roots = new Map<string, string | undefined>();

/** The folder of the nearest package.json above `file`, if readable here. */
function packageRoot(file: string): string | undefined {
  const dir = path.dirname(file);
  if (!roots.has(dir)) {
    let root: string | undefined;
    for (let d = dir; ; d = path.dirname(d)) {
      if (existsSync(path.join(d, 'package.json'))) {
        root = d;
        break;
      }
      if (path.dirname(d) === d) break;
    }
    roots.set(dir, root);
  }
  return roots.get(dir);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The report as two text tables (top `n` by self time, then by total time). */
export function formatReport(r: ProfileReport, n = 10): string {
  const table = (title: string, rows: ReportRow[]) => {
    const lines = rows.slice(0, n).map((x) => [ms(x.selfMs), pct(x.selfShare), ms(x.totalMs), pct(x.totalShare), x.functionName, x.hotLocation && x.hotLocation !== x.location ? `${x.location} (hot line ${x.hotLocation.slice(x.hotLocation.lastIndexOf(':') + 1)})` : x.location]);
    const head = ['self', 'self%', 'total', 'total%', 'function', 'where'];
    const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const fmt = (l: string[]) => l.map((c, i) => (i < 4 ? c.padStart(widths[i]!) : i < 5 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd();
    return [title, fmt(head), ...lines.map(fmt)].join('\n');
  };
  return [
    `${(r.durationMs / 1000).toFixed(1)} s, ${r.samples} samples, busy ${pct(r.busyShare)} of the time`,
    '',
    table('top functions by self time:', r.bySelf),
    '',
    table('top functions by total time:', r.byTotal),
  ].join('\n');
}
