import { readFileSync } from 'node:fs';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

// The chaincode pods from the Kubernetes API, when the exporter runs in a cluster: list and watch the
// pods of its namespace that carry the chaincode label selector (an informer: one list, then a watch
// that resumes from the last resourceVersion and lists again when the API server says it is too old),
// and answer GET /api/v1/pods from that cache with each pod's phase, readiness, restarts and node.
// The exporter's ServiceAccount may only get, list and watch pods in its namespace, and that is all
// this asks for. A watch that fails is started again with backoff; the pods last seen stay listed
// meanwhile (`synced` says whether the list is current).

// @kubernetes/client-node 2 ships only ES modules; Node 24 loads them with require(). jest's module
// system cannot, so the require used is Node's own (as provisioner/src/kubernetes/k8sclient.ts does).
type K8s = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });
const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
const k8s = (): K8s => nodeRequire('@kubernetes/client-node') as K8s;

/** A chaincode pod as GET /api/v1/pods lists it: the fields of the local target's pods file, and what only a cluster knows. */
export interface ClusterPod {
  readonly name: string;
  readonly namespace: string;
  readonly chaincode?: string;
  /** The org's MSP ID. */
  readonly org?: string;
  readonly slot?: string;
  /** podIP:port where the peer's stream reaches it (its sidecar's port when it has one). */
  readonly address?: string;
  readonly sidecarMetrics?: string;
  readonly phase: string;
  readonly ready: boolean;
  /** Container restarts, summed over the pod's containers. */
  readonly restarts: number;
  readonly node?: string;
  readonly startedAt?: string;
  /** Being deleted (a rollout or a scale-down). */
  readonly terminating: boolean;
}

export interface KubernetesPodsOptions {
  /** Default: the ServiceAccount's namespace (in a pod), else POD_NAMESPACE. */
  readonly namespace?: string;
  /** Which pods are chaincode pods, e.g. app.kubernetes.io/component=chaincode,app.kubernetes.io/part-of=demo. */
  readonly labelSelector: string;
  /** Default: in the cluster, the pod's ServiceAccount; outside, KUBECONFIG. */
  readonly kubeConfig?: KubeConfig;
  readonly log?: (level: 'info' | 'warn', message: string, fields?: Record<string, string | number>) => void;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The namespace the exporter runs in, as its ServiceAccount token was issued for. */
export function ownNamespace(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return readFileSync(SA_NAMESPACE, 'utf8').trim() || env.POD_NAMESPACE;
  } catch {
    return env.POD_NAMESPACE;
  }
}

/** One pod as the API lists it; the mictract.dev annotations and labels the provisioner puts on chaincode pods fill in what it serves. */
export function clusterPod(p: V1Pod): ClusterPod {
  const labels = p.metadata?.labels ?? {};
  const annotations = p.metadata?.annotations ?? {};
  const ip = p.status?.podIP;
  const containers = p.spec?.containers ?? [];
  const portOf = (name: string): number | undefined => containers.flatMap((c) => c.ports ?? []).find((x) => x.name === name)?.containerPort;
  const chaincodePort = portOf('chaincode');
  const metricsPort = portOf('metrics');
  const statuses = p.status?.containerStatuses ?? [];
  const started = p.status?.startTime as unknown;
  const chaincode = annotations['mictract.dev/chaincode-name'] ?? labels['mictract.dev/chaincode'];
  const org = annotations['mictract.dev/msp-id'] ?? labels['mictract.dev/org'];
  const slot = labels['mictract.dev/slot'];
  return {
    name: p.metadata?.name ?? '',
    namespace: p.metadata?.namespace ?? '',
    ...(chaincode ? { chaincode } : {}),
    ...(org ? { org } : {}),
    ...(slot ? { slot } : {}),
    ...(ip && chaincodePort ? { address: `${ip}:${chaincodePort}` } : {}),
    ...(ip && metricsPort ? { sidecarMetrics: `${ip}:${metricsPort}` } : {}),
    phase: p.status?.phase ?? 'Unknown',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
    // a Date from the list, a string from the watch (and a Date of another realm under jest: no instanceof)
    ...(started ? { startedAt: typeof (started as Date).toISOString === 'function' ? (started as Date).toISOString() : String(started) } : {}),
    terminating: p.metadata?.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null,
  };
}

export class KubernetesPods {
  readonly namespace: string;
  private informer: ReturnType<K8s['makeInformer']> | undefined;
  private stopped = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  /** The last list or watch event came through and no error since. */
  synced = false;

  private constructor(
    private readonly opts: KubernetesPodsOptions,
    private readonly kc: KubeConfig,
    namespace: string,
  ) {
    this.namespace = namespace;
  }

  /** Lists the pods once (so the first answer is complete, or the error is the caller's), then watches them. */
  static async start(opts: KubernetesPodsOptions): Promise<KubernetesPods> {
    const namespace = opts.namespace ?? ownNamespace();
    if (!namespace) throw new Error('kubernetes pods: no namespace (not in a pod with a ServiceAccount, no POD_NAMESPACE, none configured)');
    let kc = opts.kubeConfig;
    if (!kc) {
      kc = new (k8s().KubeConfig)();
      kc.loadFromDefault();
    }
    const pods = new KubernetesPods(opts, kc, namespace);
    await pods.run();
    return pods;
  }

  /** The chaincode pods now, by name. */
  list(): ClusterPod[] {
    return (this.informer?.list(this.namespace) ?? []).map(clusterPod).sort((a, b) => a.name.localeCompare(b.name));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.informer?.stop();
  }

  private async run(): Promise<void> {
    const { CoreV1Api, makeInformer } = k8s();
    const core = this.kc.makeApiClient(CoreV1Api);
    const { namespace } = this;
    const labelSelector = this.opts.labelSelector;
    const informer = makeInformer<V1Pod>(this.kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, () => core.listNamespacedPod({ namespace, labelSelector }), labelSelector);
    const log = this.opts.log ?? (() => undefined);
    let starting = true;
    let firstError: unknown;
    informer.on('connect', () => {
      if (this.failures > 0) log('info', 'kubernetes pods: watching again', { namespace });
      this.failures = 0;
      this.synced = true;
    });
    informer.on('error', (err: unknown) => {
      this.synced = false;
      if (starting) {
        firstError ??= err;
        return;
      }
      if (this.stopped) return;
      const delay = Math.min(this.opts.retryMaxMs ?? 30_000, (this.opts.retryMinMs ?? 500) * 2 ** this.failures);
      this.failures++;
      log('warn', 'kubernetes pods: watch failed; the pods last seen stay listed', { namespace, reason: describe(err), retry_ms: delay });
      this.retry = setTimeout(() => {
        this.retry = undefined;
        if (!this.stopped) informer.start().catch(() => undefined); // a failed start is reported through 'error' as well
      }, delay);
      this.retry.unref();
    });
    this.informer = informer;
    await informer.start();
    starting = false;
    if (firstError !== undefined) {
      await informer.stop();
      throw new Error(`kubernetes pods: cannot list the pods of namespace ${namespace} (${labelSelector}): ${describe(firstError)}`);
    }
    this.synced = true;
  }
}

function describe(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: number; message?: string; statusCode?: number };
    return [e.code ?? e.statusCode, e.message].filter((x) => x !== undefined).join(' ') || String(err);
  }
  return String(err);
}
