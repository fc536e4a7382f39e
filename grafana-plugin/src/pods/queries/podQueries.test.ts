import { podQueries } from './podQueries';
import { anyOf, promString, selector } from '../../prometheus/promql';

describe('podQueries', () => {
  it('filters sidecar series by chaincode and channel, and by the scrape job for process metrics', () => {
    const q = podQueries({ chaincode: 'marbles', channel: 'mychannel' });
    expect(q.invocationsPerSecond).toBe(
      'sum by (pod) (rate(mictract_chaincode_invocations_total{chaincode="marbles",channel="mychannel"}[1m]))'
    );
    expect(q.p95Seconds).toBe(
      'histogram_quantile(0.95, sum by (pod, le) (rate(mictract_chaincode_invocation_duration_seconds_bucket{chaincode="marbles",channel="mychannel"}[5m])))'
    );
    expect(q.targets).toBe(
      'max by (pod, chaincode, org, slot, namespace) (up{job="mictract-sidecar",chaincode="marbles"})'
    );
    expect(q.errorRatio).toContain('status!="ok"');
    expect(q.errorRatio).toContain(' * 0) / ');
  });

  it('prefers Kubernetes series for CPU, memory and restarts, falling back to the sidecar process', () => {
    const q = podQueries({ pods: ['a-0', 'b.1'] });
    expect(q.cpuCores).toBe(
      'sum by (pod) (rate(container_cpu_usage_seconds_total{container!="",pod=~"a-0|b\\\\.1"}[5m])) or sum by (pod) (rate(process_cpu_seconds_total{job="mictract-sidecar",pod=~"a-0|b\\\\.1"}[1m]))'
    );
    expect(q.memoryBytes.split(' or ')).toHaveLength(2);
    expect(q.restarts).toContain('kube_pod_container_status_restarts_total');
    expect(q.restarts).toContain('changes(process_start_time_seconds');
  });

  it('uses only metric names from the metrics reference', () => {
    const names = Object.values(podQueries({}))
      .join(' ')
      .match(/mictract_[a-z_]+/g);
    expect(new Set(names)).toEqual(
      new Set(['mictract_chaincode_invocations_total', 'mictract_chaincode_invocation_duration_seconds_bucket'])
    );
  });
});

describe('promql', () => {
  it('quotes label values and escapes regex alternatives', () => {
    expect(promString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    expect(anyOf(['x.y', 'z+'])).toBe('x\\.y|z\\+');
    expect(selector([['a', '=', '1'], undefined, ['b', '!~', 'x']])).toBe('{a="1",b!~"x"}');
  });
});
