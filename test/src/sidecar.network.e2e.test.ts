import { traceIdOf, txSpanIdOf } from '@mictract/exporter';
import { evaluate, submit, TxFailure } from '@mictract/provisioner/dist/gateway/transact';
import { startTestNetwork, type TestNetwork } from '@mictract/provisioner/dist/testing/localnetwork';
import { until } from './support/ports';

// The sidecar on a real Fabric network, 2.5 and 3.1 (the provisioner's local target: two orgs, one peer
// each, one marbles replica per org, each behind its sidecar, Jaeger and Prometheus beside it): spans per
// endorsing peer in the transaction's trace, the sidecars' counts against the peers' own metrics, and
// trace_id exemplars as Prometheus stores them.
//
// (The provisioner is not a declared dependency of the test package yet; its workspace link serves.)

type Endpoint = { host: string; port: number };
const url = (e: Endpoint, p: string) => `http://${e.host}:${e.port}${p}`;

async function text(u: string): Promise<string> {
  const res = await fetch(u);
  if (res.status !== 200) throw new Error(`${u}: ${res.status}`);
  return res.text();
}

/** Sums of one family's samples, keyed by the values of `by` (a label name), from exposition text. */
function sums(body: string, name: string, by: string, filter: (line: string) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line.startsWith(name + '{') || !filter(line)) continue;
    const key = new RegExp(`[{,]${by}="([^"]*)"`).exec(line)?.[1] ?? '';
    out.set(key, (out.get(key) ?? 0) + Number(line.replace(/ # \{.*$/, '').split(' ').at(-1)));
  }
  return out;
}

function minus(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) !== 0) out[k] = v - (before.get(k) ?? 0);
  return out;
}

interface JaegerSpan {
  name: string;
  spanId: string;
  parentSpanId?: string;
  status?: { code?: number };
  attributes?: { key: string; value: Record<string, unknown> }[];
}

async function sidecarSpans(query: Endpoint, txId: string): Promise<Array<JaegerSpan & { pod: string }>> {
  return (await traceSpans(query, txId)).filter((s) => s.service === 'mictract-sidecar');
}

/** Every span of the tx's trace, with its service and pod. */
async function traceSpans(query: Endpoint, txId: string): Promise<Array<JaegerSpan & { pod: string; service: string }>> {
  const res = await fetch(url(query, `/api/v3/traces/${traceIdOf(txId)}`));
  if (res.status === 404) return [];
  type Body = { result?: { resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: JaegerSpan[] }[] }[] } };
  const body = (await res.json()) as Body;
  return (body.result?.resourceSpans ?? []).flatMap((rs) => {
    const attr = (k: string) => rs.resource?.attributes?.find((a) => a.key === k)?.value.stringValue ?? '';
    return (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => ({ ...s, pod: attr('k8s.pod.name'), service: attr('service.name') })));
  });
}

