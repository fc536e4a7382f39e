import { getJson } from '../api/request';

// Instant queries against the chosen Prometheus data source, through Grafana's data source proxy
// (`/api/datasources/proxy/uid/<uid>/api/v1/query`), so the answers are Prometheus's own JSON.

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromVectorResponse {
  status: 'success' | 'error';
  data?: { resultType: string; result: PromSample[] };
  error?: string;
  errorType?: string;
}

export function promQueryUrl(datasourceUid: string, expr: string): string {
  return `api/datasources/proxy/uid/${encodeURIComponent(datasourceUid)}/api/v1/query?query=${encodeURIComponent(expr)}`;
}

export async function instantQuery(datasourceUid: string, expr: string): Promise<PromSample[]> {
  const r = await getJson<PromVectorResponse>(promQueryUrl(datasourceUid, expr));
  if (r.status !== 'success' || !r.data) {
    throw new Error(`Prometheus: ${r.error ?? 'query failed'}`);
  }
  return r.data.result;
}

/** The samples keyed by one label's value (samples without it under ''). */
export function byLabel(samples: readonly PromSample[], label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    out.set(s.metric[label] ?? '', Number(s.value[1]));
  }
  return out;
}

/** The single value of a one-sample answer (e.g. a sum), or undefined when there is none. */
export function scalarOf(samples: readonly PromSample[]): number | undefined {
  const v = samples[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}
