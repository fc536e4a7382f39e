import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { V1Container, V1Deployment, V1Service } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { Profiler } from 'node:inspector';
import type { ProfileReport } from '@mictract/exporter/dist/profile/profilereport';
import { protocolViolations } from '@mictract/exporter/dist/profile/testprofileschema';
import { CpuWorkload } from '../profile/cpuworkload';
import { type TestNetwork, startTestNetwork } from '../testing/localnetwork';
import { until } from '../until';
import { applyObjects, ensureNamespace } from './apply';
import type { Cluster } from './cluster';
import { clusterManifests } from './clustermanifests';
import { k8s } from './k8sclient';
import type { KObject } from './manifests';
import { forwardPort } from './portforward';
import { type TestCluster, startTestCluster } from './testcluster';
import { TEST_CORE_YAML, loadTestSpec, removeTempHomes, tempHome } from './testspecs';

// `mictract profile --target kubernetes` on a real control plane: the chaincode Deployment rendered
// from a spec with `profile: true` runs on a kwok node (no container runs), and the kwok PortForward
// of its pod sends the inspector port to a real local marbles replica started with its inspector (a
// local test network with `profile: true`), under the CPU-heavy workload. The command finds the pod by
// its labels and annotations, forwards through the API server's pods/portforward and captures.

jest.setTimeout(300_000);

let cluster: TestCluster;
let c: Cluster;
let net: TestNetwork;
let out: string;
const NS = 'kprof';
const NS_OFF = 'kprof-off';
let deployment: V1Deployment;
let services: V1Service[];

const chaincodeObjects = (objects: readonly KObject[]) => objects.filter((o) => o.metadata.labels['app.kubernetes.io/component'] === 'chaincode');