describe.each(['2.5', '3.1'] as const)('sidecars on a real Fabric %s network', (fabric) => {
  let net: TestNetwork;

  beforeAll(async () => {
    net = await startTestNetwork({ name: `sidecars${fabric.replace('.', '')}`, fabric, orgs: 2, replicas: 1, sidecar: true, observability: true, batchTimeoutMs: 250 });
  }, 600_000);

  afterAll(() => net?.destroy(), 60_000);

  it('gives each submitted tx one invocation span per endorsing peer in its trace, and counts what the peers count', async () => {
    const network = net.network;
    const obs = network.observability!;
    const marbles = network.chaincodes.find((c) => c.name === 'marbles')!;
    const sidecars = marbles.slots[0]!.replicas.filter((r) => r.sidecar).map((r) => ({ pod: r.name, metrics: r.sidecar!.metrics }));
    expect(sidecars).toHaveLength(2);
    const peers = network.organizations.flatMap((o) => o.peers);

    const scrape = async () => {
      const [sc, pe] = await Promise.all([Promise.all(sidecars.map((s) => text(url(s.metrics, '/metrics')))), Promise.all(peers.map((p) => text(url(p.operations, '/metrics'))))]);
      return { sidecar: sc.join('\n'), peer: pe.join('\n') };
    };
    const before = await scrape();

    const conn = await net.connect();
    try {
      const contract = conn.contract('marbles');
      const tag = Date.now().toString(36);
      const submitted = [];
      for (let i = 0; i < 3; i++) submitted.push(await submit(contract, 'initMarble', [`net-${tag}-${i}`, 'blue', '10', 'tom']));
      submitted.push(await submit(contract, 'transferMarble', [`net-${tag}-0`, 'jerry']));
      const evaluated = await evaluate(contract, 'readMarble', [`net-${tag}-0`]);
      expect(JSON.parse(evaluated.result)).toMatchObject({ owner: 'jerry' });
      const missing = await evaluate(contract, 'readMarble', [`net-${tag}-nope`]).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(TxFailure);

      // Spans: two invocation spans per submitted tx (both orgs endorse), one per evaluated tx.
      for (const tx of submitted) {
        const spans = await until(`sidecar spans of ${tx.txId}`, async () => {
          const s = await sidecarSpans(obs.jaeger.query, tx.txId);
          return s.filter((x) => x.parentSpanId === txSpanIdOf(tx.txId)).length >= 2 ? s : undefined;
        });
        const invocations = spans.filter((s) => s.parentSpanId === txSpanIdOf(tx.txId));
        expect(new Set(invocations.map((s) => s.pod))).toEqual(new Set(sidecars.map((s) => s.pod)));
        for (const inv of invocations) expect(spans.filter((s) => s.parentSpanId === inv.spanId).length).toBeGreaterThan(0);
      }
      // The exporter's transaction span (beside the network, reading committed blocks) is their parent.
      for (const tx of submitted) {
        const spans = await until(`the exporter's span of ${tx.txId}`, async () => {
          const all = await traceSpans(obs.jaeger.query, tx.txId);
          return all.some((x) => x.service === 'mictract-exporter' && x.spanId === txSpanIdOf(tx.txId)) ? all : undefined;
        }, 60_000);
        const parent = spans.find((x) => x.spanId === txSpanIdOf(tx.txId))!;
        expect(spans.filter((x) => x.service === 'mictract-sidecar' && x.parentSpanId === parent.spanId)).toHaveLength(2);
      }
      const readSpans = await until('the evaluated readMarble span', async () => {
        const s = await sidecarSpans(obs.jaeger.query, evaluated.txId);
        return s.some((x) => x.name === 'readMarble') ? s : undefined;
      });
      expect(readSpans.filter((s) => s.name === 'readMarble')).toHaveLength(1);
      const missingTx = (missing as TxFailure).txId;
      const errorSpans = await until('the failed readMarble span', async () => {
        const s = await sidecarSpans(obs.jaeger.query, missingTx);
        return s.some((x) => x.name === 'readMarble') ? s : undefined;
      });
      expect(errorSpans.find((s) => s.name === 'readMarble')!.status?.code).toBe(2);

      // Counts: the sidecars' invocations and state calls against the peers' own metrics, same window.
      const after = await scrape();
      const onMarbles = (l: string) => l.includes('chaincode="marbles');
      const invocations = minus(sums(after.sidecar, 'mictract_chaincode_invocations_total', 'status'), sums(before.sidecar, 'mictract_chaincode_invocations_total', 'status'));
      const proposals = minus(sums(after.peer, 'endorser_proposal_duration_count', 'success', onMarbles), sums(before.peer, 'endorser_proposal_duration_count', 'success', onMarbles));
      const sidecarCalls = minus(sums(after.sidecar, 'mictract_chaincode_state_calls_total', 'type'), sums(before.sidecar, 'mictract_chaincode_state_calls_total', 'type'));
      const peerCalls = minus(sums(after.peer, 'chaincode_shim_requests_completed', 'type', onMarbles), sums(before.peer, 'chaincode_shim_requests_completed', 'type', onMarbles));
      process.stdout.write(`sidecars: invocations ${JSON.stringify(invocations)}, state calls ${JSON.stringify(sidecarCalls)}; peers: proposals ${JSON.stringify(proposals)}, shim requests ${JSON.stringify(peerCalls)}\n`);
      const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      expect(total(invocations)).toBe(4 * 2 + 2);
      expect(total(invocations)).toBe(total(proposals));
      expect(invocations.error).toBe(1);
      expect(sidecarCalls).toEqual(peerCalls);

      // Prometheus (exemplar storage on) scrapes the sidecars' OpenMetrics and keeps trace_id exemplars
      // that lead to these transactions' traces.
      const ours = new Set([...submitted.map((t) => t.txId), evaluated.txId, missingTx].map(traceIdOf));
      const exemplarTraces = await until('a trace_id exemplar of this workload in Prometheus', async () => {
        const now = Date.now() / 1000;
        const q = `/api/v1/query_exemplars?query=mictract_chaincode_invocation_duration_seconds_bucket&start=${now - 600}&end=${now + 60}`;
        const body = JSON.parse(await text(url(obs.prometheus, q))) as { data: { exemplars: { labels: { trace_id?: string } }[] }[] };
        const ids = body.data.flatMap((series) => series.exemplars.map((e) => e.labels.trace_id ?? ''));
        return ids.some((id) => ours.has(id)) ? ids : undefined;
      }, 60_000);
      expect(exemplarTraces.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    } finally {
      conn.close();
    }
  }, 300_000);
});
