// A separate process that emits a chaincode invocation span the way the sidecar does:
// a child of the remote tx span, with no context received from anyone. Usage: node emitinvocationspan.js <otlpUrl> <txId>
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { createTracerProvider, txSpanContext } from '@mictract/exporter';

async function main(otlpUrl: string, txId: string): Promise<void> {
  const provider = createTracerProvider({ serviceName: 'mictract-sidecar', otlpUrl, resource: { 'k8s.pod.name': 'marbles-org1-0' } });
  const parent = trace.setSpanContext(ROOT_CONTEXT, txSpanContext(txId));
  provider.getTracer('mictract-sidecar').startSpan('readMarble', {}, parent).end();
  await provider.shutdown();
}

const [otlpUrl, txId] = process.argv.slice(2);
main(otlpUrl!, txId!).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
