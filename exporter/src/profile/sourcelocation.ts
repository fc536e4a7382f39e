import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Where a profiled frame is in the code its authors wrote: a frame's script URL and line (in the
// JavaScript V8 ran, e.g. dist/marbles.js) mapped through the script's source map, when the file and
// its map can be read here (the local target: the profiler runs on the replica's machine), to the
// TypeScript source (src/marbles.ts). Node's own SourceMap parser does the mapping.

export interface SourceLocation {
  /** Absolute path of the source file (the original one when a source map said so). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly hotLine?: number;
  /** True when a source map took the frame from generated code to its source. */
  readonly mapped: boolean;
}

interface Script {
  readonly lines: string[];
  readonly map?: { readonly sm: SourceMap; readonly dir: string; readonly sourceRoot: string };
}

export class SourceLocator {
  private readonly scripts = new Map<string, Script | undefined>();

  /** The source location of a frame at a 1-based line (and the hot line inside it); undefined for URLs that are no readable file. */
  locate(url: string, line: number, hotLine?: number): SourceLocation | undefined {
    if (!url.startsWith('file://')) return undefined;
    const file = fileURLToPath(url);
    const script = this.script(file);
    if (!script) return undefined;
    const map = (l: number) => {
      if (!script.map) return undefined;
      const text = script.lines[l - 1] ?? '';
      const col = text.length - text.trimStart().length;
      const e = script.map.sm.findEntry(l - 1, col) as { originalSource?: string; originalLine?: number };
      if (e.originalSource === undefined || e.originalLine === undefined) return undefined;
      const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : path.resolve(script.map.dir, script.map.sourceRoot, e.originalSource);
      return { file: src, line: e.originalLine + 1 };
    };
    const at = map(line);
    if (!at) return { file, line, ...(hotLine ? { hotLine } : {}), mapped: false };
    const hot = hotLine ? map(hotLine) : undefined;
    return { file: at.file, line: at.line, ...(hot && hot.file === at.file ? { hotLine: hot.line } : {}), mapped: true };
  }

  private script(file: string): Script | undefined {
    if (this.scripts.has(file)) return this.scripts.get(file);
    let script: Script | undefined;
    try {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n');
      script = { lines, ...sourceMapOf(file, text) };
    } catch {
      script = undefined;
    }
    this.scripts.set(file, script);
    return script;
  }
}

function sourceMapOf(file: string, text: string): { map?: Script['map'] } {
  const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text);
  if (!m) return {};
  try {
    const ref = m[1]!;
    let payload: SourceMapPayload;
    let dir = path.dirname(file);
    if (ref.startsWith('data:')) {
      payload = JSON.parse(Buffer.from(ref.slice(ref.indexOf(',') + 1), 'base64').toString('utf8')) as SourceMapPayload;
    } else {
      const mapFile = ref.startsWith('file://') ? fileURLToPath(ref) : path.resolve(dir, ref);
      payload = JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload;
      dir = path.dirname(mapFile);
    }
    return { map: { sm: new SourceMap(payload), dir, sourceRoot: payload.sourceRoot ?? '' } };
  } catch {
    return {};
  }
}

/** A path for people: relative to `root` when inside it, from node_modules/ for dependencies, else as is. */
export function displayPath(file: string, root?: string): string {
  if (root) {
    const rel = path.relative(root, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel) && !rel.includes(`node_modules${path.sep}`)) return rel;
  }
  const nm = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  return nm >= 0 ? file.slice(nm + 1) : file;
}

export const fileUrl = (file: string) => pathToFileURL(file).href;
