import type { KubernetesObject } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { ApplyError, type Cluster, apiMessage, readObject } from './cluster';
import { k8s } from './k8sclient';
import type { KObject } from './manifests';
import { FIELD_MANAGER, MANAGED_BY } from './names';

// Server-side apply of a network's objects with field manager `mictract`: the API server merges what
// we declare and owns the rest (defaults, status), so applying the same objects again changes nothing,
// not even a resourceVersion. Objects go in kind order (what others refer to first), each kind at once.

export type ApplyAction = 'created' | 'changed' | 'unchanged';

export interface Applied {
  readonly kind: string;
  readonly name: string;
  readonly action: ApplyAction;
  readonly resourceVersion: string;
}

export interface NamespaceResult {
  readonly name: string;
  /** true when this run created it (then it carries our labels and `down` may delete it). */
  readonly created: boolean;
}

/** The namespace, made (labelled as ours) when missing; one that exists is used as it is. */
export async function ensureNamespace(c: Cluster, namespace: string, networkName: string): Promise<NamespaceResult> {
  const existing = await readObject(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (existing) return { name: namespace, created: false };
  const ns: KubernetesObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/part-of': networkName } },
  };
  await c.objects.patch(ns, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply).catch((err: unknown) => {
    throw new ApplyError(`namespace ${namespace}: ${apiMessage(err)} (${c.where})`);
  });
  return { name: namespace, created: true };
}

async function applyOne(c: Cluster, o: KObject): Promise<Applied> {
  const before = await readObject(c, o).catch(() => undefined);
  let after: KubernetesObject;
  try {
    after = await c.objects.patch(o as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  } catch (err) {
    throw new ApplyError(`${o.kind} ${o.metadata.namespace}/${o.metadata.name} was refused: ${apiMessage(err)} (${c.where})`);
  }
  const rv = after.metadata?.resourceVersion ?? '';
  const action: ApplyAction = !before ? 'created' : before.metadata?.resourceVersion === rv ? 'unchanged' : 'changed';
  return { kind: o.kind, name: o.metadata.name, action, resourceVersion: rv };
}

/** Applies every object (each kind's at once, kinds in the order given); returns what happened to each. */
export async function applyObjects(c: Cluster, objects: readonly KObject[]): Promise<Applied[]> {
  const kinds = [...new Set(objects.map((o) => o.kind))];
  const out: Applied[] = [];
  for (const kind of kinds) out.push(...(await Promise.all(objects.filter((o) => o.kind === kind).map((o) => applyOne(c, o)))));
  return out;
}

/** "29 objects: 3 created, 1 changed, 25 unchanged" */
export function summarize(applied: readonly Applied[]): string {
  const n = (a: ApplyAction) => applied.filter((x) => x.action === a).length;
  return `${applied.length} objects: ${n('created')} created, ${n('changed')} changed, ${n('unchanged')} unchanged`;
}
