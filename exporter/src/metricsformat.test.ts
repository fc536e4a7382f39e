import { Counter, Histogram, Registry, type OpenMetricsContentType } from 'prom-client';
import { openMetricsToPrometheus, wantsOpenMetrics } from './metricsformat';

describe('openMetricsToPrometheus', () => {
  it('gives what a Prometheus-format registry writes for the same series, without exemplars', async () => {
    const make = (type: string) => {
      const registry = new Registry<OpenMetricsContentType>();
      registry.setContentType(type as OpenMetricsContentType);
      const c = new Counter({ name: 'x_things_total', help: 'things', labelNames: ['fn'], registers: [registry] });
      const h = new Histogram({ name: 'x_latency_seconds', help: 'latency', labelNames: ['fn'], buckets: [1, 2], registers: [registry], enableExemplars: type === Registry.OPENMETRICS_CONTENT_TYPE });
      c.inc({ fn: 'a # {b}' }, 3);
      c.inc({ fn: 'quote"d}' }, 1);
      if (type === Registry.OPENMETRICS_CONTENT_TYPE) h.observe({ value: 1.5, labels: { fn: 'x' }, exemplarLabels: { trace_id: 'ab'.repeat(16) } as Partial<Record<'fn', string>> });
      else h.observe({ fn: 'x' }, 1.5);
      return registry;
    };
    const open = await make(Registry.OPENMETRICS_CONTENT_TYPE).metrics();
    expect(open).toContain('# {trace_id=');
    expect(openMetricsToPrometheus(open)).toBe(await make(Registry.PROMETHEUS_CONTENT_TYPE).metrics());
  });
});

describe('wantsOpenMetrics', () => {
  it("reads Prometheus' Accept header and plain clients", () => {
    expect(wantsOpenMetrics('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe(true);
    expect(wantsOpenMetrics('text/plain')).toBe(false);
    expect(wantsOpenMetrics(undefined)).toBe(false);
  });
});
