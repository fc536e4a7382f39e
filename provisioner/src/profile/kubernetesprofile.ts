import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { type Cluster, type ClusterOptions, apiMessage, connectCluster } from '../kubernetes/cluster';
import { k8s } from '../kubernetes/k8sclient';
import { forwardPort } from '../kubernetes/portforward';
import { UsageError, networkDir } from '../statedir';

// `mictract profile --target kubernetes`: the replica is a pod. Its chaincode container was started
// with the Node.js inspector on the pod's loopback only (manifests.ts renders `profile: true` so; no
// containerPort, no Service), so it is reached the one way left: a port-forward through the API server
// (pods/portforward, portforward.ts), and captured through it exactly as on the local target. This
// module loads the Kubernetes client, so profilecommand.ts loads it only for --target kubernetes.

export interface KubernetesProfileOptions extends ClusterOptions {
  /** The network (label app.kubernetes.io/part-of); also the default namespace. */
  readonly network?: string;
  readonly namespace?: string;
  /** Org name or MSP ID. */
  readonly org?: string;
  /** Index among the org's running pods (by name) or a pod name. */
  readonly replica?: string;
}

export interface InspectedPod {
  readonly name: string;
  readonly namespace: string;
  readonly network: string;
  readonly mspId: string;
  /** The inspector's port on the pod's loopback, from the chaincode container's --inspect flag. */
  readonly inspectorPort: number;
}

const INSPECT_FLAG = /^--inspect=(?:127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/;

/** The port of a loopback-only `--inspect=` on the pod's chaincode container, if it was started with one. */
export function inspectorPort(pod: V1Pod): number | undefined {
  const container = pod.spec?.containers.find((c) => c.name === 'chaincode');
  for (const arg of [...(container?.command ?? []), ...(container?.args ?? [])]) {
    const m = INSPECT_FLAG.exec(arg);
    if (m) return Number(m[1]);
  }
  return undefined;
}

const isReady = (p: V1Pod) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && (p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/** The pod to profile: one of `chaincode`'s, of the org and index asked for, running, started with its inspector. */
export async function findInspectedPod(c: Cluster, chaincode: string, opts: KubernetesProfileOptions): Promise<InspectedPod> {
  const namespace = opts.namespace ?? opts.network;
  if (namespace === undefined) throw new UsageError('--namespace: name the namespace (or the network with --network) with --target kubernetes, e.g. `mictract profile marbles --target kubernetes --namespace demo`');
  const labelSelector = ['app.kubernetes.io/component=chaincode', ...(opts.network ? [`app.kubernetes.io/part-of=${opts.network}`] : [])].join(',');
  let pods: V1Pod[];
  try {
    pods = (await c.kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace, labelSelector })).items;
  } catch (err) {
    throw new UsageError(`cannot list the chaincode pods in namespace ${namespace} (${c.where}): ${apiMessage(err)}`);
  }
  const ccName = (p: V1Pod) => p.metadata?.annotations?.['mictract.dev/chaincode-name'];
  const ofChaincode = pods.filter((p) => ccName(p) === chaincode);
  if (ofChaincode.length === 0) {
    const known = [...new Set(pods.map(ccName).filter((n): n is string => n !== undefined))].sort();
    throw new UsageError(`<chaincode>: no pod of chaincode "${chaincode}" in namespace ${namespace} (${c.where}); chaincodes there: ${known.join(', ') || 'none'} (\`mictract status --target kubernetes\`)`);
  }
  if (!ofChaincode.some((p) => inspectorPort(p) !== undefined)) {
    throw new UsageError(
      `profiling is off for chaincode ${chaincode} in namespace ${namespace}: its pods' chaincode container runs without the Node.js inspector. To enable it, add profile: true to its entry in the network's spec` +
        ` (chaincodes: - {name: ${chaincode}, ..., profile: true}) and run \`mictract up --target kubernetes <spec>\`: its pods are replaced by ones whose inspector listens on the pod's loopback only, reached by port-forward, never through a Service.`,
    );
  }
  let candidates = ofChaincode.filter((p) => inspectorPort(p) !== undefined);
  const mspId = (p: V1Pod) => p.metadata?.annotations?.['mictract.dev/msp-id'] ?? '';
  const orgs = [...new Set(candidates.map(mspId))].sort();
  const org = opts.org?.toLowerCase();
  const inOrg = (p: V1Pod) => (org === undefined ? mspId(p) === orgs[0] : mspId(p).toLowerCase() === org || p.metadata?.labels?.['mictract.dev/org'] === org);
  candidates = candidates.filter(inOrg);
  if (candidates.length === 0) throw new UsageError(`--org: no pod of ${chaincode} in namespace ${namespace} belongs to "${opts.org}"; its orgs there: ${orgs.join(', ')}`);
  const shownOrg = mspId(candidates[0]!);
  const running = candidates.filter(isReady).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
  let pod: V1Pod | undefined;
  if (opts.replica !== undefined) {
    pod = running.find((p) => p.metadata!.name === opts.replica) ?? (/^\d+$/.test(opts.replica) ? running[Number(opts.replica)] : undefined);
    if (!pod) {
      const names = running.map((p) => p.metadata!.name!);
      throw new UsageError(`--replica: ${chaincode} has no running pod "${opts.replica}" in ${shownOrg}; give an index from 0 to ${names.length - 1} or a name: ${names.join(', ') || 'none running'}`);
    }
  } else pod = running[0];
  if (!pod) throw new UsageError(`no running and Ready pod of ${chaincode} in ${shownOrg} (namespace ${namespace}): see \`mictract status --target kubernetes\``);
  return {
    name: pod.metadata!.name!,
    namespace,
    network: pod.metadata?.labels?.['app.kubernetes.io/part-of'] ?? opts.network ?? namespace,
    mspId: mspId(pod),
    inspectorPort: inspectorPort(pod)!,
  };
}

export interface ForwardedInspector {
  readonly pod: InspectedPod;
  /** 127.0.0.1:<local port>: the inspector through the port-forward. */
  readonly address: string;
  /** Where profiles go by default: the network's kubernetes/profiles folder. */
  readonly profilesDir: string;
  /** What the far end last said on the forward's error stream (e.g. nothing listens on the port). */
  farEnd(): string | undefined;
  close(): Promise<void>;
}

/** Finds the pod and forwards a local port to its inspector through the API server. */
export async function forwardInspector(chaincode: string, opts: KubernetesProfileOptions): Promise<ForwardedInspector> {
  const c = connectCluster(opts);
  const pod = await findInspectedPod(c, chaincode, opts);
  let farEnd: string | undefined;
  const fwd = await forwardPort(c.kc, pod.namespace, pod.name, pod.inspectorPort, { onError: (m) => (farEnd = m) });
  return { pod, address: fwd.address, profilesDir: path.join(networkDir(pod.network), 'kubernetes', 'profiles'), farEnd: () => farEnd, close: () => fwd.close() };
}
