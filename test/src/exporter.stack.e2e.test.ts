import { traceIdOf } from '@mictract/exporter';
import { startTestNetwork, type GatewayConnection, type TestNetwork } from '@mictract/provisioner';
import { CHANNEL, Tally, round } from './support/exporterprocess';
import { getTrace } from './support/jaeger';
import { until } from './support/ports';

// The exporter as `mictract up` runs it (observability on: the exporter, Prometheus 3 with exemplar
// storage, Jaeger v2), seen from where on-call engineers look: Prometheus has the exporter's series
// with the submitted counts, a commit-latency exemplar whose trace_id opens the transaction's trace in
// Jaeger, and the ledger API lists the chaincode pods.

jest.setTimeout(600_000);

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('the exporter in the observability stack of `mictract up`', () => {
  let net: TestNetwork;
  let conn: GatewayConnection;
  let prometheus: string;
  let exporter: string;
  let jaegerQuery: string;
  const tally = new Tally();

  beforeAll(async () => {
    net = await startTestNetwork({ name: 'stack', orgs: 2, sidecar: false, observability: true });
    const obs = net.network.observability!;
    prometheus = `http://${obs.prometheus.host}:${obs.prometheus.port}`;
    exporter = `http://${obs.exporter.listen.host}:${obs.exporter.listen.port}`;
    jaegerQuery = `http://${obs.jaeger.query.host}:${obs.jaeger.query.port}`;
    conn = await net.connect();
  });

  afterAll(async () => {
    conn?.close();
    await net?.destroy();
  });

  async function query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`${promql}: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  it('Prometheus holds the counts that were submitted, by function and validation code', async () => {
    await round(conn, tally, 's0');
    await round(conn, tally, 's1');
    const expected = Object.fromEntries(Object.entries(tally.counts).sort());
    await until(
      'Prometheus to scrape the final counts',
      async () => {
        const got = Object.fromEntries(
          (await query(`mictract_transactions_total{channel="${CHANNEL}",chaincode="marbles"}`)).map((s) => [`${s.metric.function}/${s.metric.validation_code}`, Number(s.value[1])]).sort(),
        );
        return JSON.stringify(got) === JSON.stringify(expected) ? got : undefined;
      },
      60_000,
    );
    const lag = await query(`mictract_exporter_lag_blocks{channel="${CHANNEL}"}`);
    expect(lag.map((s) => s.value[1])).toEqual(['0']);
  });

  it("has a commit-latency exemplar whose trace_id is a submitted transaction's trace, stored in Jaeger", async () => {
    const submitted = new Map(tally.txIds.map((t) => [traceIdOf(t.txId), t]));
    const exemplar = await until(
      'an exemplar',
      async () => {
        const now = Date.now() / 1000;
        const res = await fetch(`${prometheus}/api/v1/query_exemplars?query=${encodeURIComponent('mictract_transaction_commit_latency_seconds_bucket')}&start=${now - 600}&end=${now + 60}`);
        const body = (await res.json()) as { data: { exemplars: { labels: { trace_id: string }; value: string }[] }[] };
        return body.data.flatMap((series) => series.exemplars).find((e) => submitted.has(e.labels.trace_id));
      },
      60_000,
    );
    const tx = submitted.get(exemplar.labels.trace_id)!;
    const spans = await until('the trace in Jaeger', async () => {
      const found = await getTrace({ query: jaegerQuery, otlpHttp: '', stop: async () => undefined }, exemplar.labels.trace_id);
      return found.length > 0 ? found : undefined;
    });
    expect(spans.find((s) => s.service === 'mictract-exporter')?.attributes['fabric.tx_id']).toBe(tx.txId);
  });

  it("lists the network's chaincode pods", async () => {
    const body = (await (await fetch(`${exporter}/api/v1/pods`)).json()) as { pods: { chaincode: string; phase: string }[] };
    expect(body.pods.length).toBeGreaterThan(0);
    expect(body.pods.every((p) => p.chaincode === 'marbles')).toBe(true);
  });
});
