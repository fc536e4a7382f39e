import { cpus, loadavg } from 'node:os';
import { type TestNetwork, evaluate, startTestNetwork, submit } from '@mictract/provisioner';
import { median, stepKey } from './stats';

// Issue 16's benchmark: time from the edited spec to the new member serving, per kind of change,
// median of N, with the time of each `up` step. Each run starts a fresh network of one org, one peer
// and one orderer (marbles, 1 replica with its sidecar), edits the spec, runs `mictract up` as a user
// does, and stops the clock when the new member serves:
//   peer      Org1 gets a second peer: a query through it answers
//   org       Org2 (1 peer) joins: a transaction signed by Org2 commits under the new 2-of-2 policy
//   orderer   1 → 2 Raft orderers: the new one is an active consenter and a transaction commits
//   node bench/dist/grow.js [runs=3] [kinds, e.g. peer,org,orderer]

type Kind = 'peer' | 'org' | 'orderer';

const CHANGES: Record<Kind, { change: Parameters<TestNetwork['respec']>[0]; serving: (net: TestNetwork) => Promise<void> }> = {
  peer: {
    change: { peersPerOrg: [2] },
    async serving(net) {
      const conn = await net.connect({ org: 'Org1', peer: 1 });
      try {
        await evaluate(conn.contract('marbles'), 'readMarble', ['seed']);
      } finally {
        conn.close();
      }
    },
  },
  org: {
    change: { orgs: 2 },
    async serving(net) {
      const conn = await net.connect({ org: 'Org2' });
      try {
        await submit(conn.contract('marbles'), 'initMarble', ['fromorg2', 'red', '1', 'bench']);
      } finally {
        conn.close();
      }
    },
  },
  orderer: {
    change: { orderers: 2 },
    async serving(net) {
      const conn = await net.connect();
      try {
        await submit(conn.contract('marbles'), 'initMarble', ['afterorderer', 'red', '1', 'bench']);
      } finally {
        conn.close();
      }
    },
  },
};

/** `up`'s step lines ("✓ title (1.23s): …") as title → seconds. */
function stepsOf(stderr: string): Map<string, number> {
  const steps = new Map<string, number>();
  for (const m of stderr.matchAll(/^✓ (.+?) \((\d+\.\d+)s\)/gm)) {
    const title = stepKey(m[1]!);
    steps.set(title, (steps.get(title) ?? 0) + Number(m[2]));
  }
  return steps;
}

async function once(kind: Kind): Promise<{ total: number; up: number; serving: number; steps: Map<string, number> }> {
  const net = await startTestNetwork({ name: `grow${kind}`, orgs: 1, orderers: 1, replicas: 1 });
  try {
    const seed = await net.connect();
    await submit(seed.contract('marbles'), 'initMarble', ['seed', 'blue', '1', 'bench']);
    seed.close();
    const t0 = process.hrtime.bigint();
    await net.respec(CHANGES[kind].change);
    const up = await net.cli(['up', net.specFile]);
    if (up.code !== 0) throw new Error(`up failed (${up.code}):\n${up.stderr}`);
    const t1 = process.hrtime.bigint();
    await CHANGES[kind].serving(net);
    const t2 = process.hrtime.bigint();
    return { total: Number(t2 - t0) / 1e9, up: Number(t1 - t0) / 1e9, serving: Number(t2 - t1) / 1e9, steps: stepsOf(up.stderr) };
  } finally {
    await net.destroy();
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const kinds = (process.argv[3] ?? 'peer,org,orderer').split(',') as Kind[];
  console.log(`# edited spec → new member serving, median of ${runs}; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; Fabric 2.5.16, 1 org, 1 peer, 1 orderer, marbles with sidecar\n`);
  console.log('| change | median | runs | of which `up` | first use after `up` |');
  console.log('| --- | --- | --- | --- | --- |');
  const breakdowns: string[] = [];
  for (const kind of kinds) {
    const results: Awaited<ReturnType<typeof once>>[] = [];
    for (let i = 0; i < runs; i++) {
      results.push(await once(kind));
      const r = results.at(-1)!;
      process.stderr.write(`${kind} run ${i + 1}: ${r.total.toFixed(2)} s (up ${r.up.toFixed(2)}, serving ${r.serving.toFixed(2)})\n`);
    }
    const totals = results.map((r) => r.total);
    console.log(`| ${kind} | **${median(totals).toFixed(2)} s** | ${totals.map((x) => x.toFixed(2)).join(', ')} | ${median(results.map((r) => r.up)).toFixed(2)} s | ${median(results.map((r) => r.serving)).toFixed(2)} s |`);
    const keys = [...new Set(results.flatMap((r) => [...r.steps.keys()]))].filter((k) => median(results.map((r) => r.steps.get(k) ?? 0)) >= 0.05);
    breakdowns.push(`- ${kind}: ${keys.map((k) => `${k} ${median(results.map((r) => r.steps.get(k) ?? 0)).toFixed(2)}`).join(' · ')}`);
  }
  console.log(`\nPer step of \`up\` (median seconds, steps of 0.05 s or more):\n\n${breakdowns.join('\n')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
