import { AsyncLocalStorage } from 'node:async_hooks';
import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace';
import { traceIdOf, txSpanIdOf } from './traceidentity';

/**
 * Gives a root span the trace ID and span ID derived from a transaction ID.
 * OpenTelemetry's tracer asks its IdGenerator for new IDs and takes no IDs from the caller, so the
 * IDs for the span being started travel through AsyncLocalStorage: `withTxIds(txId, () => startSpan())`.
 * Outside of that, IDs are random, as usual.
 */
export class DerivedIdGenerator implements IdGenerator {
  private readonly current = new AsyncLocalStorage<{ traceId: string; spanId?: string }>();
  private readonly random = new RandomIdGenerator();

  /** Runs `fn` (which starts the transaction's span) with the IDs derived from `txId`; the trace ID holds for every span started inside, the derived span ID for the first only. */
  withTxIds<T>(txId: string, fn: () => T): T {
    return this.current.run({ traceId: traceIdOf(txId), spanId: txSpanIdOf(txId) }, fn);
  }

  generateTraceId(): string {
    return this.current.getStore()?.traceId ?? this.random.generateTraceId();
  }

  /** The derived span ID goes to the first span started inside withTxIds only; its children get fresh IDs. */
  generateSpanId(): string {
    const store = this.current.getStore();
    const derived = store?.spanId;
    if (store && derived !== undefined) {
      delete store.spanId;
      return derived;
    }
    return this.random.generateSpanId();
  }
}
