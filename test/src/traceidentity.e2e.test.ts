import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { traceIdOf, txSpanIdOf } from '@mictract/exporter';
import { getTrace, startJaeger, type Jaeger, type StoredSpan } from './support/jaeger';
import { until } from './support/ports';

// DESIGN.md's trace-identity contract, across two independent processes and a real trace store:
// the exporter's tx span and the sidecar's invocation span land in one trace, with the right parent,
// although neither process hears from the other.

const run = promisify(execFile);
const script = (name: string) => path.resolve(__dirname, '../dist/support', name);

describe('one trace per transaction, from two processes, through Jaeger', () => {
  let jaeger: Jaeger;
  beforeAll(async () => {
    jaeger = await startJaeger();
  }, 60_000);
  afterAll(() => jaeger?.stop(), 15_000);

  const waitForSpans = (traceId: string, count: number) =>
    until(`${count} span(s) of trace ${traceId} in Jaeger`, async () => {
      const spans = await getTrace(jaeger, traceId);
      return spans.length >= count ? spans : undefined;
    });

  it('a committed tx: the sidecar span is a child of the exporter span, found by the derived trace ID', async () => {
    const txId = createHash('sha256').update(randomBytes(32)).digest('hex');
    await Promise.all([run('node', [script('emittxspan.js'), jaeger.otlpHttp, txId]), run('node', [script('emitinvocationspan.js'), jaeger.otlpHttp, txId])]);

    const spans = await waitForSpans(traceIdOf(txId), 2);
    const byService = (s: string) => spans.find((x: StoredSpan) => x.service === s);
    const tx = byService('mictract-exporter');
    const invocation = byService('mictract-sidecar');
    expect(tx).toMatchObject({ name: 'transaction', spanId: txSpanIdOf(txId), parentSpanId: '', attributes: { 'fabric.tx_id': txId } });
    expect(invocation).toMatchObject({ name: 'readMarble', parentSpanId: txSpanIdOf(txId), traceId: traceIdOf(txId) });
  }, 60_000);

  it('an evaluated tx (never committed): the sidecar span alone still makes a trace under the derived ID', async () => {
    const txId = createHash('sha256').update(randomBytes(32)).digest('hex');
    await run('node', [script('emitinvocationspan.js'), jaeger.otlpHttp, txId]);
    const spans = await waitForSpans(traceIdOf(txId), 1);
    expect(spans).toEqual([expect.objectContaining({ service: 'mictract-sidecar', parentSpanId: txSpanIdOf(txId) })]);
  }, 60_000);
});
