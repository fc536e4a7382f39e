import { loadSpec } from '../networkspec';
import { quietProgress } from '../progress';
import { listLabelled } from './down';
import { connectCluster } from './cluster';
import { EXAMPLE_SPEC, removeTempHomes, tempHome } from './testspecs';
import { downKubernetes, statusKubernetes, upKubernetes } from './upkubernetes';

// The whole demo on a real cluster, opt-in: MICTRACT_KUBERNETES_E2E=1 with KUBECONFIG (and
// optionally MICTRACT_KUBERNETES_CONTEXT) pointing at it. The images must be pullable there: build
// them with tools/kubernetes/images/*.Containerfile, push them, and name them in the spec
// (MICTRACT_KUBERNETES_SPEC, default examples/network.yaml). Runs in a namespace of its own.

afterAll(removeTempHomes);

const optedIn = process.env.MICTRACT_KUBERNETES_E2E === '1' && Boolean(process.env.KUBECONFIG);
const why = process.env.MICTRACT_KUBERNETES_E2E === '1' ? 'KUBECONFIG is not set' : 'MICTRACT_KUBERNETES_E2E is not 1';

(optedIn ? describe : describe.skip)('the demo network on the cluster KUBECONFIG names', () => {
  const context = process.env.MICTRACT_KUBERNETES_CONTEXT;
  const namespace = `mictract-e2e-${Date.now().toString(36)}`;
  const cluster = () => ({ ...(context ? { context } : {}), namespace });

  it('comes up with every pod Ready, the channel made and every chaincode committed; a second up changes nothing; down leaves nothing labelled', async () => {
    const loaded = await loadSpec(process.env.MICTRACT_KUBERNETES_SPEC ?? EXAMPLE_SPEC);
    const home = await tempHome();
    try {
      const first = await upKubernetes(loaded, quietProgress(), { ...cluster(), home, timeoutMs: 600_000 });
      expect(first.ready?.ready).toBe(first.ready?.expected);
      expect(first.channel?.chaincodes.map((c) => c.action)).toEqual(loaded.network.chaincodes.map(() => 'committed'));
      const states = await statusKubernetes(loaded.network.name, cluster());
      expect(states.every((p) => p.ready)).toBe(true);
      const again = await upKubernetes(loaded, quietProgress(), { ...cluster(), home, timeoutMs: 600_000 });
      expect(again.applied.filter((a) => a.action !== 'unchanged')).toEqual([]);
      expect(again.channel).toMatchObject({ orderersJoined: 0, peersJoined: 0 });
      expect(again.channel?.chaincodes.map((c) => c.action)).toEqual(loaded.network.chaincodes.map(() => 'kept'));
    } finally {
      await downKubernetes(loaded.network.name, quietProgress(), { ...cluster(), timeoutMs: 300_000 });
    }
    expect(await listLabelled(connectCluster(cluster()), namespace, loaded.network.name)).toEqual([]);
  }, 20 * 60_000);
});

if (!optedIn) {
  it(`skips the demo on a real cluster: ${why} (set MICTRACT_KUBERNETES_E2E=1 and KUBECONFIG to run it)`, () => {
    console.log(`realcluster.e2e: skipped, ${why}`);
  });
}
