import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { BoundedSpanProcessor } from './boundedspanprocessor';

function counting() {
  const c = { exported: 0, queue_full: 0, export_failed: 0, queueLength: 0 };
  return {
    c,
    counters: {
      exported: (n: number) => (c.exported += n),
      dropped: (reason: 'queue_full' | 'export_failed', n: number) => (c[reason] += n),
      queueLength: (n: number) => (c.queueLength = n),
    },
  };
}

/** An exporter whose exports finish only when the test says so (a slow or hung backend). */
class StuckExporter implements SpanExporter {
  readonly pending: Array<{ spans: ReadableSpan[]; done: (r: ExportResult) => void }> = [];
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.pending.push({ spans, done });
  }
  async shutdown(): Promise<void> {}
}

function emit(provider: TracerProvider, n: number): void {
  const tracer = provider.getTracer('test');
  for (let i = 0; i < n; i++) tracer.startSpan(`s${i}`).end();
}

describe('BoundedSpanProcessor', () => {
  it('exports in batches and counts what the backend accepted', async () => {
    const exporter = new InMemorySpanExporter();
    const { c, counters } = counting();
    const processor = new BoundedSpanProcessor(exporter, { maxQueueSize: 100, maxBatchSize: 10, scheduledDelayMs: 10, exportTimeoutMs: 1000 }, counters);
    const provider = new TracerProvider({ spanProcessors: [processor] });
    emit(provider, 25);
    await processor.forceFlush();
    expect(exporter.getFinishedSpans()).toHaveLength(25);
    expect(c).toMatchObject({ exported: 25, queue_full: 0, export_failed: 0, queueLength: 0 });
  });

  it('holds at most maxQueueSize spans while the backend hangs, dropping and counting the rest', async () => {
    const exporter = new StuckExporter();
    const { c, counters } = counting();
    const processor = new BoundedSpanProcessor(exporter, { maxQueueSize: 50, maxBatchSize: 10, scheduledDelayMs: 10, exportTimeoutMs: 60_000 }, counters);
    const provider = new TracerProvider({ spanProcessors: [processor] });
    emit(provider, 1000);
    // One batch went out (and hangs); the queue is full; everything else was dropped.
    expect(exporter.pending).toHaveLength(1);
    expect(c.queueLength).toBe(50);
    expect(c.queue_full).toBe(1000 - 50 - 10);
    exporter.pending[0]!.done({ code: ExportResultCode.FAILED });
    await new Promise(setImmediate);
    expect(c.export_failed).toBe(10);
    expect(exporter.pending).toHaveLength(2); // the next batch started
  });

  it('gives up on an export that outlives its timeout and moves on', async () => {
    const exporter = new StuckExporter();
    const { c, counters } = counting();
    const processor = new BoundedSpanProcessor(exporter, { maxQueueSize: 50, maxBatchSize: 5, scheduledDelayMs: 1, exportTimeoutMs: 20 }, counters);
    const provider = new TracerProvider({ spanProcessors: [processor] });
    emit(provider, 10);
    await processor.forceFlush();
    expect(c).toMatchObject({ exported: 0, export_failed: 10, queueLength: 0 });
    expect(exporter.pending).toHaveLength(2);
  });
});
