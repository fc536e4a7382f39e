import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { V1EndpointSlice, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { LoadedSpec } from '../networkspec';
import { quietProgress } from '../progress';
import { until } from '../until';
import type { Cluster } from './cluster';
import { OWNED_KINDS, listLabelled } from './down';
import { k8s } from './k8sclient';
import { expectedPods } from './podstate';
import { type TestCluster, startTestCluster } from './testcluster';
import { TEST_CORE_YAML, loadTestSpec, removeTempHomes, tempHome } from './testspecs';
import { type KubernetesUpResult, downKubernetes, statusKubernetes, upKubernetes } from './upkubernetes';

// The Kubernetes target against a real control plane (etcd, kube-apiserver, controller-manager,
// scheduler of v1.37.2, kwok for the nodes; see testcluster.ts): no mocks. kwok runs no containers,
// so what is checked is everything up to them: admission and schema, scheduling, claims bound,
// readiness as kwok reports it, EndpointSlices, idempotent apply, RBAC, and a clean `down`.

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const STORAGE_CLASS = 'mictract-test';

let cluster: TestCluster;
let c: Cluster;
let loaded: LoadedSpec;
let home: string;
let first: KubernetesUpResult;

beforeAll(async () => {
  cluster = await startTestCluster();
  c = cluster.connect();
  await cluster.addNodes(2);
  await cluster.addVolumes(8, STORAGE_CLASS);
  loaded = await loadTestSpec({ kubernetes: { storageClass: STORAGE_CLASS } });
  home = await tempHome();
}, 30 * 60_000);

afterAll(async () => {
  await cluster?.stop();
  await removeTempHomes();
});

const ns = 'demo';
const opts = () => ({ kubeconfig: cluster.kubeconfig, home, coreYaml: TEST_CORE_YAML, timeoutMs: 120_000, channel: false });

describe('the demo network on a real control plane', () => {
  it('up: every object is accepted, every pod is scheduled and Ready, claims are bound', async () => {
    const t0 = Date.now();
    first = await upKubernetes(loaded, quietProgress(), opts());
    const seconds = (Date.now() - t0) / 1000;
    expect(first.namespaceCreated).toBe(true);
    expect(first.applied).toHaveLength(first.manifests.objects.length);
    expect(first.applied.every((a) => a.action === 'created')).toBe(true);
    const pods = (await c.kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns })).items as V1Pod[];
    expect(pods).toHaveLength(expectedPods(first.manifests.objects)); // 1 orderer + 2 peers + 2 x 2 marbles + 2 x 2 balancers + the exporter
    expect(pods).toHaveLength(12);
    expect(pods.filter((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'chaincode-balancer').map((p) => p.metadata?.labels?.['app.kubernetes.io/instance']).sort()).toEqual([
      'marbles-blue-org1-balancer', 'marbles-blue-org1-balancer', 'marbles-blue-org2-balancer', 'marbles-blue-org2-balancer',
    ]);
    for (const p of pods) {
      expect(p.spec?.nodeName).toMatch(/^kwok-node-/);
      expect(p.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
      expect(p.status?.podIP).toBeTruthy();
      expect(p.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('mictract');
    }
    const claims = (await c.objects.list('v1', 'PersistentVolumeClaim', ns)).items as V1PersistentVolumeClaim[];
    expect(claims.map((x) => x.metadata?.name).sort()).toEqual(['data-orderer0-0', 'data-peer0-org1-0', 'data-peer0-org2-0']);
    expect(claims.every((x) => x.status?.phase === 'Bound' && x.metadata?.labels?.['app.kubernetes.io/part-of'] === 'demo')).toBe(true);
    console.log(`up --target kubernetes: ${first.manifests.objects.length} objects applied and ${pods.length} pods Ready in ${seconds.toFixed(1)} s (control plane ready in ${cluster.timings.ready} s)`);
  });

  it("EndpointSlices list each org's balancer pods behind its chaincode Service, and its replicas behind their headless Service on the sidecar's port", async () => {
    const slices = async (service: string) =>
      ((await c.objects.list('discovery.k8s.io/v1', 'EndpointSlice', ns, undefined, undefined, undefined, undefined, `kubernetes.io/service-name=${service}`)).items as V1EndpointSlice[]).flatMap((s) =>
        (s.endpoints ?? []).filter((e) => e.conditions?.ready).map((e) => ({ pod: e.targetRef?.name, port: s.ports?.find((p) => p.name === 'chaincode') })),
      );
    const slot = loaded.network.chaincodes[0]!.slots[0];
    const sidecarPort = slot.replicas.find((r) => r.org === 'Org1')!.sidecar!.listen.port;
    // the replicas, as the balancer's DNS lookup of the headless Service sees them: one address per Ready pod
    await until(async () => (await slices('marbles-blue-org1-replicas')).length === 2, 'EndpointSlice of marbles-blue-org1-replicas lists 2 ready replicas', 30_000);
    const eps = await slices('marbles-blue-org1-replicas');
    expect(eps.every((e) => e.pod?.startsWith('marbles-blue-org1-') && !e.pod.startsWith('marbles-blue-org1-balancer-'))).toBe(true);
    expect(eps[0]!.port).toEqual(expect.objectContaining({ name: 'chaincode', port: sidecarPort }));
    const headless = (await c.objects.read({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'marbles-blue-org1-replicas', namespace: ns } } as never)) as { spec?: { clusterIP?: string } };
    expect(headless.spec?.clusterIP).toBe('None');
    await until(async () => (await slices('marbles-blue-org2-replicas')).length === 2, 'EndpointSlice of marbles-blue-org2-replicas lists 2 ready replicas', 30_000);
    // the org's chaincode Service (the address the peers dial) is the balancer's two pods, on the endpoint port
    const endpointPort = slot.endpoints.get('Org1')!.port;
    await until(async () => (await slices('marbles-blue-org1')).length === 2, 'EndpointSlice of marbles-blue-org1 lists 2 ready balancer pods', 30_000);
    const front = await slices('marbles-blue-org1');
    expect(front.every((e) => e.pod?.startsWith('marbles-blue-org1-balancer-'))).toBe(true);
    expect(front[0]!.port).toEqual(expect.objectContaining({ name: 'chaincode', port: endpointPort }));
    await until(async () => (await slices('marbles-blue-org2')).length === 2, 'EndpointSlice of marbles-blue-org2 lists 2 ready balancer pods', 30_000);
    await until(async () => (await slices('peer0-org1')).length === 1, 'EndpointSlice of peer0-org1', 30_000);
  });

  it('a second up changes nothing: every object unchanged, no resourceVersion moves', async () => {
    const again = await upKubernetes(loaded, quietProgress(), opts());
    expect(again.namespaceCreated).toBe(false);
    // each object's resourceVersion read just before its apply is the one the apply returns
    expect(again.applied.filter((a) => a.action !== 'unchanged')).toEqual([]);
    expect(again.applied).toHaveLength(first.applied.length);
    // (the first run's versions have moved since: controllers write status, e.g. the StatefulSets')
  });

  it("the exporter's ServiceAccount can list pods and cannot read Secrets (SubjectAccessReview and a request made as it)", async () => {
    const authz = c.kc.makeApiClient(k8s.AuthorizationV1Api);
    const user = `system:serviceaccount:${ns}:mictract-exporter`;
    const can = async (verb: string, resource: string, namespace = ns) =>
      (await authz.createSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], resourceAttributes: { namespace, verb, resource } } } })).status?.allowed ?? false;
    expect(await can('list', 'pods')).toBe(true);
    expect(await can('watch', 'pods')).toBe(true);
    expect(await can('get', 'pods')).toBe(true);
    expect(await can('get', 'secrets')).toBe(false);
    expect(await can('list', 'secrets')).toBe(false);
    expect(await can('delete', 'pods')).toBe(false);
    expect(await can('list', 'configmaps')).toBe(false);
    expect(await can('list', 'pods', 'default')).toBe(false);
    // and as the ServiceAccount itself, with a token the API server issues for it
    const core = (await cluster.asServiceAccount(ns, 'mictract-exporter')).makeApiClient(k8s.CoreV1Api);
    expect((await core.listNamespacedPod({ namespace: ns })).items.length).toBe(12);
    await expect(core.readNamespacedSecret({ name: 'peer0-org1-keys', namespace: ns })).rejects.toMatchObject({ code: 403 });
    await expect(core.listNamespacedSecret({ namespace: ns })).rejects.toMatchObject({ code: 403 });
  });

  it('status reads the real state: every pod Ready with its restarts, and why a pod is not', async () => {
    const states = await statusKubernetes('demo', { kubeconfig: cluster.kubeconfig });
    expect(states).toHaveLength(12);
    expect(states.every((p) => p.ready && p.restarts === 0 && p.node.startsWith('kwok-node-'))).toBe(true);
    // a pod of the network that cannot be scheduled: status shows it with the scheduler's event
    await c.objects.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'too-big', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'mictract', 'app.kubernetes.io/part-of': 'demo', 'app.kubernetes.io/component': 'test' } },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'x', image: 'x', resources: { requests: { cpu: '1000' } } }] },
    } as never);
    await until(async () => ((await statusKubernetes('demo', { kubeconfig: cluster.kubeconfig })).find((p) => p.name === 'too-big')?.events.length ?? 0) > 0, 'FailedScheduling event on too-big', 30_000);
    const big = (await statusKubernetes('demo', { kubeconfig: cluster.kubeconfig })).find((p) => p.name === 'too-big')!;
    expect(big.ready).toBe(false);
    expect(big.phase).toBe('Pending');
    expect(big.events.join('\n')).toMatch(/FailedScheduling: .*Insufficient cpu/);
    // the CLI prints the same, and exits 4 while a pod is not Ready
    const out = await promisify(execFile)(process.execPath, [CLI, 'status', '--target', 'kubernetes', 'demo'], { env: { ...process.env, KUBECONFIG: cluster.kubeconfig } }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    expect(out.code).toBe(4);
    expect(out.stdout).toMatch(/too-big\s+0\/1\s+Pending/);
    expect(out.stdout).toMatch(/FailedScheduling/);
    expect(out.stdout).toMatch(/peer0-org1-0\s+1\/1\s+Running\s+0/);
    await c.objects.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'too-big', namespace: ns } }, undefined, undefined, 0);
  });

  it('down deletes exactly what up made: nothing labelled is left, nothing else is touched', async () => {
    const foreign = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not-ours', namespace: ns }, data: { a: 'b' } };
    await c.objects.create(foreign as never);
    const t0 = Date.now();
    const r = await downKubernetes('demo', quietProgress(), { kubeconfig: cluster.kubeconfig });
    console.log(`down --target kubernetes: ${r.deleted} objects deleted, pods and claims gone in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // every object up made (the claims may already have gone with their StatefulSets)
    expect(r.deleted).toBeGreaterThanOrEqual(first.manifests.objects.length);
    expect(await listLabelled(c, ns, 'demo', [...OWNED_KINDS, { apiVersion: 'v1', kind: 'Pod' }])).toEqual([]);
    // the ConfigMap someone else put there is untouched, so the namespace stays
    expect((await c.objects.read(foreign as never)).metadata?.name).toBe('not-ours');
    expect(r.namespaceDeleted).toBe(false);
    expect(r.namespaceKept).toMatch(/ConfigMap\/not-ours/);
    // without it, the namespace up created goes too
    await c.objects.delete(foreign as never);
    const r2 = await downKubernetes('demo', quietProgress(), { kubeconfig: cluster.kubeconfig });
    expect(r2).toEqual({ deleted: 0, namespaceDeleted: true });
  }, 300_000);
});
