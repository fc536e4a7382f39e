import type { LoadedSpec } from '../networkspec/loadspec';
import type { Progress } from '../progress';
import { type Applied, applyObjects, ensureNamespace, summarize } from './apply';
import { type ClusterOptions, connectCluster } from './cluster';
import { type ClusterManifests, clusterManifests } from './clustermanifests';
import { type DownResult, downNetwork, listLabelled } from './down';
import type { ChaincodeState } from '../local/up';
import type { Chaincode } from '../networkspec/network';
import { UsageError } from '../statedir';
import { until } from '../until';
import { type Cluster, statusCode } from './cluster';
import { type ClusterChaincodePlan, commitClusterChaincode, openClusterChannel, planClusterChaincode } from './clusterchannel';
import { isChaincodeObject } from './manifests';
import { type PodState, type ReadyWait, expectedPods, podStates, waitPodsReady, waitWorkloadsReady } from './podstate';

// The Kubernetes target's commands: `up` (check, build, server-side apply, wait for every pod Ready,
// then the channel and each chaincode's lifecycle through port-forwards), `status` (the pods as the
// API server sees them) and `down` (what up made, by label).

export interface KubernetesUpOptions extends ClusterOptions {
  readonly namespace?: string;
  /** MICTRACT_HOME (tests). */
  readonly home?: string;
  /** The peers' core.yaml (tests); default: the Fabric release's, Docker off. */
  readonly coreYaml?: string;
  /** Wait for every pod to be Ready (default true), at most this long. */
  readonly wait?: boolean;
  readonly timeoutMs?: number;
  /**
   * Make the channel and deploy the chaincodes once the nodes are Ready (default true; needs `wait`).
   * Off: apply and wait only, every chaincode in its first slot (a cluster whose pods run nothing, as kwok's).
   */
  readonly channel?: boolean;
  /** `upgrade <chaincode>`: refuse unless this chaincode is committed at another version than the spec's. */
  readonly upgrade?: string;
}

/** A chaincode after `up` on the cluster: as on the local target, and what of the replaced slot was deleted. */
export interface ClusterChaincodeState extends ChaincodeState {
  /** The objects of the slot the new definition replaced, deleted after the commit. */
  readonly removed: number;
}

export interface KubernetesUpResult {
  readonly manifests: ClusterManifests;
  readonly namespaceCreated: boolean;
  readonly applied: Applied[];
  readonly ready?: ReadyWait;
  readonly channel?: { readonly orderersJoined: number; readonly peersJoined: number; readonly chaincodes: ClusterChaincodeState[] };
}

