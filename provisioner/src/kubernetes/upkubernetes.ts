import type { LoadedSpec } from '../networkspec/loadspec';
import type { Progress } from '../progress';
import { type Applied, applyObjects, ensureNamespace, summarize } from './apply';
import { type ClusterOptions, connectCluster } from './cluster';
import { type ClusterManifests, clusterManifests } from './clustermanifests';
import { type DownResult, downNetwork } from './down';
import { type PodState, type ReadyWait, expectedPods, podStates, waitPodsReady } from './podstate';

// The Kubernetes target's commands: `up` (check, build, server-side apply, wait for every pod Ready),
// `status` (the pods as the API server sees them) and `down` (what up made, by label). What is not
// here yet: the channel and the chaincode lifecycle inside the cluster (see the README).

export interface KubernetesUpOptions extends ClusterOptions {
  readonly namespace?: string;
  /** MICTRACT_HOME (tests). */
  readonly home?: string;
  /** The peers' core.yaml (tests); default: the Fabric release's, Docker off. */
  readonly coreYaml?: string;
  /** Wait for every pod to be Ready (default true), at most this long. */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
}

export interface KubernetesUpResult {
  readonly manifests: ClusterManifests;
  readonly namespaceCreated: boolean;
  readonly applied: Applied[];
  readonly ready?: ReadyWait;
}

export async function upKubernetes(loaded: LoadedSpec, progress: Progress, opts: KubernetesUpOptions = {}): Promise<KubernetesUpResult> {
  const manifests = await progress.step(
    'Kubernetes manifests',
    () => clusterManifests(loaded, { ...(opts.namespace ? { namespace: opts.namespace } : {}), ...(opts.home ? { home: opts.home } : {}), ...(opts.coreYaml ? { coreYaml: opts.coreYaml } : {}) }),
    (m) => `${m.objects.length} objects for namespace ${m.options.namespace}`,
  );
  const { namespace } = manifests.options;
  const c = connectCluster(opts);
  const ns = await progress.step(`namespace ${namespace} (${c.where})`, () => ensureNamespace(c, namespace, loaded.network.name), (r) => (r.created ? 'created' : 'exists'));
  const applied = await progress.step('server-side apply (field manager mictract)', () => applyObjects(c, manifests.objects), summarize);
  let ready: ReadyWait | undefined;
  if (opts.wait !== false) {
    const expected = expectedPods(manifests.objects);
    ready = await progress.step(`every pod Ready (${expected})`, () => waitPodsReady(c, namespace, loaded.network.name, expected, opts.timeoutMs ?? 300_000), (r) => `${r.ready} Ready`);
  }
  return { manifests, namespaceCreated: ns.created, applied, ...(ready ? { ready } : {}) };
}

export async function statusKubernetes(networkName: string, opts: ClusterOptions & { namespace?: string }): Promise<PodState[]> {
  return podStates(connectCluster(opts), opts.namespace ?? networkName, networkName);
}

export async function downKubernetes(networkName: string, progress: Progress, opts: ClusterOptions & { namespace?: string; timeoutMs?: number }): Promise<DownResult> {
  const c = connectCluster(opts);
  const namespace = opts.namespace ?? networkName;
  return progress.step(`delete what mictract made for ${networkName} in namespace ${namespace} (${c.where})`, () => downNetwork(c, namespace, networkName, opts.timeoutMs), (r) =>
    `${r.deleted} objects deleted${r.namespaceDeleted ? `, namespace ${namespace} deleted` : r.namespaceKept ? `; namespace ${namespace} kept: ${r.namespaceKept}` : ''}`,
  );
}

/** `status` as a table, with the latest events under each pod that is not Ready. */
export function formatPodStates(states: readonly PodState[]): string {
  if (states.length === 0) return 'no pods';
  const rows = states.map((p) => [p.name, p.containers, p.terminating ? 'Terminating' : p.phase, String(p.restarts), p.age, p.node]);
  const head = ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'NODE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(head)];
  states.forEach((p, i) => {
    out.push(line(rows[i]!));
    for (const e of p.events) out.push(`    ${e}`);
  });
  return out.join('\n');
}
