import type { CoreV1Event, V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { type Cluster, readObject } from './cluster';
import { k8s } from './k8sclient';
import type { KObject } from './manifests';
import { networkSelector } from './names';

// The real state of a network's pods, from the API server: phase, readiness, restarts, node, and for
// a pod that is not Ready the latest events about it (why it is pending, failing its probe, crashing).

export interface PodState {
  readonly name: string;
  readonly component: string;
  readonly phase: string;
  readonly ready: boolean;
  /** Ready containers / all. */
  readonly containers: string;
  readonly restarts: number;
  readonly node: string;
  readonly age: string;
  readonly terminating: boolean;
  /** The latest events about it when it is not Ready ("FailedScheduling: 0/1 nodes are available: ..."). */
  readonly events: readonly string[];
}

function age(since: Date | undefined, now: number): string {
  if (!since) return '-';
  const s = Math.max(0, Math.round((now - since.getTime()) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

export function podState(p: V1Pod, events: readonly CoreV1Event[] = [], now = Date.now()): PodState {
  const statuses = p.status?.containerStatuses ?? [];
  const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const mine = events
    .filter((e) => e.involvedObject.name === p.metadata?.name)
    .sort((a, b) => (eventTime(a) ?? 0) - (eventTime(b) ?? 0))
    .slice(-3)
    .map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`.trim());
  return {
    name: p.metadata?.name ?? '',
    component: p.metadata?.labels?.['app.kubernetes.io/component'] ?? '',
    phase: p.status?.phase ?? 'Unknown',
    ready,
    containers: `${statuses.filter((s) => s.ready).length}/${p.spec?.containers.length ?? statuses.length}`,
    restarts: statuses.reduce((n, s) => n + s.restartCount, 0),
    node: p.spec?.nodeName ?? '-',
    age: age(p.status?.startTime ?? p.metadata?.creationTimestamp, now),
    terminating: p.metadata?.deletionTimestamp !== undefined,
    events: ready ? [] : mine,
  };
}

function eventTime(e: CoreV1Event): number | undefined {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : undefined;
}

export async function listPods(c: Cluster, namespace: string, networkName: string): Promise<V1Pod[]> {
  const core = c.kc.makeApiClient(k8s.CoreV1Api);
  return (await core.listNamespacedPod({ namespace, labelSelector: networkSelector(networkName) })).items;
}

export async function podStates(c: Cluster, namespace: string, networkName: string): Promise<PodState[]> {
  const core = c.kc.makeApiClient(k8s.CoreV1Api);
  const [pods, events] = await Promise.all([
    listPods(c, namespace, networkName),
    core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.kind=Pod' }).then((l) => l.items),
  ]);
  const now = Date.now();
  return pods.map((p) => podState(p, events, now)).sort((a, b) => a.name.localeCompare(b.name));
}

/** How many pods the objects ask for: the replicas of every StatefulSet and Deployment. */
export function expectedPods(objects: readonly KObject[]): number {
  return objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment').reduce((n, o) => n + ((o.spec as { replicas?: number }).replicas ?? 1), 0);
}

export interface ReadyWait {
  readonly ready: number;
  readonly expected: number;
  readonly ms: number;
}

/**
 * Waits until `expected` of the network's pods are Ready and none is terminating (a rollout left
 * behind), polling every 250 ms. On timeout, throws naming the pods that are not Ready and why.
 */
export async function waitPodsReady(c: Cluster, namespace: string, networkName: string, expected: number, timeoutMs: number, onProgress?: (ready: number, expected: number) => void): Promise<ReadyWait> {
  const start = Date.now();
  let last = -1;
  for (;;) {
    const pods = (await listPods(c, namespace, networkName)).map((p) => podState(p));
    const ready = pods.filter((p) => p.ready && !p.terminating).length;
    if (ready !== last) onProgress?.(ready, expected);
    last = ready;
    if (ready >= expected && pods.every((p) => p.ready && !p.terminating)) return { ready, expected, ms: Date.now() - start };
    if (Date.now() - start > timeoutMs) {
      const states = await podStates(c, namespace, networkName);
      const waiting = states.filter((p) => !p.ready);
      throw new Error(
        `${ready} of ${expected} pods Ready after ${Math.round(timeoutMs / 1000)} s in namespace ${namespace} (${c.where})` +
          (waiting.length ? `; not Ready:\n${waiting.map((p) => `  ${p.name} ${p.phase}${p.events.length ? `: ${p.events.join('; ')}` : ''}`).join('\n')}` : ''),
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface WorkloadStatus {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; readyReplicas?: number; updatedReplicas?: number; replicas?: number };
}

/** Whether a Deployment or StatefulSet has rolled out its current spec: every replica updated and Ready, no old one left. */
export function rolledOut(w: WorkloadStatus): boolean {
  const want = w.spec?.replicas ?? 1;
  const s = w.status ?? {};
  return (s.observedGeneration ?? 0) >= (w.metadata?.generation ?? 1) && (s.updatedReplicas ?? 0) >= want && (s.readyReplicas ?? 0) >= want && (s.replicas ?? 0) === want;
}

/**
 * Waits until each StatefulSet and Deployment among `objects` has rolled out (its controller says so,
 * not a count of pods, which old replicas of a rollout would inflate). On timeout, names those that
 * have not, with the network's pods that are not Ready and why.
 */
export async function waitWorkloadsReady(c: Cluster, objects: readonly KObject[], networkName: string, timeoutMs: number): Promise<ReadyWait> {
  const start = Date.now();
  const workloads = objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment');
  const expected = expectedPods(workloads);
  for (;;) {
    const states = await Promise.all(workloads.map(async (o) => ({ o, done: rolledOut(((await readObject(c, o)) ?? {}) as WorkloadStatus) })));
    if (states.every((s) => s.done)) return { ready: expected, expected, ms: Date.now() - start };
    if (Date.now() - start > timeoutMs) {
      const namespace = workloads[0]!.metadata.namespace;
      const waiting = (await podStates(c, namespace, networkName)).filter((p) => !p.ready);
      throw new Error(
        `not rolled out after ${Math.round(timeoutMs / 1000)} s in namespace ${namespace} (${c.where}): ${states.filter((s) => !s.done).map((s) => `${s.o.kind} ${s.o.metadata.name}`).join(', ')}` +
          (waiting.length ? `; pods not Ready:\n${waiting.map((p) => `  ${p.name} ${p.phase}${p.events.length ? `: ${p.events.join('; ')}` : ''}`).join('\n')}` : ''),
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
