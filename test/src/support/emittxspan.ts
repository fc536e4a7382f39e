// A separate process that emits a committed transaction's span the way the exporter does:
// root span, IDs derived from the tx ID. Usage: node emittxspan.js <otlpUrl> <txId>
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { DerivedIdGenerator, createTracerProvider } from '@mictract/exporter';

async function main(otlpUrl: string, txId: string): Promise<void> {
  const ids = new DerivedIdGenerator();
  const provider = createTracerProvider({ serviceName: 'mictract-exporter', otlpUrl, idGenerator: ids });
  const span = ids.withTxIds(txId, () => provider.getTracer('mictract-exporter').startSpan('transaction', { attributes: { 'fabric.tx_id': txId } }, ROOT_CONTEXT));
  span.end();
  await provider.shutdown();
}

const [otlpUrl, txId] = process.argv.slice(2);
main(otlpUrl!, txId!).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
