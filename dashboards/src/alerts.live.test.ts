import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type GatewayConnection, MarblesWorkload, type TestNetwork, evaluate, startTestNetwork } from '@mictract/provisioner';
// the provisioner's one polling helper (not in its index: a test utility)
import { until } from '@mictract/provisioner/dist/until';
import { seconds } from './duration';
import { dashboards, ruleFiles, writeFiles } from './generate';
import { grafanaRuleGroups } from './grafanaalerts';
import { metricNamesIn, sourceOf } from './metricnames';
import { panelQueries, ruleExpressions, variableSeries, withoutVariables } from './promexpressions';
import { recorded, ruleGroups } from './rules';
import { production, test as testProfile } from './thresholds';

// Live proof on a real network (1 orderer, 2 orgs, marbles behind sidecars, the exporter,
// Prometheus, Jaeger) under a marbles workload: every PromQL expression of every panel and rule
// runs against the real Prometheus (no syntax error; every panel returns a series), then one
// function is made slow and another to fail, and the latency and success-rate alerts (the test
// profile of the same rules: windows of seconds) go inactive → firing → inactive in Prometheus. Last,
// a chaincode replica (2 per org) is killed with invocations in flight, then the org's other one, and
// both are restarted: the balancer's replica alerts go the same way.

jest.setTimeout(600_000);

let net: TestNetwork;
let conn: GatewayConnection;
let contract: ReturnType<GatewayConnection['contract']>;
let workload: MarblesWorkload;
let workloadDone: Promise<unknown>;
let rulesDir: string;
let prom: string;
const log = (...args: unknown[]) => process.stdout.write(`[live] ${args.join(' ')}\n`);

async function api<T>(pathAndQuery: string): Promise<T> {
  const res = await fetch(`${prom}${pathAndQuery}`);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${pathAndQuery}: ${body.error}`);
  return body.data;
}

type Sample = { metric: Record<string, string>; value: [number, string] };
const instant = (expr: string) => api<{ resultType: string; result: Sample[] | unknown }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
const seriesCount = async (expr: string) => {
  const r = await instant(expr);
  return Array.isArray(r.result) ? r.result.length : 1;
};

beforeAll(async () => {
  const t0 = Date.now();
  rulesDir = await mkdtemp(path.join(os.tmpdir(), 'mictract-live-rules-'));
  await writeFiles(rulesDir, ruleFiles(testProfile));
  net = await startTestNetwork({ name: 'dashlive', replicas: 2, observability: true, ruleFiles: [path.join(rulesDir, 'prometheus', '*.rules.yaml')] });
  const p = net.network.observability!.prometheus;
  prom = `http://${p.host}:${p.port}`;
  log(`network up in ${((Date.now() - t0) / 1000).toFixed(1)} s; Prometheus ${prom}`);
  conn = await net.connect();
  contract = conn.contract('marbles');
  workload = new MarblesWorkload(contract, { rate: 4, prefix: 'dash' });
  workloadDone = workload.run();
  // a fast simulateWork and no simulateFailure yet, so the series the alerts watch exist and are healthy
  startLoop('simulateWork', () => ['5'], 2);
  // rates over 1 m need two scrapes of each family (every 5 s); the recorded error ratio over the test
  // profile's longest window needs its rule group to have run on them
  const warm = [
    'sum(rate(mictract_chaincode_invocations_total[1m])) > 0',
    'sum(rate(ledger_block_processing_time_count[1m])) > 0',
    // the orderer's families too: a fast `up` leaves the first scrapes of them little time before the checks
    'sum(rate(broadcast_processed_count[1m])) > 0',
    'count(increase(consensus_etcdraft_leader_changes[2m])) > 0',
    'sum(rate(mictract_exporter_blocks_processed_total[1m])) > 0 or on () absent(up{job="mictract-exporter"} == 1)',
    `count(${recorded.errorRatio(testProfile.successSlo.ticket.at(-1)!.long)}) > 0`,
  ];
  await until(async () => (await Promise.all(warm.map((e) => seriesCount(e).catch(() => 0)))).every((n) => n > 0), `series in Prometheus: ${warm.join('; ')}`, 120_000);
}, 300_000);

