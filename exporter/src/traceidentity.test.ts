import { createHash, randomBytes } from 'node:crypto';
import { isSpanContextValid, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { DerivedIdGenerator } from './derivedidgenerator';
import { isTxId, traceIdOf, txSpanContext, txSpanIdOf } from './traceidentity';

// A tx ID as Fabric makes it: hex SHA-256 of nonce || creator.
const newTxId = () => createHash('sha256').update(randomBytes(24)).update('creator').digest('hex');

describe('trace identity from a Fabric transaction ID', () => {
  it('takes the trace ID and the tx span ID from the tx ID, as valid W3C IDs', () => {
    const txId = newTxId();
    expect(traceIdOf(txId)).toBe(txId.slice(0, 32));
    expect(txSpanIdOf(txId)).toBe(txId.slice(32, 48));
    expect(isSpanContextValid(txSpanContext(txId))).toBe(true);
    // Fabric writes tx IDs in lower case; isTxId and traceIdOf agree on refusing anything else
    expect(isTxId(txId.toUpperCase())).toBe(false);
    expect(() => traceIdOf(txId.toUpperCase())).toThrow(TypeError);
  });

  it('never yields the all-zero IDs that W3C forbids', () => {
    const txId = '0'.repeat(48) + 'ab'.repeat(8);
    expect(traceIdOf(txId)).toBe('0'.repeat(31) + '1');
    expect(txSpanIdOf(txId)).toBe('0'.repeat(15) + '1');
    expect(isSpanContextValid(txSpanContext(txId))).toBe(true);
  });

  it('refuses what is not a tx ID, naming it', () => {
    expect(isTxId('abc')).toBe(false);
    expect(() => traceIdOf('abc')).toThrow('not a Fabric transaction ID (64 lower-case hex characters): "abc"');
    expect(() => traceIdOf('g'.repeat(64))).toThrow(TypeError);
  });
});

describe('DerivedIdGenerator', () => {
  it('gives the span started inside withTxIds the derived IDs, and random IDs elsewhere', () => {
    const ids = new DerivedIdGenerator();
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ idGenerator: ids, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('test');
    const txId = newTxId();

    ids.withTxIds(txId, () => tracer.startSpan('tx', {}, ROOT_CONTEXT)).end();
    const other = tracer.startSpan('other', {}, ROOT_CONTEXT);
    other.end();
    // a child started under the remote tx span, as the sidecar does, joins the same trace
    tracer.startSpan('invocation', {}, trace.setSpanContext(ROOT_CONTEXT, txSpanContext(txId))).end();

    const [tx, unrelated, child] = exporter.getFinishedSpans();
    expect(tx?.spanContext()).toMatchObject({ traceId: traceIdOf(txId), spanId: txSpanIdOf(txId) });
    expect(tx?.parentSpanContext).toBeUndefined();
    expect(unrelated?.spanContext().traceId).not.toBe(traceIdOf(txId));
    expect(child?.spanContext().traceId).toBe(traceIdOf(txId));
    expect(child?.parentSpanContext?.spanId).toBe(txSpanIdOf(txId));
  });

  it('gives children of the transaction span fresh span IDs, in the same trace', () => {
    const ids = new DerivedIdGenerator();
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ idGenerator: ids, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('test');
    const txId = newTxId();
    ids.withTxIds(txId, () => {
      const tx = tracer.startSpan('tx', {}, ROOT_CONTEXT);
      const ctx = trace.setSpan(ROOT_CONTEXT, tx);
      tracer.startSpan('child-1', {}, ctx).end();
      tracer.startSpan('child-2', {}, ctx).end();
      tx.end();
    });
    const spans = exporter.getFinishedSpans();
    const spanIds = spans.map((s) => s.spanContext().spanId);
    expect(new Set(spanIds).size).toBe(3);
    expect(spans.every((s) => s.spanContext().traceId === traceIdOf(txId))).toBe(true);
    const tx = spans.find((s) => s.name === 'tx')!;
    expect(tx.spanContext().spanId).toBe(txSpanIdOf(txId));
    expect(spans.filter((s) => s.name.startsWith('child')).every((c) => c.parentSpanContext?.spanId === txSpanIdOf(txId))).toBe(true);
  });
});
