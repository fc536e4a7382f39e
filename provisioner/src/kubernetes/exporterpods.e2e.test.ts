import type { V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { type ClusterPod, KubernetesPods } from '@mictract/exporter/dist/kubernetespods';
import { LedgerApi } from '@mictract/exporter/dist/ledgerapi';
import { LedgerIndex, DEFAULT_INDEX_LIMITS } from '@mictract/exporter/dist/ledgerindex';
import { CertificateTracker } from '@mictract/exporter/dist/certificatetracker';
import { parse } from 'yaml';
import { quietProgress } from '../progress';
import { until } from '../until';
import type { Cluster } from './cluster';
import { k8s } from './k8sclient';
import { type TestCluster, startTestCluster } from './testcluster';
import { TEST_CORE_YAML, loadTestSpec, removeTempHomes, tempHome } from './testspecs';
import { upKubernetes } from './upkubernetes';

// The exporter's chaincode pods from the Kubernetes API (exporter/src/kubernetespods.ts) on a real
// control plane: the demo applied, the exporter's source started with the configuration the manifests
// give it and a token of its own ServiceAccount (get/list/watch pods, nothing else), its pods read
// from kwok's nodes. A pod that is deleted disappears; one whose status says restarts and not Ready
// is listed so, as the plugin's chaincode-pod view shows them.

const STORAGE_CLASS = 'mictract-test';
const ns = 'demo';

let cluster: TestCluster;
let c: Cluster;
let source: KubernetesPods | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
  c = cluster.connect();
  await cluster.addNodes(2);
  await cluster.addVolumes(3, STORAGE_CLASS);
  const loaded = await loadTestSpec({ kubernetes: { storageClass: STORAGE_CLASS } });
  await upKubernetes(loaded, quietProgress(), { kubeconfig: cluster.kubeconfig, home: await tempHome(), coreYaml: TEST_CORE_YAML, timeoutMs: 120_000, channel: false });
}, 30 * 60_000);

afterAll(async () => {
  await source?.stop();
  await cluster?.stop();
  await removeTempHomes();
});

const asExporter = () => cluster.asServiceAccount(ns, 'mictract-exporter');

describe("the exporter's chaincode pods from the Kubernetes API", () => {
  let config: { kubernetesPods: { namespace: string; labelSelector: string } };

  it('lists the chaincode pods with phase, readiness, restarts and node, as its own ServiceAccount', async () => {
    const cm = (await c.kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name: 'mictract-exporter-config', namespace: ns })).data!;
    config = parse(cm['exporter.yaml']!) as typeof config;
    expect(config.kubernetesPods).toEqual({ namespace: ns, labelSelector: 'app.kubernetes.io/part-of=demo,app.kubernetes.io/component=chaincode' });
    source = await KubernetesPods.start({ ...config.kubernetesPods, kubeConfig: await asExporter() });
    await until(async () => source!.list().length === 4, '4 chaincode pods listed', 30_000);
    const pods = source.list();
    const { network } = await loadTestSpec();
    // each org's replicas share the port of its first replica's sidecar (one pod template per org)
    const sidecarPort = (mspId: string) => network.chaincodes[0]!.slots[0].replicas.find((r) => network.organizations.find((o) => o.name === r.org)!.mspId === mspId)!.sidecar!.listen.port;
    for (const p of pods) {
      expect(p).toEqual(
        expect.objectContaining({ namespace: ns, chaincode: 'marbles', slot: 'blue', phase: 'Running', ready: true, restarts: 0, terminating: false, node: expect.stringMatching(/^kwok-node-/) }),
      );
      expect(p.name).toMatch(/^marbles-blue-org[12]-/);
      expect(p.name).not.toMatch(/balancer/);
      expect(p.address).toMatch(new RegExp(`^10\\.244\\.\\d+\\.\\d+:${sidecarPort(p.org!)}$`));
      expect(p.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    expect(pods.map((p) => p.org).sort()).toEqual(['Org1MSP', 'Org1MSP', 'Org2MSP', 'Org2MSP']);
    // the ledger API answers GET /api/v1/pods from it
    const api = new LedgerApi({ index: new LedgerIndex(DEFAULT_INDEX_LIMITS), certificates: new CertificateTracker(), channels: () => [], clusterPods: source });
    const res = await api.handle('GET', '/api/v1/pods');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pods: pods, source: 'kubernetes' });
  });

  it('drops a deleted pod and adds the one its Deployment makes instead', async () => {
    const victim = source!.list()[0]!.name;
    await c.objects.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: victim, namespace: ns } }, undefined, undefined, 0);
    await until(async () => !source!.list().some((p) => p.name === victim), `${victim} gone from the list`, 60_000);
    await until(async () => source!.list().filter((p) => p.ready).length === 4, 'a replacement pod listed Ready', 60_000);
    expect(source!.list().map((p) => p.name)).not.toContain(victim);
  });

  it('reports restarts and a pod that is not Ready, as the API says', async () => {
    // a chaincode pod bound to a node kwok does not manage: only this test writes its status
    const core = c.kc.makeApiClient(k8s.CoreV1Api);
    await c.objects.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'unmanaged' }, spec: {} } as never);
    const labels = { 'app.kubernetes.io/part-of': 'demo', 'app.kubernetes.io/component': 'chaincode', 'app.kubernetes.io/managed-by': 'mictract', 'mictract.dev/slot': 'green' };
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'crashing', labels, annotations: { 'mictract.dev/chaincode-name': 'marbles', 'mictract.dev/msp-id': 'Org1MSP' } },
        spec: { nodeName: 'unmanaged', automountServiceAccountToken: false, containers: [{ name: 'chaincode', image: 'x', ports: [{ name: 'chaincode', containerPort: 7052 }] }] },
      },
    });
    const now = new Date();
    await core.replaceNamespacedPodStatus({
      name: 'crashing',
      namespace: ns,
      body: {
        ...((await core.readNamespacedPod({ name: 'crashing', namespace: ns })) as V1Pod),
        status: {
          phase: 'Running',
          podIP: '10.244.9.9',
          startTime: now,
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }],
          containerStatuses: [{ name: 'chaincode', image: 'x', imageID: '', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
        },
      },
    });
    await until(async () => source!.list().some((p) => p.name === 'crashing' && p.restarts === 3), 'crashing listed with 3 restarts', 30_000);
    const crashing = source!.list().find((p) => p.name === 'crashing')!;
    expect(crashing).toEqual<ClusterPod>({
      name: 'crashing', namespace: ns, chaincode: 'marbles', org: 'Org1MSP', slot: 'green', address: '10.244.9.9:7052',
      phase: 'Running', ready: false, restarts: 3, node: 'unmanaged', startedAt: expect.any(String), terminating: false,
    });
    // a pod of another component (the balancer) or without the labels is never listed
    expect(source!.list().filter((p) => p.name.includes('balancer') || p.name.startsWith('peer') || p.name.startsWith('orderer'))).toEqual([]);
    await core.deleteNamespacedPod({ name: 'crashing', namespace: ns, gracePeriodSeconds: 0 });
    await until(async () => !source!.list().some((p) => p.name === 'crashing'), 'crashing gone', 30_000);
  });

  it('refuses to start without the right to list pods, naming the namespace', async () => {
    // the exporter's ServiceAccount may list pods only in its own namespace
    await expect(KubernetesPods.start({ namespace: 'default', labelSelector: 'app.kubernetes.io/component=chaincode', kubeConfig: await asExporter() })).rejects.toThrow(/cannot list the pods of namespace default/);
  });
});
