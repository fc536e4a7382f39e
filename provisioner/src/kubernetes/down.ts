import type { KubernetesObject } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { type Cluster, apiMessage, readObject, statusCode } from './cluster';
import { MANAGED_BY, networkSelector } from './names';

// `mictract down --target kubernetes`: deletes exactly what `up` made, found by its labels
// (app.kubernetes.io/managed-by=mictract, part-of=<network>), workloads first, then waits until their
// pods and claims are gone too. The namespace goes only if `up` created it (it carries the same labels)
// and nothing else is left in it; anything else in the namespace is never touched.

/** Every kind `up` writes, plus the claims its StatefulSets make, in delete order. */
export const OWNED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
];

/** Kinds whose objects follow the deleted ones (garbage collection): `down` waits for them. */
const FOLLOWERS = [
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
];

/** What `up` made for the network, of `kinds`; `also` narrows it by more labels (`key=value,...`). */
export async function listLabelled(c: Cluster, namespace: string, networkName: string, kinds = OWNED_KINDS, also?: string): Promise<KubernetesObject[]> {
  const selector = also ? `${networkSelector(networkName)},${also}` : networkSelector(networkName);
  const lists = await Promise.all(kinds.map(async (k) => (await c.objects.list(k.apiVersion, k.kind, namespace, undefined, undefined, undefined, undefined, selector)).items.map((o) => ({ ...o, apiVersion: k.apiVersion, kind: k.kind }))));
  return lists.flat();
}

export interface DownResult {
  readonly deleted: number;
  readonly namespaceDeleted: boolean;
  /** Why the namespace stayed, when `up` had created it. */
  readonly namespaceKept?: string;
}

export async function downNetwork(c: Cluster, namespace: string, networkName: string, timeoutMs = 120_000): Promise<DownResult> {
  const ns = await readObject(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (!ns) return { deleted: 0, namespaceDeleted: false };
  let deleted = 0;
  for (const kind of OWNED_KINDS) {
    const objects = await listLabelled(c, namespace, networkName, [kind]);
    await Promise.all(
      objects.map(async (o) => {
        try {
          await c.objects.delete(o, undefined, undefined, undefined, undefined, 'Background');
          deleted++;
        } catch (err) {
          if (statusCode(err) !== 404) throw new Error(`deleting ${o.kind} ${namespace}/${o.metadata?.name}: ${apiMessage(err)} (${c.where})`);
        }
      }),
    );
  }
  // a pod labelled as ours that no workload owns (made by hand with our labels) goes too
  const strays = (await listLabelled(c, namespace, networkName, [{ apiVersion: 'v1', kind: 'Pod' }])).filter((p) => !(p.metadata?.ownerReferences ?? []).length);
  await Promise.all(strays.map((p) => c.objects.delete(p, undefined, undefined, 0).then(() => deleted++, (err: unknown) => {
    if (statusCode(err) !== 404) throw err;
  })));
  // pods and claims follow through the garbage collector; wait so `down` means gone
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await listLabelled(c, namespace, networkName, [...OWNED_KINDS, ...FOLLOWERS]);
    if (left.length === 0) break;
    if (Date.now() > deadline) throw new Error(`still there ${Math.round(timeoutMs / 1000)} s after down: ${left.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const labels = ns.metadata?.labels ?? {};
  if (labels['app.kubernetes.io/managed-by'] !== MANAGED_BY || labels['app.kubernetes.io/part-of'] !== networkName) return { deleted, namespaceDeleted: false };
  const others = await foreignObjects(c, namespace);
  if (others.length > 0) return { deleted, namespaceDeleted: false, namespaceKept: `it holds objects mictract did not make: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', ...' : ''}` };
  await c.objects.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  return { deleted, namespaceDeleted: true };
}

/** Objects in the namespace that are not ours (what Kubernetes puts in every namespace aside). */
async function foreignObjects(c: Cluster, namespace: string): Promise<string[]> {
  const kinds = [...OWNED_KINDS, { apiVersion: 'v1', kind: 'Pod' }];
  const lists = await Promise.all(kinds.map(async (k) => (await c.objects.list(k.apiVersion, k.kind, namespace)).items.map((o) => ({ ...o, kind: k.kind }))));
  return lists
    .flat()
    .filter((o) => o.metadata?.labels?.['app.kubernetes.io/managed-by'] !== MANAGED_BY)
    .filter((o) => !(o.kind === 'ConfigMap' && o.metadata?.name === 'kube-root-ca.crt') && !(o.kind === 'ServiceAccount' && o.metadata?.name === 'default'))
    .map((o) => `${o.kind}/${o.metadata?.name}`);
}
