import { urlUtil } from '@grafana/data';

// Links into Grafana's Explore on the traces data source. Tempo takes TraceQL (a trace ID is a valid
// TraceQL query); Grafana's Jaeger data source takes the trace ID as `query` with no query type, and a
// search as queryType `search` with a service and logfmt tags.

export interface DataSourceRef {
  uid: string;
  type: string;
}

export interface TimeRange {
  from: string;
  to: string;
}

const DEFAULT_RANGE: TimeRange = { from: 'now-1h', to: 'now' };

function explore(ds: DataSourceRef, query: Record<string, unknown>, range: TimeRange): string {
  const pane = {
    datasource: ds.uid,
    range,
    queries: [{ refId: 'A', datasource: { type: ds.type, uid: ds.uid }, ...query }],
  };
  return urlUtil.renderUrl('/explore', { panes: JSON.stringify({ t: pane }), schemaVersion: 1 });
}

/** Explore showing one trace. */
export function traceExploreUrl(ds: DataSourceRef, traceId: string, range: TimeRange = DEFAULT_RANGE): string {
  if (ds.type === 'jaeger') {
    return explore(ds, { query: traceId }, range);
  }
  return explore(ds, { queryType: 'traceql', query: traceId }, range);
}

/** Explore listing the recent traces a chaincode pod's sidecar took part in. */
export function podTracesExploreUrl(ds: DataSourceRef, pod: string, range: TimeRange = DEFAULT_RANGE): string {
  if (ds.type === 'jaeger') {
    return explore(ds, { queryType: 'search', service: 'mictract-sidecar', tags: `k8s.pod.name=${pod}` }, range);
  }
  const quoted = JSON.stringify(pod);
  return explore(
    ds,
    { queryType: 'traceql', query: `{resource.service.name="mictract-sidecar" && resource.k8s.pod.name=${quoted}}` },
    range
  );
}

/** The Time range around a transaction's timestamp, for Explore (±15 minutes). */
export function rangeAround(timestamp: string | null | undefined): TimeRange {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) {
    return DEFAULT_RANGE;
  }
  return { from: String(t - 15 * 60_000), to: String(t + 15 * 60_000) };
}
