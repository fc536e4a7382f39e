import type { Pod } from '../api/types';
import type { PromSample } from '../prometheus/promClient';
import type { PodQueryName } from './queries/podQueries';

// One row per chaincode pod: what the exporter lists (phase, slot) joined with what Prometheus scrapes
// (the sidecar targets) and each per-pod metric. Pure.

export interface PodRow {
  name: string;
  chaincode?: string;
  org?: string;
  slot?: string;
  phase?: string;
  ready?: boolean;
  startedAt?: string;
  /** Whether Prometheus scrapes its sidecar now (up == 1). */
  scraped?: boolean;
  restarts?: number;
  cpuCores?: number;
  memoryBytes?: number;
  invocationsPerSecond?: number;
  errorRatio?: number;
  p95Seconds?: number;
}

export interface PodFilterValues {
  chaincode?: string;
  orgs?: readonly string[];
  pods?: readonly string[];
}

export type PodMetrics = Partial<Record<PodQueryName, PromSample[]>>;

const num = (s: PromSample | undefined) => (s ? Number(s.value[1]) : undefined);

export function podRows(apiPods: readonly Pod[], metrics: PodMetrics, f: PodFilterValues): PodRow[] {
  const rows = new Map<string, PodRow>();
  for (const p of apiPods) {
    rows.set(p.name, {
      name: p.name,
      chaincode: p.chaincode,
      org: p.org,
      slot: p.slot,
      phase: p.phase,
      ready: p.ready,
      startedAt: p.startedAt,
    });
  }
  for (const t of metrics.targets ?? []) {
    const name = t.metric.pod;
    if (!name) {
      continue;
    }
    const row = rows.get(name) ?? { name, chaincode: t.metric.chaincode, org: t.metric.org, slot: t.metric.slot };
    row.scraped = Number(t.value[1]) === 1;
    rows.set(name, row);
  }
  const perPod = (q: PodQueryName) =>
    new Map((metrics[q] ?? []).filter((s) => s.metric.pod).map((s) => [s.metric.pod!, s]));
  const inv = perPod('invocationsPerSecond');
  const err = perPod('errorRatio');
  const p95 = perPod('p95Seconds');
  const cpu = perPod('cpuCores');
  const mem = perPod('memoryBytes');
  const restarts = perPod('restarts');
  const phases = perPod('phase');
  const out: PodRow[] = [];
  for (const row of rows.values()) {
    if (f.chaincode && row.chaincode && row.chaincode !== f.chaincode) {
      continue;
    }
    if (f.orgs && f.orgs.length > 0 && row.org && !f.orgs.includes(row.org)) {
      continue;
    }
    if (f.pods && f.pods.length > 0 && !f.pods.includes(row.name)) {
      continue;
    }
    const kubePhase = phases.get(row.name)?.metric.phase;
    const invocations = num(inv.get(row.name));
    out.push({
      ...row,
      phase: kubePhase ?? row.phase,
      invocationsPerSecond: invocations,
      // no traffic in the window: 0/0 is NaN in Prometheus; show no error ratio rather than a fake 0
      errorRatio: num(err.get(row.name)),
      p95Seconds: num(p95.get(row.name)),
      cpuCores: num(cpu.get(row.name)),
      memoryBytes: num(mem.get(row.name)),
      restarts: num(restarts.get(row.name)),
    });
  }
  return out.sort((a, b) => (a.chaincode ?? '').localeCompare(b.chaincode ?? '') || a.name.localeCompare(b.name));
}
