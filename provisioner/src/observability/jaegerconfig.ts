import type { Endpoint } from '../networkspec/network';

// Jaeger v2 (an OpenTelemetry Collector distribution) all-in-one with in-memory storage, every port
// on loopback and chosen by us: its defaults (4317, 4318, 16686, 13133, ...) would collide between
// networks and tests on one machine.

export interface JaegerPorts {
  readonly otlp: Endpoint;
  readonly query: Endpoint;
  readonly queryGrpc: Endpoint;
  readonly health: Endpoint;
}

const at = (e: Endpoint) => `${e.host}:${e.port}`;

export function jaegerConfig(ports: JaegerPorts, maxTraces = 100_000): Record<string, unknown> {
  return {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
    },
    extensions: {
      jaeger_storage: { backends: { memstore: { memory: { max_traces: maxTraces } } } },
      jaeger_query: { storage: { traces: 'memstore' }, http: { endpoint: at(ports.query) }, grpc: { endpoint: at(ports.queryGrpc) } },
      healthcheckv2: { use_v2: true, http: { endpoint: at(ports.health) } },
    },
    receivers: { otlp: { protocols: { http: { endpoint: at(ports.otlp) } } } },
    processors: { batch: { timeout: '100ms' } },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  };
}
