import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { UsageError } from '../statedir';
import { k8s } from './k8sclient';

// A connection to a cluster: the kubeconfig as kubectl finds it (KUBECONFIG, ~/.kube/config, or
// in-cluster), an optional --context, and readable errors for what the API server answers.

export interface Cluster {
  readonly kc: KubeConfig;
  readonly objects: KubernetesObjectApi;
  /** For messages: context and server. */
  readonly where: string;
}

export interface ClusterOptions {
  /** A kubeconfig context other than the current one. */
  readonly context?: string;
  /** A kubeconfig file other than KUBECONFIG / ~/.kube/config (tests). */
  readonly kubeconfig?: string;
}

export function connectCluster(opts: ClusterOptions = {}): Cluster {
  const kc = new k8s.KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context !== undefined) {
    if (!kc.getContextObject(opts.context)) {
      throw new UsageError(`--context: no context "${opts.context}" in the kubeconfig; known: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'} (kubectl config get-contexts)`);
    }
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError('no Kubernetes cluster configured: set KUBECONFIG or pass --context (kubectl config get-contexts lists them)');
  return { kc, objects: k8s.KubernetesObjectApi.makeApiClient(kc), where: `context ${kc.getCurrentContext()} (${cluster.server})` };
}

/** The API server's status code of a failed request, if it answered. */
export function statusCode(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

/** An API error as one line: the server's own message where there is one. */
export function apiMessage(err: unknown): string {
  if (err instanceof k8s.ApiException) {
    const body = err.body as unknown;
    let parsed: { message?: string } | undefined;
    try {
      parsed = typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string });
    } catch {
      parsed = undefined;
    }
    return `${err.code}: ${parsed?.message ?? String(body)}`;
  }
  const e = err as { message?: string; code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code ?? e.message ?? String(err);
}

/** An object `up` could not apply, with what the API server said. */
export class ApplyError extends Error {
  override name = 'ApplyError';
}

/** Reads an object; undefined when it does not exist. */
export async function readObject<T extends KubernetesObject>(c: Cluster, o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<T | undefined> {
  try {
    return (await c.objects.read(o)) as T;
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw err;
  }
}