afterAll(async () => {
  loops.forEach((l) => (l.stopped = true));
  workload?.stop();
  await workloadDone?.catch(() => undefined);
  await Promise.all(loops.map((l) => l.done));
  conn?.close();
  await net?.destroy();
  if (rulesDir) await rm(rulesDir, { recursive: true, force: true });
});

interface Loop {
  fn: string;
  args: () => string[];
  stopped: boolean;
  done: Promise<void>;
  calls: number;
}
const loops: Loop[] = [];
function startLoop(fn: string, args: () => string[], concurrency: number): Loop {
  const loop: Loop = { fn, args, stopped: false, calls: 0, done: Promise.resolve() };
  const worker = async () => {
    while (!loop.stopped) {
      loop.calls++;
      await evaluate(contract, fn, loop.args()).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  loop.done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => undefined);
  loops.push(loop);
  return loop;
}

const exporterUp = async () => (await seriesCount('up{job="mictract-exporter"} == 1')) > 0;

test('every panel query runs and every panel returns a series', async () => {
  const withExporter = await exporterUp();
  log(`exporter ${withExporter ? 'up: its panels are checked too' : 'not up: panels reading only exporter series are checked for syntax only'}`);
  const empty: string[] = [];
  const errors: string[] = [];
  let checked = 0;
  for (const [name, d] of Object.entries(dashboards())) {
    const byPanel = new Map<string, { exprs: string[]; series: number; checkable: boolean }>();
    for (const q of panelQueries(name, d)) {
      const expr = withoutVariables(q.expr);
      const entry = byPanel.get(q.panel) ?? { exprs: [], series: 0, checkable: false };
      entry.exprs.push(expr);
      const onlyExporter = metricNamesIn(expr).every((n) => sourceOf(n) === 'exporter');
      if (withExporter || !onlyExporter) entry.checkable = true;
      try {
        entry.series += await seriesCount(expr);
      } catch (err) {
        errors.push(`${name} / ${q.panel} / ${q.refId}: ${(err as Error).message}`);
      }
      byPanel.set(q.panel, entry);
      checked++;
    }
    for (const [panel, e] of byPanel) if (e.checkable && e.series === 0) empty.push(`${name} / ${panel}: ${e.exprs.join(' ;; ')}`);
    for (const v of variableSeries(d)) {
      const n = await seriesCount(withoutVariables(v.series));
      if (n === 0) empty.push(`${name} / variable ${v.name}: ${v.series}`);
    }
  }
  log(`${checked} panel queries run`);
  expect(errors).toEqual([]);
  expect(empty).toEqual([]);
});

test('every rule expression (test and production profiles, and the Grafana-managed alerts) runs; the loaded rules are healthy', async () => {
  const errors: string[] = [];
  const exprs = [...ruleExpressions(ruleGroups(testProfile)), ...ruleExpressions(ruleGroups(production))].map((r) => ({ where: `${r.group} / ${r.name}`, expr: r.expr, record: r.kind === 'record' }));
  for (const g of grafanaRuleGroups(ruleGroups(production)))
    for (const r of g.rules ?? []) exprs.push({ where: `grafana ${g.title} / ${r.title}`, expr: String((r.data[0]!.model as unknown as { expr: string }).expr), record: false });
  const withExporter = await exporterUp();
  const emptyRecordings: string[] = [];
  for (const e of exprs) {
    try {
      const n = await seriesCount(e.expr);
      const onlyExporter = metricNamesIn(e.expr).every((m) => sourceOf(m) === 'exporter');
      if (e.record && n === 0 && (withExporter || !onlyExporter)) emptyRecordings.push(`${e.where}: ${e.expr}`);
    } catch (err) {
      errors.push(`${e.where}: ${(err as Error).message}`);
    }
  }
  log(`${exprs.length} rule expressions run`);
  expect(errors).toEqual([]);
  expect(emptyRecordings).toEqual([]);
  const loaded = await api<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules');
  const names = loaded.groups.map((g) => g.name).sort();
  expect(names).toEqual(ruleGroups(testProfile).map((g) => g.name).sort());
  const unhealthy = loaded.groups.flatMap((g) => g.rules.filter((r) => r.health !== 'ok' && r.health !== 'unknown').map((r) => `${g.name}/${r.name}: ${r.health} ${r.lastError ?? ''}`));
  expect(unhealthy).toEqual([]);
});

test('latency exemplars carry trace IDs', async () => {
  const now = Date.now() / 1000;
  const data = await api<{ exemplars: { labels: Record<string, string> }[] }[]>(
    `/api/v1/query_exemplars?query=${encodeURIComponent('mictract_chaincode_invocation_duration_seconds_bucket')}&start=${now - 300}&end=${now}`,
  );
  const traceIds = data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
  expect(traceIds.length).toBeGreaterThan(0);
  expect(traceIds[0]).toMatch(/^[0-9a-f]{32}$/);
});

type AlertState = 'inactive' | 'pending' | 'firing';
async function alertState(alert: string, match: Record<string, string>): Promise<AlertState> {
  const data = await api<{ groups: { rules: { name: string; type: string; alerts?: { labels: Record<string, string>; state: string }[] }[] }[] }>('/api/v1/rules?type=alert');
  const rule = data.groups.flatMap((g) => g.rules).find((r) => r.name === alert);
  if (!rule) throw new Error(`rule ${alert} is not loaded`);
  const mine = (rule.alerts ?? []).filter((a) => Object.entries(match).every(([k, v]) => a.labels[k] === v));
  if (mine.some((a) => a.state === 'firing')) return 'firing';
  return mine.some((a) => a.state === 'pending') ? 'pending' : 'inactive';
}

test('a slow function and a failing one: latency and success-rate (fast and slow burn) alerts go inactive → firing → inactive', async () => {
  const latency = { alert: 'ChaincodeLatencyHigh', match: { chaincode: 'marbles', function: 'simulateWork' } };
  const fast = { alert: 'ChaincodeErrorBudgetFastBurn', match: { chaincode: 'marbles' } };
  const slow = { alert: 'ChaincodeErrorBudgetSlowBurn', match: { chaincode: 'marbles' } };
  const states = async () => Promise.all([latency, fast, slow].map((a) => alertState(a.alert, a.match)));
  expect(await states()).toEqual(['inactive', 'inactive', 'inactive']);

  const t0 = Date.now();
  const slowLoop = loops[0]!;
  slowLoop.args = () => ['1500'];
  const failing = startLoop('simulateFailure', () => ['live test'], 4);
  await until(async () => (await states()).every((s) => s === 'firing'), 'the three alerts firing', 180_000);
  log(`latency, fast-burn and slow-burn alerts firing ${((Date.now() - t0) / 1000).toFixed(0)} s after the function turned slow and the other started failing`);

  const t1 = Date.now();
  slowLoop.args = () => ['5'];
  failing.stopped = true;
  await failing.done;
  await until(async () => (await states()).every((s) => s === 'inactive'), 'the three alerts inactive again', 180_000);
  log(`all three inactive ${((Date.now() - t1) / 1000).toFixed(0)} s after the fix`);
});

/** One balancer gauge or counter per replica, read from the balancer's own /metrics. */
async function balancerValues(org: string, family: string): Promise<Map<string, number>> {
  const ep = net.network.chaincodes[0]!.slots[0].balancerMetrics.get(org)!;
  const text = await (await fetch(`http://${ep.host}:${ep.port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${family}\\{[^}]*\\breplica="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))) out.set(m[1]!, Number(m[2]));
  return out;
}

test('a replica killed with invocations in flight, then the other, then both restarted: ChaincodeReplicaDown, ChaincodeReplicaLost and ChaincodeUnavailable go inactive → firing → inactive', async () => {
  const org = net.network.organizations[0]!;
  const victim = net.network.chaincodes[0]!.slots[0].replicas.find((r) => r.org === org.name && r.index === 0)!;
  // the balancer names a replica by the address it dials: its sidecar's
  const replica = `${victim.sidecar!.listen.host}:${victim.sidecar!.listen.port}`;
  // the alerts name the pod too: the sidecar in front of the replica told the balancer its name
  const down = { alert: 'ChaincodeReplicaDown', match: { chaincode: 'marbles', replica, pod: victim.name } };
  const lost = { alert: 'ChaincodeReplicaLost', match: { chaincode: 'marbles', replica, pod: victim.name } };
  const states = async () => Promise.all([down, lost].map((a) => alertState(a.alert, a.match)));
  expect(await states()).toEqual(['inactive', 'inactive']);
  // the dashboard's per-replica panels name every replica's pod too
  const perReplica = panelQueries('chaincode', dashboards().chaincode).find((q) => q.panel === 'Invocations per replica')!;
  const series = (await instant(withoutVariables(perReplica.expr))).result as Sample[];
  expect(series.map((x) => x.metric.pod).sort()).toEqual(net.network.chaincodes[0]!.slots[0].replicas.map((r) => r.name).sort());

  // long invocations, so the victim surely holds some when it dies (least in flight gives it half)
  const held = Array.from({ length: 8 }, () => evaluate(contract, 'simulateWork', ['4000']).catch(() => undefined));
  // 3 or more: more than the workload's short calls can be (the loop of 2 and the marbles workload)
  await until(async () => ((await balancerValues(org.name, 'mictract_balancer_invocations_in_flight')).get(replica) ?? 0) >= 3, `3 invocations in flight on ${replica}`, 20_000);
  const t0 = Date.now();
  const pid = (await net.supervisor.status()).find((p) => p.name === victim.name)!.pid;
  process.kill(pid, 'SIGKILL');
  // the clients may see no failure: the Fabric Gateway evaluates a failed query again on Org2's peer
  await Promise.all(held);
  const failed = (await balancerValues(org.name, 'mictract_balancer_invocations_failed_total')).get(replica) ?? 0;
  expect(failed).toBeGreaterThan(0);
  log(`${failed} invocations failed with ${victim.name}`);
  await until(async () => (await states()).every((s) => s === 'firing'), 'both replica alerts firing', 120_000);
  log(`ChaincodeReplicaDown and ChaincodeReplicaLost firing ${((Date.now() - t0) / 1000).toFixed(0)} s after the kill`);

  // then the org's other replica: no replica is left, the balancer ends the peer's stream, and that pages
  const unavailable = { alert: 'ChaincodeUnavailable', match: { chaincode: 'marbles', org: org.mspId } };
  expect(await alertState(unavailable.alert, unavailable.match)).toBe('inactive');
  const other = net.network.chaincodes[0]!.slots[0].replicas.find((r) => r.org === org.name && r.index === 1)!;
  const t2 = Date.now();
  process.kill((await net.supervisor.status()).find((p) => p.name === other.name)!.pid, 'SIGKILL');
  await until(async () => (await alertState(unavailable.alert, unavailable.match)) === 'firing', 'ChaincodeUnavailable firing', 120_000);
  log(`ChaincodeUnavailable firing ${((Date.now() - t2) / 1000).toFixed(0)} s after the second kill`);

  // `up` restarts crashed processes (here in-process, so Prometheus keeps the test profile's rules); the
  // balancer dials the replica again, and the loss leaves the window
  const t1 = Date.now();
  await net.up();
  await until(async () => ((await balancerValues(org.name, 'mictract_balancer_replica_up')).get(replica) ?? 0) === 1, `${replica} up again`, 30_000);
  await until(async () => (await alertState(down.alert, down.match)) === 'inactive', 'ChaincodeReplicaDown inactive again', 60_000);
  log(`ChaincodeReplicaDown inactive ${((Date.now() - t1) / 1000).toFixed(0)} s after the restart`);
  await until(async () => (await alertState(lost.alert, lost.match)) === 'inactive', 'ChaincodeReplicaLost inactive again', 180_000);
  const since = (Date.now() - t0) / 1000;
  log(`ChaincodeReplicaLost inactive ${since.toFixed(0)} s after the kill`);
  await until(async () => (await alertState(unavailable.alert, unavailable.match)) === 'inactive', 'ChaincodeUnavailable inactive again', 180_000);
  log(`ChaincodeUnavailable inactive ${((Date.now() - t2) / 1000).toFixed(0)} s after the second kill`);
  // not before the loss has left the rule's window (the rules were not swapped or reset on the way):
  // the window ends a scrape interval (5 s) or two after the last sample before the kill
  expect(since).toBeGreaterThanOrEqual(seconds(testProfile.replicaLossWindow) - 10);
});
