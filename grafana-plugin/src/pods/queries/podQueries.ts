import { anyOf, selector, type Matcher } from '../../prometheus/promql';

// PromQL for the chaincode-pod view. Sidecar metrics (exporter/docs/metrics.md, mictract_chaincode_*) carry
// the scrape target's `pod` label; CPU, memory and restarts prefer Kubernetes' series (cAdvisor,
// kube-state-metrics) and fall back to the sidecar process's own (the local target has no kubelet).

export interface PodFilter {
  chaincode?: string;
  channel?: string;
  /** Only these pods (by name). */
  pods?: readonly string[];
  /** Only pods of these organizations (MSP IDs). */
  orgs?: readonly string[];
}

const SIDECAR_JOB = 'mictract-sidecar';

function matchers(f: PodFilter, withChannel: boolean): Array<Matcher | undefined> {
  return [
    f.chaincode ? ['chaincode', '=', f.chaincode] : undefined,
    withChannel && f.channel ? ['channel', '=', f.channel] : undefined,
    f.pods && f.pods.length > 0 ? ['pod', '=~', anyOf(f.pods)] : undefined,
    f.orgs && f.orgs.length > 0 ? ['org', '=~', anyOf(f.orgs)] : undefined,
  ];
}

export function podQueries(f: PodFilter) {
  const inv = selector(matchers(f, true));
  const invErr = selector([...matchers(f, true), ['status', '!=', 'ok']]);
  const proc = selector([['job', '=', SIDECAR_JOB], ...matchers(f, false)]);
  const kube = selector([
    ['container', '!=', ''],
    f.pods && f.pods.length > 0 ? ['pod', '=~', anyOf(f.pods)] : undefined,
  ]);
  const kubePod = selector([f.pods && f.pods.length > 0 ? ['pod', '=~', anyOf(f.pods)] : undefined]);
  return {
    /** Every sidecar Prometheus scrapes, with its target labels (pod, chaincode, org, slot). */
    targets: `max by (pod, chaincode, org, slot, namespace) (up${proc})`,
    invocationsPerSecond: `sum by (pod) (rate(mictract_chaincode_invocations_total${inv}[1m]))`,
    // a pod with traffic and no errors has no error series: count it as 0 errors (`or … * 0`), not as missing
    errorRatio: `(sum by (pod) (rate(mictract_chaincode_invocations_total${invErr}[5m])) or sum by (pod) (rate(mictract_chaincode_invocations_total${inv}[5m])) * 0) / sum by (pod) (rate(mictract_chaincode_invocations_total${inv}[5m]))`,
    p95Seconds: `histogram_quantile(0.95, sum by (pod, le) (rate(mictract_chaincode_invocation_duration_seconds_bucket${inv}[5m])))`,
    cpuCores: `sum by (pod) (rate(container_cpu_usage_seconds_total${kube}[5m])) or sum by (pod) (rate(process_cpu_seconds_total${proc}[1m]))`,
    memoryBytes: `sum by (pod) (container_memory_working_set_bytes${kube}) or sum by (pod) (process_resident_memory_bytes${proc})`,
    restarts: `sum by (pod) (kube_pod_container_status_restarts_total${kubePod}) or sum by (pod) (changes(process_start_time_seconds${proc}[1h]))`,
    phase: `max by (pod, phase) (kube_pod_status_phase${kubePod}) == 1`,
  };
}

export type PodQueryName = keyof ReturnType<typeof podQueries>;
