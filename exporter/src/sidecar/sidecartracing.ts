import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { BoundedSpanProcessor, type SpanProcessorCounters } from './boundedspanprocessor';

// The sidecar's tracer provider: OTLP/HTTP like the exporter's (../tracing.ts), but through the
// BoundedSpanProcessor so that queue drops and failed exports are counted in the sidecar's metrics.

export interface SidecarTracingOptions {
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (spans go to <url>/v1/traces). */
  readonly otlpUrl: string;
  readonly serviceVersion?: string;
  /** Resource attributes besides service.name (k8s.pod.name, k8s.namespace.name, service.instance.id). */
  readonly resource: Record<string, string>;
  readonly maxQueueSize: number;
  readonly exportTimeoutMs: number;
}

export const SIDECAR_SERVICE_NAME = 'mictract-sidecar';

export function createSidecarTracerProvider(options: SidecarTracingOptions, counters: SpanProcessorCounters): TracerProvider {
  const exporter = new OTLPTraceExporter({
    url: `${options.otlpUrl.replace(/\/$/, '')}/v1/traces`,
    timeoutMillis: options.exportTimeoutMs,
    // The processor runs one export at a time; two leaves room for one abandoned after its deadline.
    concurrencyLimit: 2,
  });
  const processor = new BoundedSpanProcessor(
    exporter,
    { maxQueueSize: options.maxQueueSize, maxBatchSize: Math.min(512, options.maxQueueSize), scheduledDelayMs: 200, exportTimeoutMs: options.exportTimeoutMs },
    counters,
  );
  return new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: SIDECAR_SERVICE_NAME,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      ...options.resource,
    }),
    spanProcessors: [processor],
  });
}
