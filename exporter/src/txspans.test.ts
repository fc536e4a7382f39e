import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeBlock } from './blockdecoder';
import { DerivedIdGenerator } from './derivedidgenerator';
import { ExporterMetrics } from './exportermetrics';
import { endorserEnvelope, testBlock } from './testblocks';
import { fabricTools } from './testfabric';
import { traceIdOf, txSpanIdOf } from './traceidentity';
import { createTracerProvider } from './tracing';
import { TxSpans } from './txspans';
import { MVCC_READ_CONFLICT, VALID } from './validationcode';

let cert: string;
beforeAll(async () => {
  cert = (await readFile(path.join((await fabricTools('2.5')).config, 'msp/signcerts/peer.pem'))).toString();
});

function block(n: number, count: number, startMs: number) {
  const envs = Array.from({ length: count }, (_, i) =>
    endorserEnvelope({ channel: 'mychannel', chaincode: 'marbles', fn: i % 2 ? 'transferMarble' : 'initMarble', mspId: i % 2 ? 'Org2MSP' : 'Org1MSP', certificate: cert, timestampMs: startMs + i }),
  );
  return decodeBlock(testBlock(n, Buffer.alloc(32), envs.map((e) => e.bytes), envs.map((_, i) => (i % 2 ? MVCC_READ_CONFLICT : VALID))));
}

describe('TxSpans', () => {
  it("emits one root span per transaction with the derived IDs, the client's timestamp to receipt, and the attributes", async () => {
    const memory = new InMemorySpanExporter();
    const ids = new DerivedIdGenerator();
    const provider = new TracerProvider({ idGenerator: ids, spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
    const start = Date.UTC(2026, 0, 1, 12, 0, 0);
    const b = block(7, 2, start);
    expect(new TxSpans(provider.getTracer('t'), ids).emit(b, start + 1500)).toBe(2);
    const spans = memory.getFinishedSpans();
    expect(spans).toHaveLength(2);
    const [valid, conflicted] = spans;
    const tx0 = b.transactions[0]!;
    expect(valid!.spanContext()).toMatchObject({ traceId: traceIdOf(tx0.txId), spanId: txSpanIdOf(tx0.txId) });
    expect(valid!.parentSpanContext).toBeUndefined();
    expect(valid!.name).toBe('marbles initMarble');
    expect(valid!.startTime).toEqual([Math.floor(start / 1000), 0]);
    expect(valid!.endTime).toEqual([Math.floor((start + 1500) / 1000), 500_000_000]);
    expect(valid!.attributes).toEqual({
      'fabric.channel': 'mychannel', 'fabric.chaincode': 'marbles', 'fabric.function': 'initMarble', 'fabric.tx_id': tx0.txId, 'fabric.validation_code': 'VALID',
      'fabric.block.number': 7, 'fabric.tx.position': 0, 'fabric.creator.msp_id': 'Org1MSP', 'fabric.endorser.msp_ids': ['Org1MSP'],
    });
    expect(valid!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(conflicted!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'MVCC_READ_CONFLICT' });
    expect(conflicted!.spanContext().spanId).toBe(txSpanIdOf(b.transactions[1]!.txId));
  });

  it('never waits on a trace backend that hangs: spans past the queue are dropped and counted', async () => {
    // a backend that accepts connections and never answers
    const sockets = new Set<net.Socket>();
    const stuck = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const metrics = new ExporterMetrics({ defaultMetrics: false });
    const ids = new DerivedIdGenerator();
    const provider = createTracerProvider({ serviceName: 'mictract-exporter', otlpUrl: `http://127.0.0.1:${(stuck.address() as AddressInfo).port}`, idGenerator: ids, counters: metrics.spanCounters(), maxQueueSize: 100, exportTimeoutMs: 300 });
    const spans = new TxSpans(provider.getTracer('t'), ids);
    let emitted = 0;
    for (let n = 0; n < 10; n++) emitted += spans.emit(block(n, 50, Date.now()), Date.now());
    expect(emitted).toBe(500);
    // everything past the queue (100) and the batch in flight was dropped at once, without waiting
    const queueFull = (await metrics.spansDropped.get()).values.find((v) => v.labels.reason === 'queue_full')?.value ?? 0;
    expect(queueFull).toBeGreaterThanOrEqual(500 - 200);
    expect((await metrics.spanQueueLength.get()).values[0]!.value).toBeLessThanOrEqual(100);
    await provider.shutdown();
    const failed = (await metrics.spansDropped.get()).values.find((v) => v.labels.reason === 'export_failed')?.value ?? 0;
    expect(queueFull + failed).toBe(500);
    expect((await metrics.spansExported.get()).values[0]?.value ?? 0).toBe(0);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => stuck.close(() => r()));
  });
});
