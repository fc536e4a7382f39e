import { createDataFrame, FieldType, type DataFrame } from '@grafana/data';
import type { CpuProfile } from '../api/profileApi';

// A V8 CPU profile as the DataFrame @grafana/flamegraph draws: one row per call-tree node in depth-first
// order with its level, total and self time (microseconds) and a label "function file:line". Time per
// sample is the gap to the next sample (the last one: to endTime). (idle) is left out, so the graph
// shows where the busy time went. Pure.

export function frameLabel(f: CpuProfile['nodes'][number]['callFrame']): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) {
    // @grafana/flamegraph groups frames in a plain object keyed by label: a V8 built-in without a script
    // named like an Object.prototype member ("toString", "constructor") found that member and threw
    return name in Object.prototype ? `${name} (built-in)` : name;
  }
  const file = f.url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  const short = nm >= 0 ? file.slice(nm + 1) : file.split('/').slice(-2).join('/');
  return `${name} ${short}:${f.lineNumber + 1}`;
}

export function cpuProfileToFrame(p: CpuProfile): DataFrame {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  let t = p.startTime;
  const times = samples.map((_, i) => (t += deltas[i] ?? 0));
  samples.forEach((id, i) => {
    const d = Math.max(0, (i + 1 < times.length ? times[i + 1]! : p.endTime) - times[i]!);
    self.set(id, (self.get(id) ?? 0) + d);
  });
  const total = new Map<number, number>();
  const totalOf = (id: number): number => {
    const known = total.get(id);
    if (known !== undefined) {
      return known;
    }
    const n = byId.get(id);
    let sum = self.get(id) ?? 0;
    for (const c of n?.children ?? []) {
      if (byId.get(c)?.callFrame.functionName !== '(idle)') {
        sum += totalOf(c);
      }
    }
    total.set(id, sum);
    return sum;
  };
  const level: number[] = [];
  const value: number[] = [];
  const selfV: number[] = [];
  const label: string[] = [];
  const root = p.nodes[0];
  const visit = (id: number, depth: number) => {
    const n = byId.get(id)!;
    const v = totalOf(id);
    if (v <= 0 || n.callFrame.functionName === '(idle)') {
      return;
    }
    level.push(depth);
    value.push(v);
    selfV.push(n.callFrame.functionName === '(root)' ? 0 : (self.get(id) ?? 0));
    label.push(n.callFrame.functionName === '(root)' ? 'total' : frameLabel(n.callFrame));
    // heaviest first, as flame graphs usually order siblings
    for (const c of [...(n.children ?? [])].sort((a, b) => totalOf(b) - totalOf(a))) {
      visit(c, depth + 1);
    }
  };
  if (root) {
    visit(root.id, 0);
  }
  return flameFrame('profile', 'µs', { level, value, self: selfV, label });
}

/** The four fields @grafana/flamegraph reads, nodes depth first; `unit` for value and self. */
export function flameFrame(
  name: string,
  unit: string,
  c: { level: number[]; value: number[]; self: number[]; label: string[] }
): DataFrame {
  return createDataFrame({
    name,
    fields: [
      { name: 'level', type: FieldType.number, values: c.level },
      { name: 'value', type: FieldType.number, values: c.value, config: { unit } },
      { name: 'self', type: FieldType.number, values: c.self, config: { unit } },
      { name: 'label', type: FieldType.string, values: c.label },
    ],
  });
}
