import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, BatchSpanProcessor, type IdGenerator } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { BoundedSpanProcessor, type SpanProcessorCounters } from './sidecar/boundedspanprocessor';

export interface TracingOptions {
  /** service.name: mictract-exporter or mictract-sidecar. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTLP/HTTP base URL of the trace store (Tempo, or Jaeger in tests), e.g. http://127.0.0.1:4318. */
  readonly otlpUrl: string;
  /** Further resource attributes, e.g. k8s.pod.name from the downward API. */
  readonly resource?: Record<string, string>;
  readonly idGenerator?: IdGenerator;
  /** Spans queued for export at most; past it new spans are dropped, so a down backend costs bounded memory. */
  readonly maxQueueSize?: number;
  /** Count exported and dropped spans (then the processor is the BoundedSpanProcessor, which reports them). */
  readonly counters?: SpanProcessorCounters;
  /** Per export request; an export slower than this counts as failed. */
  readonly exportTimeoutMs?: number;
}

/**
 * A tracer provider that batches spans to OTLP/HTTP. Short-lived processes must call shutdown(),
 * which flushes, or their last spans are lost.
 */
export function createTracerProvider(options: TracingOptions): TracerProvider {
  const timeoutMillis = options.exportTimeoutMs ?? 10_000;
  const exporter = new OTLPTraceExporter({ url: `${options.otlpUrl.replace(/\/$/, '')}/v1/traces`, timeoutMillis, concurrencyLimit: 2 });
  const maxQueueSize = options.maxQueueSize ?? 2048;
  const processor = options.counters
    ? new BoundedSpanProcessor(exporter, { maxQueueSize, maxBatchSize: Math.min(512, maxQueueSize), scheduledDelayMs: 200, exportTimeoutMs: timeoutMillis }, options.counters)
    : new BatchSpanProcessor({ exporter, maxQueueSize, scheduledDelayMillis: 200 });
  return new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      ...options.resource,
    }),
    ...(options.idGenerator ? { idGenerator: options.idGenerator } : {}),
    spanProcessors: [processor],
  });
}
