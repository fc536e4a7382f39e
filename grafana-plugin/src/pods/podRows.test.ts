import { podRows } from './podRows';
import { api, prom } from '../testing/fixtures';

const metrics = {
  targets: prom('pods-all-targets').body.data.result,
  invocationsPerSecond: prom('pods-all-invocationsPerSecond').body.data.result,
  errorRatio: prom('pods-all-errorRatio').body.data.result,
  p95Seconds: prom('pods-all-p95Seconds').body.data.result,
  cpuCores: prom('pods-all-cpuCores').body.data.result,
  memoryBytes: prom('pods-all-memoryBytes').body.data.result,
  restarts: prom('pods-all-restarts').body.data.result,
  phase: prom('pods-all-phase').body.data.result,
};

describe('podRows', () => {
  it('joins the exporter’s pods with the recorded Prometheus answers, one row per pod', () => {
    const pods = api('pods').body.pods;
    const rows = podRows(pods, metrics, {});
    expect(rows.map((r) => r.name).sort()).toEqual(pods.map((p: any) => p.name).sort());
    for (const r of rows) {
      expect(r.scraped).toBe(true);
      expect(r.memoryBytes).toBeGreaterThan(1_000_000);
      expect(r.phase).toBe('Running');
      expect(r.errorRatio === undefined || (r.errorRatio >= 0 && r.errorRatio <= 1)).toBe(true);
    }
  });

  it('filters by chaincode, org and pod name', () => {
    const pods = api('pods').body.pods;
    expect(podRows(pods, metrics, { orgs: ['Org1MSP'] }).every((r) => r.org === 'Org1MSP')).toBe(true);
    expect(podRows(pods, metrics, { pods: [pods[0].name] })).toHaveLength(1);
    expect(podRows(pods, metrics, { chaincode: 'other' })).toHaveLength(0);
  });

  it('takes the phase from kube-state-metrics when present, and lists pods only Prometheus knows', () => {
    const rows = podRows(
      [],
      { ...metrics, phase: [{ metric: { pod: metrics.targets[0].metric.pod, phase: 'Pending' }, value: [0, '1'] }] },
      {}
    );
    expect(rows).toHaveLength(metrics.targets.length);
    expect(rows.find((r) => r.name === metrics.targets[0].metric.pod)!.phase).toBe('Pending');
  });
});
