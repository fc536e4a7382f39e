import type { SpecIssue } from '../networkspec/specerror';
import type { Network } from '../networkspec/network';
import { DNS1123_LABEL, type KubernetesOptions, type KubernetesSpec } from './kubernetesspec';
import type { KObject } from './manifests';
import { EXPORTER_NAME, PEER_CONFIG_NAME, balancerName, chaincodeName, ordererName, peerName, replicasServiceName } from './names';

// Whether a network can be deployed on Kubernetes, checked before anything is written or applied:
// every object name a valid name for its kind, every Deployment with at least one replica, every
// image named. The same rules run again over the objects actually built (checkObjects), so the
// names planned here and the ones made cannot drift apart unnoticed.

/** RFC 1035 label: what a Service name must be (starts with a letter). */
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** StatefulSet pods carry the label controller-revision-hash=<name>-<10 chars>, which must fit in 63. */
const STATEFULSET_MAX = 52;

interface Planned {
  readonly name: string;
  /** What the name must be: a Service name (and everything else named alike), or a StatefulSet's. */
  readonly service: boolean;
  readonly statefulSet: boolean;
  /** The spec field it comes from. */
  readonly field: string;
  /** Objects made beside it whose names add a suffix. */
  readonly suffixes: readonly string[];
}

/** Every object name the manifests will use, with the spec field each comes from. */
export function plannedNames(network: Network): Planned[] {
  const out: Planned[] = [];
  const crypto = ['-crypto', '-keys'];
  network.ordererOrg.nodes.forEach((o) => out.push({ name: ordererName(o), service: true, statefulSet: true, field: 'orderers.nodes', suffixes: crypto }));
  network.organizations.forEach((org, i) => org.peers.forEach((p) => out.push({ name: peerName(org, p), service: true, statefulSet: true, field: `organizations[${i}]`, suffixes: crypto })));
  network.chaincodes.forEach((cc, c) =>
    network.organizations.forEach((org) =>
      cc.slots.forEach((slot) => {
        const field = `chaincodes[${c}].name`;
        out.push({ name: chaincodeName(cc, slot, org), service: true, statefulSet: false, field, suffixes: crypto });
        // the balancer's Deployment and the replicas' headless Service (a Service name: a DNS label)
        out.push({ name: balancerName(cc, slot, org), service: false, statefulSet: false, field, suffixes: [] });
        out.push({ name: replicasServiceName(cc, slot, org), service: true, statefulSet: false, field, suffixes: [] });
      }),
    ),
  );
  if (network.organizations.some((o) => o.peers.length > 0)) out.push({ name: PEER_CONFIG_NAME, service: false, statefulSet: false, field: 'organizations', suffixes: [] });
  if (network.observability) out.push({ name: EXPORTER_NAME, service: true, statefulSet: false, field: 'observability', suffixes: [...crypto, '-config'] });
  return out;
}

function nameProblem(name: string, p: { service: boolean; statefulSet: boolean }): string | undefined {
  if (p.service && !(name.length <= 63 && DNS1035_LABEL.test(name))) {
    return `becomes the Kubernetes Service name "${name}", which must be a DNS label: at most 63 lower-case letters, digits and "-", starting with a letter; shorten or rename it`;
  }
  if (!p.service && !(name.length <= 253 && DNS1123_LABEL.test(name))) return `becomes the object name "${name}", which must be lower-case letters, digits and "-"`;
  if (p.statefulSet && name.length > STATEFULSET_MAX) return `becomes the StatefulSet "${name}", longer than ${STATEFULSET_MAX} characters (its pods' revision label must fit in 63); shorten it`;
  return undefined;
}

