import { mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { downKubernetes, loadSpec, quietProgress, startTestCluster, upKubernetes } from '@mictract/provisioner';
import { median } from './stats';

// Issue 14's benchmark: on a local control plane (etcd, kube-apiserver, controller-manager, scheduler
// of Kubernetes v1.37.2; kwok plays the kubelet, so no container runs), the time from
// `up --target kubernetes` to every pod Ready for the five topologies of the published Mictract
// evaluation, median of N runs, with the apply time against the number of objects. Each run uses a
// fresh namespace and is taken down (by label) before the next.
//   node bench/dist/kubernetes.js [runs=3] [topology letters, e.g. AE]

const TOPOLOGIES = {
  A: { orgs: 2, peers: [1, 1], orderers: 2 },
  B: { orgs: 2, peers: [2, 2], orderers: 3 },
  C: { orgs: 2, peers: [1, 1], orderers: 3 },
  D: { orgs: 3, peers: [1, 1, 1], orderers: 4 },
  E: { orgs: 1, peers: [1], orderers: 2 },
} as const;
const STORAGE_CLASS = 'bench';
const MARBLES = path.resolve(__dirname, '../../examples/marbles');
const CORE_YAML = 'vm:\n  endpoint: ""\n'; // no peer runs under kwok; the real core.yaml needs the Fabric build

interface Run {
  readonly total: number;
  readonly manifests: number;
  readonly apply: number;
  readonly ready: number;
  readonly objects: number;
  readonly pods: number;
  readonly down: number;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 3);
  const which = (process.argv[3] ?? 'ABCDE').split('') as (keyof typeof TOPOLOGIES)[];
  const t0 = Date.now();
  const cluster = await startTestCluster();
  const home = await mkdtemp(path.join(tmpdir(), 'mictract-bench-k8s-'));
  try {
    await cluster.addNodes(3);
    const claims = which.reduce((n, k) => n + TOPOLOGIES[k].orderers + TOPOLOGIES[k].peers.reduce((a, b) => a + b, 0), 0) * runs;
    await cluster.addVolumes(claims, STORAGE_CLASS);
    const c = cluster.timings;
    console.log(`# up --target kubernetes → every pod Ready, median of ${runs}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'})\n`);
    console.log(`Control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) ready in ${c.ready?.toFixed(1)} s (etcd ${c.etcd?.toFixed(1)} s, API server ${c.apiserver?.toFixed(1)} s, controllers ${c.controllers?.toFixed(1)} s); 3 kwok nodes, ${((Date.now() - t0) / 1000).toFixed(1)} s with nodes and volumes.\n`);
    console.log('| topology (orgs/peers/orderers) | objects | pods | median up → all Ready | runs | manifests | apply | pods Ready after apply | down |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const key of which) {
      const t = TOPOLOGIES[key];
      const results: Run[] = [];
      for (let i = 0; i < runs; i++) {
        const dir = await mkdtemp(path.join(tmpdir(), 'mictract-bench-spec-'));
        const file = path.join(dir, 'network.yaml');
        const spec = {
          name: 'bench',
          orderers: { nodes: t.orderers },
          organizations: t.peers.map((peers, o) => ({ name: `Org${o + 1}`, peers })),
          channel: { name: 'mychannel' },
          chaincodes: [{ name: 'marbles', path: MARBLES, version: '1.0', replicas: 1, sidecar: true }],
          kubernetes: { storageClass: STORAGE_CLASS },
        };
        await writeFile(file, JSON.stringify(spec)); // JSON is YAML
        const namespace = `bench-${key.toLowerCase()}-${i}`;
        const progress = quietProgress();
        const start = process.hrtime.bigint();
        const loaded = await loadSpec(file);
        const r = await upKubernetes(loaded, progress, { kubeconfig: cluster.kubeconfig, home, namespace, coreYaml: CORE_YAML, timeoutMs: 300_000, channel: false });
        const total = Number(process.hrtime.bigint() - start) / 1e9;
        const step = (prefix: string) => progress.steps.find((s) => s.title.startsWith(prefix))?.seconds ?? 0;
        const d0 = process.hrtime.bigint();
        await downKubernetes('bench', quietProgress(), { kubeconfig: cluster.kubeconfig, namespace });
        const down = Number(process.hrtime.bigint() - d0) / 1e9;
        const run: Run = { total, manifests: step('Kubernetes manifests'), apply: step('server-side apply'), ready: step('every pod Ready'), objects: r.manifests.objects.length, pods: r.ready?.ready ?? 0, down };
        results.push(run);
        process.stderr.write(`${key} run ${i + 1}: ${total.toFixed(2)} s — manifests ${run.manifests.toFixed(2)} · apply ${run.apply.toFixed(2)} (${run.objects} objects) · Ready ${run.ready.toFixed(2)} (${run.pods} pods) · down ${down.toFixed(2)}\n`);
      }
      const m = (f: (r: Run) => number) => median(results.map(f)).toFixed(2);
      const peers = t.peers.reduce((a, b) => a + b, 0);
      console.log(`| ${key} ${t.orgs}/${peers}/${t.orderers} | ${results[0]!.objects} | ${results[0]!.pods} | **${m((r) => r.total)} s** | ${results.map((r) => r.total.toFixed(2)).join(', ')} | ${m((r) => r.manifests)} s | ${m((r) => r.apply)} s | ${m((r) => r.ready)} s | ${m((r) => r.down)} s |`);
    }
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