export async function upKubernetes(loaded: LoadedSpec, progress: Progress, opts: KubernetesUpOptions = {}): Promise<KubernetesUpResult> {
  const { network } = loaded;
  const manifestOpts = { ...(opts.namespace ? { namespace: opts.namespace } : {}), ...(opts.home ? { home: opts.home } : {}), ...(opts.coreYaml ? { coreYaml: opts.coreYaml } : {}) };
  if (opts.upgrade !== undefined && !network.chaincodes.some((cc) => cc.name === opts.upgrade)) {
    throw new UsageError(`<chaincode>: no chaincode "${opts.upgrade}" in ${loaded.file}; known: ${network.chaincodes.map((c) => c.name).join(', ') || 'none'}`);
  }
  const manifests = await progress.step('Kubernetes manifests', () => clusterManifests(loaded, manifestOpts), (m) => `${m.objects.length} objects for namespace ${m.options.namespace}`);
  const { namespace } = manifests.options;
  const c = connectCluster(opts);
  const ns = await progress.step(`namespace ${namespace} (${c.where})`, () => ensureNamespace(c, namespace, network.name), (r) => (r.created ? 'created' : 'exists'));
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const channel = opts.channel !== false && opts.wait !== false;
  if (!channel) {
    if (opts.upgrade !== undefined) throw new UsageError('upgrade --target kubernetes needs the channel steps (leave out --no-channel)');
    const applied = await progress.step('server-side apply (field manager mictract)', () => applyObjects(c, manifests.objects), summarize);
    let ready: ReadyWait | undefined;
    if (opts.wait !== false) {
      const expected = expectedPods(manifests.objects);
      ready = await progress.step(`every pod Ready (${expected})`, () => waitPodsReady(c, namespace, network.name, expected, timeoutMs), (r) => `${r.ready} Ready`);
    }
    return { manifests, namespaceCreated: ns.created, applied, ...(ready ? { ready } : {}) };
  }

  // The nodes, their configuration and the exporter first; each chaincode's objects once the channel
  // says which slot its definition runs in (blue/green, as on the local target).
  const base = manifests.objects.filter((o) => !isChaincodeObject(o));
  const applied = await progress.step('server-side apply: nodes, configuration, exporter (field manager mictract)', () => applyObjects(c, base), summarize);
  await progress.step(`orderers, peers and exporter rolled out (${expectedPods(base)} pods)`, () => waitWorkloadsReady(c, base, network.name, timeoutMs), (r) => `${r.ready} Ready`);
  const ch = await openClusterChannel(c, namespace, network, progress, opts.home ? { home: opts.home } : {});
  try {
    const plans: ClusterChaincodePlan[] = [];
    for (const cc of network.chaincodes) plans.push(await planClusterChaincode(ch, cc, progress));
    const asked = plans.find((p) => p.cc.name === opts.upgrade);
    if (asked && !asked.replaces) {
      throw new UsageError(asked.current ? `${asked.cc.name} is already at version ${asked.cc.version} (sequence ${asked.sequence}); set its new version in ${loaded.file} first` : `${asked.cc.name} is not deployed on ${network.channel} yet; run \`mictract up --target kubernetes ${loaded.file}\` first`);
    }
    const slotted = await clusterManifests(loaded, { ...manifestOpts, slots: new Map(plans.map((p) => [p.cc.name, p.slot])) });
    const chaincodeObjects = slotted.objects.filter(isChaincodeObject);
    applied.push(...(await progress.step(`server-side apply: chaincodes (${plans.map((p) => `${p.cc.name} ${p.slot}`).join(', ')})`, () => applyObjects(c, chaincodeObjects), summarize)));
    const ready = await progress.step(`chaincode replicas and balancers rolled out (${expectedPods(chaincodeObjects)} pods)`, () => waitWorkloadsReady(c, chaincodeObjects, network.name, timeoutMs), (r) => `${r.ready} Ready`);
    const chaincodes: ClusterChaincodeState[] = [];
    for (const plan of plans) {
      const done = await commitClusterChaincode(ch, plan, progress);
      // the old definition's replicas go only now: peers switched packages at the commit block
      const removed = plan.replaces ? await progress.step(`${plan.cc.name}: delete ${plan.replaces.version} (${plan.replaces.slot} slot)`, () => deleteSlot(c, namespace, network.name, plan.cc, plan.replaces!.slot), (n) => `${n} objects deleted`) : 0;
      const action = plan.current ? 'kept' : !plan.replaces ? 'committed' : plan.replaces.version === plan.cc.version ? 'redefined' : 'upgraded';
      chaincodes.push({ name: plan.cc.name, version: plan.cc.version, sequence: plan.sequence, slot: plan.slot, packageId: done.packageId, action, removed });
    }
    return { manifests: slotted, namespaceCreated: ns.created, applied, ready: { ...ready, expected: expectedPods(slotted.objects), ready: expectedPods(slotted.objects) }, channel: { orderersJoined: ch.orderersJoined, peersJoined: ch.peersJoined, chaincodes } };
  } finally {
    await ch.forwarded.close();
  }
}

/** Deletes one chaincode slot's objects (replicas, their Services, its balancers) and waits until they and their pods are gone. */
async function deleteSlot(c: Cluster, namespace: string, networkName: string, cc: Chaincode, slot: string): Promise<number> {
  const slotLabels = `mictract.dev/chaincode=${cc.service},mictract.dev/slot=${slot}`;
  const kinds = [
    { apiVersion: 'apps/v1', kind: 'Deployment' },
    { apiVersion: 'v1', kind: 'Service' },
  ];
  const objects = await listLabelled(c, namespace, networkName, kinds, slotLabels);
  await Promise.all(
    objects.map((o) =>
      c.objects.delete(o, undefined, undefined, undefined, undefined, 'Background').catch((err: unknown) => {
        if (statusCode(err) !== 404) throw err;
      }),
    ),
  );
  const left = async () => (await listLabelled(c, namespace, networkName, [...kinds, { apiVersion: 'v1', kind: 'Pod' }], slotLabels)).map((o) => `${o.kind} ${o.metadata?.name}`);
  await until(async () => (await left()).length === 0, async () => `the ${slot} slot of ${cc.name} is not gone: ${(await left()).join(', ')}`, 120_000);
  return objects.length;
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
