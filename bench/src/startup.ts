import { cpus } from 'node:os';
import { startTestNetwork, submit } from '@mictract/provisioner';
import { median, stepKey } from './stats';

// Issue 9's benchmark: time from `up` to the first committed invoke for the five topologies of the
// published Mictract evaluation (orgs / peers in all / orderers), median of N runs, with the time
// per step. Fabric binaries prebuilt; each run starts from an empty state folder.
//   node bench/dist/startup.js [runs=3] [topology letters, e.g. AE]

const TOPOLOGIES = {
  A: { orgs: 2, peers: [1, 1], orderers: 2, published: 136 },
  B: { orgs: 2, peers: [2, 2], orderers: 3, published: 185 },
  C: { orgs: 2, peers: [1, 1], orderers: 3, published: 146 },
  D: { orgs: 3, peers: [1, 1, 1], orderers: 4, published: 202 },
  E: { orgs: 1, peers: [1], orderers: 2, published: 132 },
} as const;

async function once(t: (typeof TOPOLOGIES)[keyof typeof TOPOLOGIES]): Promise<{ total: number; steps: Map<string, number> }> {
  const t0 = process.hrtime.bigint();
  const net = await startTestNetwork({ name: 'bench', orgs: t.orgs, peersPerOrg: t.peers, orderers: t.orderers, replicas: 1 });
  try {
    const conn = await net.connect();
    const t1 = process.hrtime.bigint();
    await submit(conn.contract('marbles'), 'initMarble', ['first', 'blue', '1', 'bench']);
    const invoke = Number(process.hrtime.bigint() - t1) / 1e9;
    conn.close();
    const total = Number(process.hrtime.bigint() - t0) / 1e9;
    const steps = new Map<string, number>();
    for (const s of net.steps) {
      const key = stepKey(s.title);
      steps.set(key, (steps.get(key) ?? 0) + s.seconds);
    }
    steps.set('first invoke (endorse, order, commit)', invoke);
    steps.set('other (spec, test harness)', total - [...steps.values()].reduce((a, b) => a + b, 0));
    return { total, steps };
  } finally {
    await net.destroy();
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const which = (process.argv[3] ?? 'ABCDE').split('') as (keyof typeof TOPOLOGIES)[];
  console.log(`# up → first committed invoke, median of ${runs}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Fabric 2.5.16, batch timeout 250 ms, 1 marbles replica per org with sidecar\n`);
  console.log('| topology (orgs/peers/orderers) | median | runs | goal (published / 25) | published Mictract | speed-up |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const breakdowns: string[] = [];
  for (const key of which) {
    const t = TOPOLOGIES[key];
    const results: Awaited<ReturnType<typeof once>>[] = [];
    for (let i = 0; i < runs; i++) {
      results.push(await once(t));
      const r = results.at(-1)!;
      process.stderr.write(`${key} run ${i + 1}: ${r.total.toFixed(2)} s — ${[...r.steps].map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' · ')}\n`);
    }
    const totals = results.map((r) => r.total);
    const m = median(totals);
    const peers = t.peers.reduce((a, b) => a + b, 0);
    console.log(`| ${key} ${t.orgs}/${peers}/${t.orderers} | **${m.toFixed(2)} s** | ${totals.map((x) => x.toFixed(2)).join(', ')} | ≤ ${(t.published / 25).toFixed(1)} s | ${Math.floor(t.published / 60)}m${String(t.published % 60).padStart(2, '0')}s | ${(t.published / m).toFixed(0)}× |`);
    const keys = [...results[0]!.steps.keys()];
    breakdowns.push(`${key}: ${keys.map((k) => `${k} ${median(results.map((r) => r.steps.get(k) ?? 0)).toFixed(2)}`).join(' · ')}`);
  }
  console.log('\nPer step (median seconds):\n');
  for (const b of breakdowns) console.log(`- ${b}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
