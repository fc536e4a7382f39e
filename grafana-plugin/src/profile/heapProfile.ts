import type { DataFrame } from '@grafana/data';
import { API_ROOT } from '../api/ledgerPaths';
import { getJson } from '../api/request';
import { seg } from '../url';
import { flameFrame, frameLabel } from './flameGraphFrame';

// A V8 sampling heap profile (.heapprofile, the DevTools protocol's HeapProfiler.SamplingHeapProfile),
// as the exporter serves it for a capture made with heap: true: a tree of allocation stacks, each node
// with the bytes sampled at that frame itself (selfSize). V8 samples one allocation per 32 KB on
// average (the exporter's interval) and the profile keeps every sample of the capture's window, also
// those collected since. Here: the tree as the DataFrame @grafana/flamegraph draws (bytes), and the top allocating
// functions. Pure, apart from the fetch.

export interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId?: string };
  selfSize: number;
  id: number;
  children: HeapNode[];
}

export interface HeapProfile {
  head: HeapNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
}

export const heapProfileApi = {
  get: (id: string) => getJson<HeapProfile>(`${API_ROOT}/profiles/${seg(id)}/heapprofile`),
};

function totals(head: HeapNode): Map<HeapNode, number> {
  const total = new Map<HeapNode, number>();
  // iterative post-order: allocation stacks can be deep
  const stack: Array<{ n: HeapNode; done: boolean }> = [{ n: head, done: false }];
  while (stack.length) {
    const top = stack.pop()!;
    if (top.done) {
      total.set(top.n, top.n.selfSize + top.n.children.reduce((s, c) => s + total.get(c)!, 0));
    } else {
      stack.push({ n: top.n, done: true });
      for (const c of top.n.children) {
        stack.push({ n: c, done: false });
      }
    }
  }
  return total;
}

/** The allocation tree depth first (heaviest child first) with total and self bytes; empty subtrees left out. */
export function heapProfileToFrame(p: HeapProfile): DataFrame {
  const total = totals(p.head);
  const level: number[] = [];
  const value: number[] = [];
  const self: number[] = [];
  const label: string[] = [];
  const visit = (n: HeapNode, depth: number) => {
    const v = total.get(n)!;
    if (v <= 0) {
      return;
    }
    const isRoot = depth === 0;
    level.push(depth);
    value.push(v);
    self.push(isRoot ? 0 : n.selfSize);
    label.push(isRoot ? 'total' : frameLabel(n.callFrame));
    for (const c of [...n.children].sort((a, b) => total.get(b)! - total.get(a)!)) {
      visit(c, depth + 1);
    }
  };
  visit(p.head, 0);
  return flameFrame('heap', 'bytes', { level, value, self, label });
}

export interface AllocationRow {
  functionName: string;
  /** "file:line" (1-based), shortened as in the flame graph; '' for V8's own entries ((root), (V8 API)). */
  location: string;
  selfBytes: number;
  totalBytes: number;
  selfShare: number;
  totalShare: number;
}

/**
 * The functions that allocated the most, by self bytes (the same function on several stacks summed;
 * its total counts each sample once even when the function is on the stack more than once).
 */
export function topAllocations(p: HeapProfile, limit = 15): AllocationRow[] {
  const rows = new Map<string, AllocationRow>();
  const total = totals(p.head);
  const all = total.get(p.head) ?? 0;
  const visit = (n: HeapNode, onStack: Set<string>) => {
    const f = n.callFrame;
    const key = `${f.functionName}\u0000${f.url}\u0000${f.lineNumber}`;
    const location = f.url ? frameLabel(f).slice((f.functionName || '(anonymous)').length + 1) : '';
    const row = rows.get(key) ?? {
      functionName: f.functionName || '(anonymous)',
      location,
      selfBytes: 0,
      totalBytes: 0,
      selfShare: 0,
      totalShare: 0,
    };
    rows.set(key, row);
    row.selfBytes += n.selfSize;
    // a subtree under an outer call of the same function is already in that call's total
    if (!onStack.has(key)) {
      row.totalBytes += total.get(n)!;
    }
    const inner = onStack.has(key) ? onStack : new Set(onStack).add(key);
    for (const c of n.children) {
      visit(c, inner);
    }
  };
  for (const c of p.head.children) {
    visit(c, new Set());
  }
  return [...rows.values()]
    .filter((r) => r.selfBytes > 0)
    .map((r) => ({ ...r, selfShare: all ? r.selfBytes / all : 0, totalShare: all ? r.totalBytes / all : 0 }))
    .sort((a, b) => b.selfBytes - a.selfBytes || b.totalBytes - a.totalBytes)
    .slice(0, limit);
}