async function readyPods(ns: string, count: number): Promise<string[]> {
  const core = c.kc.makeApiClient(k8s.CoreV1Api);
  let names: string[] = [];
  await until(async () => {
    const items = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/component=chaincode' })).items;
    names = items.filter((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).map((p) => p.metadata!.name!);
    return names.length === count;
  }, `${count} chaincode pods Ready in ${ns}`, 60_000);
  return names.sort();
}

beforeAll(async () => {
  const started = Date.now();
  [net, cluster] = await Promise.all([startTestNetwork({ name: 'kprofnet', orgs: 1, replicas: 1, chaincodeExtra: ', profile: true' }), startTestCluster({ portForwards: true })]);
  console.log(`local network and control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  c = cluster.connect();
  process.env.KUBECONFIG = cluster.kubeconfig; // the CLI finds the cluster as kubectl does
  out = await mkdtemp(path.join(os.tmpdir(), 'mictract-kprofiles-'));
  await cluster.addNodes(1);
  // the same marbles entry as the local network's, once with profiling and once without
  const org = { organizations: [{ name: 'Org1', peers: 1 }] };
  const marbles = { name: 'marbles', version: '1.0', replicas: 1, sidecar: true };
  const [on, off] = await Promise.all([
    loadTestSpec({ name: NS, ...org, chaincodes: [{ ...marbles, profile: true }] }),
    loadTestSpec({ name: NS_OFF, ...org, chaincodes: [marbles] }),
  ]);
  const [mOn, mOff] = await Promise.all([
    clusterManifests(on, { home: await tempHome(), coreYaml: TEST_CORE_YAML }),
    clusterManifests(off, { home: await tempHome(), coreYaml: TEST_CORE_YAML }),
  ]);
  deployment = mOn.objects.find((o) => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/component'] === 'chaincode') as unknown as V1Deployment;
  services = mOn.objects.filter((o) => o.kind === 'Service') as unknown as V1Service[];
  // only the chaincode's objects (its Deployment, headless Service, crypto): the network's nodes are not needed here
  for (const [ns, m] of [[NS, mOn], [NS_OFF, mOff]] as const) {
    await ensureNamespace(c, ns, ns);
    await applyObjects(c, chaincodeObjects(m.objects));
  }
});

afterAll(async () => {
  delete process.env.KUBECONFIG;
  await Promise.all([cluster?.stop(), net?.destroy(), out ? rm(out, { recursive: true, force: true }) : undefined, removeTempHomes()]);
});

describe('mictract profile --target kubernetes', () => {
  it('renders profile: true as the inspector on the pod loopback, in no containerPort and no Service', () => {
    const containers = deployment.spec!.template.spec!.containers;
    const server = containers.find((x: V1Container) => x.name === 'chaincode')!;
    const flag = server.command!.find((a) => a.startsWith('--inspect='))!;
    expect(flag).toMatch(/^--inspect=127\.0\.0\.1:\d+$/);
    expect(server.command).toEqual(['node', flag, '--no-use-osr', '/chaincode/node_modules/fabric-shim/cli.js', 'server']);
    const port = Number(flag.split(':').pop());
    expect(containers.flatMap((x: V1Container) => (x.ports ?? []).map((p) => p.containerPort))).not.toContain(port);
    expect(services.flatMap((s) => (s.spec!.ports ?? []).map((p) => [p.port, p.targetPort]).flat())).not.toContain(port);
  });

  it("finds the pod, forwards to its inspector through the API server and records the replica's marbles frames under load", async () => {
    const [pod] = await readyPods(NS, 1);
    const server = deployment.spec!.template.spec!.containers.find((x: V1Container) => x.name === 'chaincode')!;
    const podPort = Number(server.command!.find((a) => a.startsWith('--inspect='))!.split(':').pop());
    const inspector = net.network.chaincodes[0]!.slots[0].replicas[0]!.inspector!;
    expect(podPort).not.toBe(inspector.port); // the pod's port and the stand-in's differ: only the forward joins them
    await c.objects.create({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: { name: pod!, namespace: NS },
      spec: { forwards: [{ ports: [podPort], target: { address: inspector.host, port: inspector.port } }] },
    } as never);
    // kwok learns of the PortForward through its watch: wait until the pod's inspector answers through a forward
    const probe = await forwardPort(c.kc, NS, pod!, podPort);
    try {
      await until(async () => (await fetch(`http://${probe.address}/json/version`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined))?.ok === true, 'the inspector through the forward', 30_000);
    } finally {
      await probe.close();
    }

    const conn = await net.connect();
    const secret = `secretarg${Date.now().toString(36)}`;
    const workload = new CpuWorkload(conn.contract('marbles'), { concurrency: 3, cpuMs: 20, prefix: secret });
    const running = workload.run();
    let res: Awaited<ReturnType<TestNetwork['cli']>>;
    try {
      await until(() => workload.invocations.filter((i) => i.fn === 'initMarble' && !i.error).length >= 2, 'the workload to commit marbles', 60_000);
      const before = workload.invocations.length;
      const t0 = Date.now();
      res = await net.cli(['profile', 'marbles', '--target', 'kubernetes', '--namespace', NS, '--seconds', '3', '--heap', '--out', out, '--json']);
      console.log(`mictract profile --target kubernetes: ${((Date.now() - t0) / 1000).toFixed(1)} s for a 3 s capture`);
      expect([res.code, res.stderr]).toEqual([0, '']);
      expect(workload.invocations.length).toBeGreaterThan(before); // it kept serving
    } finally {
      workload.stop();
      await running;
      conn.close();
    }
    expect(workload.failures).toEqual([]);
    const { replica, files, report } = JSON.parse(res.stdout) as { replica: string; files: string[]; report: ProfileReport };
    expect(replica).toBe(pod);
    expect(files.map((f) => path.extname(f)).sort()).toEqual(['.cpuprofile', '.heapprofile']);
    const cpuText = await readFile(files.find((f) => f.endsWith('.cpuprofile'))!, 'utf8');
    const cpu = JSON.parse(cpuText) as Profiler.Profile;
    expect(protocolViolations('Profiler.Profile', cpu)).toEqual([]);
    // the local replica's own frames, from marbles' code, came through the pod's forward
    const marblesFrames = cpu.nodes.filter((n) => n.callFrame.url.includes('/examples/marbles/'));
    expect(marblesFrames.map((n) => n.callFrame.functionName)).toEqual(expect.arrayContaining(['simulateCpuWork']));
    expect(report.bySelf.some((r) => r.functionName === 'simulateCpuWork' && r.location.startsWith('src/marbles.ts:'))).toBe(true);
    const heap = JSON.parse(await readFile(files.find((f) => f.endsWith('.heapprofile'))!, 'utf8')) as unknown;
    expect(protocolViolations('HeapProfiler.SamplingHeapProfile', heap)).toEqual([]);
    expect(cpuText).not.toContain(secret);
  });

  it('says how to enable profiling when the pods run without the inspector, and names what it cannot find', async () => {
    await readyPods(NS_OFF, 1);
    const off = await net.cli(['profile', 'marbles', '--target', 'kubernetes', '--namespace', NS_OFF, '--seconds', '1']);
    expect(off.code).toBe(2);
    expect(off.stderr).toContain(`profiling is off for chaincode marbles in namespace ${NS_OFF}`);
    expect(off.stderr).toContain('add profile: true to its entry');
    expect(off.stderr).toContain('run `mictract up --target kubernetes <spec>`');
    expect(off.stderr).toContain("inspector listens on the pod's loopback only, reached by port-forward, never through a Service");
    const unknown = await net.cli(['profile', 'nosuch', '--target', 'kubernetes', '--namespace', NS, '--seconds', '1']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('no pod of chaincode "nosuch" in namespace kprof')]);
    expect(unknown.stderr).toContain('chaincodes there: marbles');
    const replica = await net.cli(['profile', 'marbles', '--target', 'kubernetes', '--namespace', NS, '--replica', '3']);
    expect([replica.code, replica.stderr]).toEqual([2, expect.stringContaining('--replica: marbles has no running pod "3" in Org1MSP')]);
  });
});