/** Everything that would stop the network from deploying, as spec issues; empty when it can be deployed. */
export function checkDeployable(network: Network, options: KubernetesOptions, spec: KubernetesSpec = {}): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (!(options.namespace.length <= 63 && DNS1123_LABEL.test(options.namespace))) {
    issues.push({ field: spec.namespace === undefined ? 'name' : 'kubernetes.namespace', message: 'is the namespace, which must be a DNS label: at most 63 lower-case letters, digits and "-"; set kubernetes.namespace or pass --namespace', value: options.namespace });
  }
  const seen = new Map<string, string>();
  for (const p of plannedNames(network)) {
    const problem = nameProblem(p.name, p);
    if (problem) issues.push({ field: p.field, message: problem });
    for (const n of [p.name, ...p.suffixes.map((s) => p.name + s)]) {
      const other = seen.get(n);
      if (other !== undefined && other !== p.field) issues.push({ field: p.field, message: `becomes the object name "${n}", which ${other} also uses; rename one of them` });
      seen.set(n, p.field);
    }
  }
  network.chaincodes.forEach((cc, c) => {
    cc.slots.forEach((slot) =>
      network.organizations.forEach((org) => {
        const n = slot.replicas.filter((r) => r.org === org.name).length;
        if (n < 1) issues.push({ field: `chaincodes[${c}].replicas`, message: `must be at least 1: ${org.name} would run no replica of ${cc.name}` });
      }),
    );
  });
  const images: [string, string][] = [
    ['kubernetes.images.peer', options.images.peer],
    ['kubernetes.images.orderer', options.images.orderer],
    ...(network.chaincodes.some((cc) => cc.sidecar) ? [['kubernetes.images.sidecar', options.images.sidecar] as [string, string]] : []),
    ...(network.observability ? [['kubernetes.images.exporter', options.images.exporter] as [string, string]] : []),
    ...(network.chaincodes.length > 0 ? [['kubernetes.images.balancer', options.images.balancer] as [string, string]] : []),
    ...network.chaincodes.map((cc): [string, string] => [`kubernetes.images.chaincodes.${cc.name}`, options.images.chaincodes.get(cc.name) ?? '']),
  ];
  for (const [field, image] of images) if (!/^[^\s]+$/.test(image)) issues.push({ field, message: 'must name an image (not empty, no spaces)', value: image });
  for (const name of Object.keys(spec.images?.chaincodes ?? {})) {
    if (!network.chaincodes.some((cc) => cc.name === name)) issues.push({ field: `kubernetes.images.chaincodes.${name}`, message: `names no chaincode of this spec; known: ${network.chaincodes.map((cc) => cc.name).join(', ') || 'none'}` });
  }
  return issues;
}

/** The same rules over built objects; a problem here is a bug in the manifests, not in the spec. */
export function checkObjects(objects: readonly KObject[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.name}`;
    if (seen.has(id)) problems.push(`${id} twice`);
    seen.add(id);
    const p = nameProblem(o.metadata.name, { service: o.kind === 'Service', statefulSet: o.kind === 'StatefulSet' });
    if (p) problems.push(`${id}: ${p}`);
    for (const [k, v] of Object.entries(o.metadata.labels)) {
      if (!(v.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))) problems.push(`${id}: label ${k}=${v} is not a valid label value`);
    }
    const spec = o.spec as { replicas?: number; template?: { spec: { containers: { name: string; image?: string; ports?: { name?: string }[] }[] } } } | undefined;
    if (spec?.replicas !== undefined && !(spec.replicas >= 1)) problems.push(`${id}: replicas ${spec.replicas}`);
    for (const c of spec?.template?.spec.containers ?? []) {
      if (!c.image || /\s/.test(c.image)) problems.push(`${id}: container ${c.name} has no image`);
      for (const port of c.ports ?? []) if (!port.name || port.name.length > 15) problems.push(`${id}: container ${c.name} port name "${port.name}" (at most 15 characters)`);
    }
    if (o.kind === 'ConfigMap' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(JSON.stringify(o))) problems.push(`${id}: holds a private key; keys go in Secrets only`);
  }
  return problems;
}
