import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

// A batching span processor that fails open and says so. Finished spans wait in a queue of fixed
// size; past it they are dropped and counted. One export runs at a time, and an export that does not
// finish within its timeout counts as failed, so a trace backend that is down or slow costs bounded
// memory and never back-pressures the chaincode stream. (The SDK's BatchSpanProcessor drops the same
// way but keeps its counts private.)

export interface SpanProcessorCounters {
  exported(n: number): void;
  dropped(reason: 'queue_full' | 'export_failed', n: number): void;
  queueLength(n: number): void;
}

export interface BoundedSpanProcessorOptions {
  readonly maxQueueSize: number;
  readonly maxBatchSize: number;
  readonly scheduledDelayMs: number;
  readonly exportTimeoutMs: number;
}

export class BoundedSpanProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private exporting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly options: BoundedSpanProcessorOptions,
    private readonly counters: SpanProcessorCounters,
  ) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queue.length >= this.options.maxQueueSize) {
      this.counters.dropped('queue_full', 1);
      return;
    }
    this.queue.push(span);
    this.counters.queueLength(this.queue.length);
    if (this.queue.length >= this.options.maxBatchSize) this.exportNext();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.exportNext(), this.options.scheduledDelayMs);
      this.timer.unref();
    }
  }

  async forceFlush(): Promise<void> {
    while (this.exporting || this.queue.length > 0) {
      await (this.exporting ?? this.exportNext());
    }
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.stopped = true;
    clearTimeout(this.timer);
    await this.exporter.shutdown();
  }

  private exportNext(): Promise<void> | undefined {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.exporting || this.queue.length === 0) return this.exporting;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    this.counters.queueLength(this.queue.length);
    this.exporting = this.send(batch).finally(() => {
      this.exporting = undefined;
      if (this.queue.length >= this.options.maxBatchSize) this.exportNext();
      else if (this.queue.length > 0 && !this.timer && !this.stopped) {
        this.timer = setTimeout(() => this.exportNext(), this.options.scheduledDelayMs);
        this.timer.unref();
      }
    });
    return this.exporting;
  }

  private send(batch: ReadableSpan[]): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (ok: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        if (ok) this.counters.exported(batch.length);
        else this.counters.dropped('export_failed', batch.length);
        resolve();
      };
      const deadline = setTimeout(() => finish(false), this.options.exportTimeoutMs);
      deadline.unref();
      try {
        this.exporter.export(batch, (result) => finish(result.code === ExportResultCode.SUCCESS));
      } catch {
        finish(false);
      }
    });
  }
}
