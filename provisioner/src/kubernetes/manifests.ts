import { stringify } from 'yaml';
import type {
  V1ConfigMap,
  V1Container,
  V1ContainerPort,
  V1Deployment,
  V1EnvVar,
  V1PersistentVolumeClaim,
  V1Probe,
  V1ResourceRequirements,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { userPaths } from '../crypto/layout';
import { profilingArgs } from '../local/chaincoderuntime';
import type { Chaincode, ChaincodeSlot, Endpoint, Network, OrdererNode, Organization, PeerNode } from '../networkspec/network';
import { ANY } from './clusterview';
import { FABRIC_RELEASE, type KubernetesOptions } from './kubernetesspec';
import { CONTAINER_CRYPTO_ROOT, type IdentityFiles } from './material';
import { BALANCER_APP, EXPORTER_NAME, PEER_CONFIG_NAME, balancerName, chaincodeName, labels, ordererName, peerName, replicasServiceName, selector } from './names';
import { DATA_ROOT, PEER_CONFIG_DIR, ordererEnv, peerEnv } from './nodeenv';

// The Kubernetes objects of a resolved network, all in one namespace: per orderer and peer a
// StatefulSet (one pod, its ledger on a PersistentVolumeClaim) and a Service; per chaincode slot and
// org a Deployment of N replicas (the sidecar as a second container) behind a headless Service, and
// the org's chaincode balancer (a Deployment) behind the org's chaincode Service; the exporter as a Deployment whose ServiceAccount may only read pods. Keys are in Secrets
// and nowhere else; certificates and configuration in ConfigMaps. Pure: the crypto material is read
// beforehand (readClusterMaterial), so the same inputs always give the same objects.

/** Any object this target writes. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The crypto material the pods mount, by identity. */
export interface ClusterMaterial {
  /** By orderer or peer FQDN. */
  readonly nodes: ReadonlyMap<string, IdentityFiles>;
  /** By chaincode service CN (marbles.org1.example.com): the TLS server identity its replicas present. */
  readonly services: ReadonlyMap<string, IdentityFiles>;
  /** The identity the exporter reads blocks as (the first org's User1). */
  readonly exporter?: IdentityFiles;
}

export interface ManifestInput {
  readonly network: Network;
  readonly options: KubernetesOptions;
  /** The local folder the material was generated in (certificate paths in the env are rebased from it). */
  readonly cryptoRoot: string;
  readonly material: ClusterMaterial;
  /** The peers' core.yaml: Fabric's sampleconfig with Docker switched off. */
  readonly coreYaml: string;
  /** By chaincode name: the CCaaS package ID of the slot deployed (deterministic, so known before install). */
  readonly packageIds: ReadonlyMap<string, string>;
  /** By chaincode name: the slot deployed (default: the first, where sequence 1 runs). */
  readonly slots?: ReadonlyMap<string, string>;
}

/** fabric-shim's command line in the chaincode image (tools/kubernetes/images/chaincode.Containerfile's ENTRYPOINT). */
export const CHAINCODE_SHIM_CLI = '/chaincode/node_modules/fabric-shim/cli.js';

/** Requests and limits per container kind; quantities in their canonical form, so a second apply changes nothing. */
export const RESOURCES: Readonly<Record<'orderer' | 'peer' | 'chaincode' | 'sidecar' | 'balancer' | 'exporter', V1ResourceRequirements>> = {
  orderer: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  peer: { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
  chaincode: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  sidecar: { requests: { cpu: '20m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
  balancer: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  exporter: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
};

/** Apply order: what others refer to first. */
const KIND_ORDER = ['ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Secret', 'Service', 'StatefulSet', 'Deployment'];

export function buildManifests(input: ManifestInput): KObject[] {
  const { network } = input;
  const objects: KObject[] = [];
  const add = (...o: KObject[]) => objects.push(...o);
  const peerOrgs = network.organizations;
  if (peerOrgs.some((o) => o.peers.length > 0)) add(peerConfig(input));
  for (const node of network.ordererOrg.nodes) add(...orderer(input, node));
  for (const org of peerOrgs) for (const peer of org.peers) add(...peer_(input, org, peer));
  for (const cc of network.chaincodes) {
    // the slot the committed definition runs in (sequence 1: the first); an upgrade applies the other
    // slot's objects beside these, and deletes these once the new definition is committed
    const slot = deployedSlot(cc, input.slots);
    for (const org of peerOrgs) add(...chaincode(input, cc, slot, org));
  }
  if (network.observability) add(...exporter(input));
  return objects.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}

/** The slot of `cc` that `slots` names (by chaincode name), else the first. */
export function deployedSlot(cc: Chaincode, slots?: ReadonlyMap<string, string>): ChaincodeSlot {
  const name = slots?.get(cc.name);
  const slot = name === undefined ? cc.slots[0] : cc.slots.find((s) => s.name === name);
  if (!slot) throw new Error(`chaincode ${cc.name} has no slot "${name}" (slots: ${cc.slots.map((s) => s.name).join(', ')})`);
  return slot;
}

/** Whether an object belongs to a chaincode slot (its replicas, their Services, its balancer) rather than to the network. */
export function isChaincodeObject(o: KObject): boolean {
  const component = o.metadata.labels['app.kubernetes.io/component'];
  return component === 'chaincode' || component === 'chaincode-balancer';
}

/** The objects as one multi-document YAML stream. */
export function toYaml(objects: readonly KObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

// --- building blocks ---------------------------------------------------------------------------

function meta(input: ManifestInput, name: string, l: Record<string, string>, annotations?: Record<string, string>): KObject['metadata'] {
  return { name, namespace: input.options.namespace, labels: l, ...(annotations ? { annotations } : {}) };
}

function envList(env: Readonly<Record<string, string>>): V1EnvVar[] {
  return Object.entries(env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
}

const fieldEnv = (name: string, fieldPath: string): V1EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const DOWNWARD = [fieldEnv('POD_NAME', 'metadata.name'), fieldEnv('POD_NAMESPACE', 'metadata.namespace')];

const port = (name: string, e: Endpoint): V1ContainerPort => ({ name, containerPort: e.port, protocol: 'TCP' });

function service(input: ManifestInput, name: string, l: Record<string, string>, ports: readonly V1ContainerPort[], servicePorts?: readonly { name: string; port: number }[], opts: { headless?: boolean; selectLabels?: Record<string, string> } = {}): KObject {
  const spec: V1Service['spec'] = {
    type: 'ClusterIP',
    // headless: no virtual IP, DNS answers one address per Ready pod (what the balancer resolves)
    ...(opts.headless ? { clusterIP: 'None' } : {}),
    selector: selector(opts.selectLabels ?? l),
    ports: (servicePorts ?? ports.map((p) => ({ name: p.name!, port: p.containerPort }))).map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })),
  };
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(input, name, l), spec };
}

/** A ConfigMap of certificates and a Secret of keys, and the projected volume that lays them out as the crypto folder. */
function cryptoObjects(input: ManifestInput, name: string, l: Record<string, string>, files: IdentityFiles): { objects: KObject[]; volume: V1Volume; mount: V1VolumeMount } {
  const configMap: V1ConfigMap = { data: files.certs };
  const secret: V1Secret = { type: 'Opaque', data: Object.fromEntries(Object.entries(files.keys).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
  const volume: V1Volume = {
    name: 'crypto',
    projected: {
      defaultMode: 0o444,
      sources: [
        { configMap: { name: `${name}-crypto`, items: Object.keys(files.certs).map((key) => ({ key, path: files.paths[key]! })) } },
        ...(Object.keys(files.keys).length > 0 ? [{ secret: { name: `${name}-keys`, items: Object.keys(files.keys).map((key) => ({ key, path: files.paths[key]!, mode: 0o400 })) } }] : []),
      ],
    },
  };
  const objects: KObject[] = [{ ...configMap, apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(input, `${name}-crypto`, l) }];
  if (Object.keys(files.keys).length > 0) objects.push({ ...secret, apiVersion: 'v1', kind: 'Secret', metadata: meta(input, `${name}-keys`, l) });
  return { objects, volume, mount: { name: 'crypto', mountPath: `${CONTAINER_CRYPTO_ROOT}/${files.dir}`, readOnly: true } };
}

/** Fabric's operations endpoint: ready when /healthz answers 200; restarted when it stops answering. */
function operationsProbes(): Pick<V1Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> {
  const get: V1Probe['httpGet'] = { path: '/healthz', port: 'operations', scheme: 'HTTP' };
  return {
    startupProbe: { httpGet: get, periodSeconds: 2, failureThreshold: 60, timeoutSeconds: 2 },
    readinessProbe: { httpGet: get, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
    livenessProbe: { httpGet: get, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
  };
}

/** Pod annotations for Prometheus' usual kubernetes_sd_configs pod relabelling (prometheus.io/scrape, port, path). */
export function scrapeAnnotations(port: number, path = '/metrics'): Record<string, string> {
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': path };
}

function podTemplate(l: Record<string, string>, annotations: Record<string, string>, containers: V1Container[], volumes: V1Volume[], serviceAccount?: string) {
  return {
    metadata: { labels: l, annotations },
    spec: {
      // Kubernetes' *_SERVICE_HOST/_PORT variables would land beside CORE_* / ORDERER_* for nothing
      enableServiceLinks: false,
      automountServiceAccountToken: serviceAccount !== undefined,
      ...(serviceAccount ? { serviceAccountName: serviceAccount } : {}),
      containers,
      volumes,
    },
  };
}

function statefulSet(input: ManifestInput, name: string, l: Record<string, string>, fqdn: string, container: V1Container, volume: V1Volume, storage: string): KObject {
  const claim: V1PersistentVolumeClaim = {
    metadata: { name: 'data', labels: l },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage } },
      ...(input.options.storageClass ? { storageClassName: input.options.storageClass } : {}),
    },
  };
  const spec: V1StatefulSet['spec'] = {
    serviceName: name,
    replicas: 1,
    selector: { matchLabels: selector(l) },
    podManagementPolicy: 'Parallel',
    // `down` deletes the ledger with the node; the claims are labelled too, for the record
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
    template: podTemplate(l, { 'mictract.dev/fqdn': fqdn }, [{ ...container, volumeMounts: [...(container.volumeMounts ?? []), { name: 'data', mountPath: `${DATA_ROOT}/${fqdn}` }] }], [volume]),
    volumeClaimTemplates: [claim],
  };
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(input, name, l, { 'mictract.dev/fqdn': fqdn }), spec };
}

// --- the parts ---------------------------------------------------------------------------------

function peerConfig(input: ManifestInput): KObject {
  const l = labels({ network: input.network, app: 'fabric-peer', instance: PEER_CONFIG_NAME, component: 'peer', version: FABRIC_RELEASE[input.network.fabric] });
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(input, PEER_CONFIG_NAME, l), data: { 'core.yaml': input.coreYaml } };
}

function orderer(input: ManifestInput, node: OrdererNode): KObject[] {
  const { network, options } = input;
  const name = ordererName(node);
  const l = labels({ network, app: 'fabric-orderer', instance: name, component: 'orderer', version: FABRIC_RELEASE[network.fabric], org: network.ordererOrg.name.toLowerCase() });
  const files = input.material.nodes.get(node.fqdn);
  if (!files) throw new Error(`no crypto material for ${node.fqdn}`);
  const crypto = cryptoObjects(input, name, l, files);
  const ports = [port('grpc', node.listen), port('cluster', node.cluster), port('admin', node.admin), port('operations', node.operations)];
  const container: V1Container = {
    name: 'orderer',
    image: options.images.orderer,
    env: envList(ordererEnv(network, node, input.cryptoRoot)),
    ports,
    volumeMounts: [crypto.mount],
    resources: RESOURCES.orderer,
    ...operationsProbes(),
  };
  return [...crypto.objects, service(input, name, l, ports), statefulSet(input, name, l, node.fqdn, container, crypto.volume, options.storage.orderer)];
}

// trailing underscore: `peer` names a parameter elsewhere
function peer_(input: ManifestInput, org: Organization, peer: PeerNode): KObject[] {
  const { network, options } = input;
  const name = peerName(org, peer);
  const l = labels({ network, app: 'fabric-peer', instance: name, component: 'peer', version: FABRIC_RELEASE[network.fabric], org: org.name.toLowerCase() });
  const files = input.material.nodes.get(peer.fqdn);
  if (!files) throw new Error(`no crypto material for ${peer.fqdn}`);
  const crypto = cryptoObjects(input, name, l, files);
  const ports = [port('grpc', peer.listen), port('chaincode', peer.chaincode), port('operations', peer.operations)];
  const container: V1Container = {
    name: 'peer',
    image: options.images.peer,
    args: ['node', 'start'],
    env: envList(peerEnv(network, org, peer, input.cryptoRoot)),
    ports,
    volumeMounts: [crypto.mount, { name: 'config', mountPath: PEER_CONFIG_DIR, readOnly: true }],
    resources: RESOURCES.peer,
    ...operationsProbes(),
  };
  const sts = statefulSet(input, name, l, peer.fqdn, container, crypto.volume, options.storage.peer);
  (sts.spec as { template: { spec: { volumes: V1Volume[] } } }).template.spec.volumes.push({ name: 'config', configMap: { name: PEER_CONFIG_NAME } });
  return [...crypto.objects, service(input, name, l, ports), sts];
}

/** One org's replicas of one slot: a Deployment of N pods (chaincode server + sidecar) behind a headless Service, and the org's balancer in front. */
function chaincode(input: ManifestInput, cc: Chaincode, slot: ChaincodeSlot, org: Organization): KObject[] {
  const { network, options } = input;
  const name = chaincodeName(cc, slot, org);
  const replicas = slot.replicas.filter((r) => r.org === org.name);
  const first = replicas[0];
  if (!first) throw new Error(`chaincode ${cc.name}: no replicas for ${org.name}`);
  const endpoint = slot.endpoints.get(org.name)!;
  const l = labels({ network, app: cc.service, instance: name, component: 'chaincode', version: cc.version, org: org.name.toLowerCase(), chaincode: cc.service, slot: slot.name });
  const files = input.material.services.get(`${cc.service}.${org.domain}`);
  if (!files) throw new Error(`no crypto material for chaincode ${cc.name} of ${org.name}`);
  const crypto = cryptoObjects(input, name, l, files);
  const tlsDir = crypto.mount.mountPath;
  const packageId = input.packageIds.get(cc.name);
  if (!packageId) throw new Error(`no package ID for chaincode ${cc.name}`);
  // every pod of the Deployment shares one template: the org's first replica's ports (each pod has its own IP)
  const sidecar = cc.sidecar && first.sidecar;
  const tcpReady: V1Probe = { tcpSocket: { port: 'chaincode' }, periodSeconds: 5, failureThreshold: 3 };
  const server: V1Container = {
    name: 'chaincode',
    image: options.images.chaincodes.get(cc.name)!,
    // the image's entrypoint is fabric-shim's `server` (tools/kubernetes/images/chaincode.Containerfile);
    // with `profile: true` the same with Node's profiling flags: the inspector on the pod's loopback only
    // (no containerPort, no Service: `mictract profile --target kubernetes` reaches it by port-forward)
    ...(first.inspector ? { command: ['node', ...profilingArgs(first.inspector.port), CHAINCODE_SHIM_CLI, 'server'] } : {}),
    args: [`--chaincode-address=${sidecar ? '127.0.0.1' : ANY}:${first.listen.port}`, `--chaincode-id=${packageId}`],
    env: [
      ...DOWNWARD,
      { name: 'MICTRACT_PACKAGE_ID', value: packageId },
      // TLS is the sidecar's job when there is one; the server then listens plaintext on the pod's loopback only
      ...(sidecar ? [] : [{ name: 'CORE_CHAINCODE_TLS_CERT_FILE', value: `${tlsDir}/server.crt` }, { name: 'CORE_CHAINCODE_TLS_KEY_FILE', value: `${tlsDir}/server.key` }]),
    ],
    // with the sidecar this port is the pod's loopback only (named for the record, not reachable from outside)
    ports: [port(sidecar ? 'shim' : 'chaincode', first.listen)],
    ...(sidecar ? {} : { volumeMounts: [crypto.mount] }),
    resources: RESOURCES.chaincode,
    ...(sidecar ? {} : { readinessProbe: tcpReady, livenessProbe: { ...tcpReady, periodSeconds: 10, failureThreshold: 6 } }),
  };
  const containers: V1Container[] = [server];
  if (sidecar) {
    const sc = first.sidecar!;
    containers.push({
      name: 'sidecar',
      image: options.images.sidecar,
      args: [
        '--listen', `${ANY}:${sc.listen.port}`,
        '--tls-cert', `${tlsDir}/server.crt`,
        '--tls-key', `${tlsDir}/server.key`,
        '--replica', `127.0.0.1:${first.listen.port}`,
        '--metrics', `${ANY}:${sc.metrics.port}`,
        '--chaincode', cc.name,
        ...(options.otlpUrl ? ['--otlp-url', options.otlpUrl] : []),
      ],
      // --pod-name and --namespace default to these (the sidecar's k8s.pod.name, k8s.namespace.name)
      env: DOWNWARD,
      ports: [port('chaincode', sc.listen), port('metrics', sc.metrics)],
      volumeMounts: [crypto.mount],
      resources: RESOURCES.sidecar,
      readinessProbe: tcpReady,
      livenessProbe: { httpGet: { path: '/metrics', port: 'metrics', scheme: 'HTTP' }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
    });
  }
  const deployment: V1Deployment['spec'] = {
    replicas: replicas.length,
    selector: { matchLabels: selector(l) },
    // the chaincode's own name and the org's MSP ID (labels hold them only DNS-shaped): the exporter lists pods with them
    template: podTemplate(l, { 'mictract.dev/package-id': packageId, 'mictract.dev/chaincode-name': cc.name, 'mictract.dev/msp-id': org.mspId }, containers, [crypto.volume]),
  };
  // the replicas' headless Service: one DNS address per Ready pod, on the port the peer's stream reaches them at
  const replicaPort = sidecar ? first.sidecar!.listen.port : first.listen.port;
  const replicasService = service(input, replicasServiceName(cc, slot, org), l, [], [{ name: 'chaincode', port: replicaPort }], { headless: true });
  return [
    ...crypto.objects,
    replicasService,
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(input, name, l, { 'mictract.dev/package-id': packageId }), spec: deployment },
    ...balancer(input, cc, slot, org, { crypto, replicaPort }),
  ];
}

/**
 * One org's chaincode balancer of one slot (provisioner/src/balancer): a Deployment behind the org's
 * chaincode Service, the address the CCaaS package names. It ends the peer's TLS with the org's
 * service certificate, finds the replicas by resolving their headless Service, and dials each
 * replica's sidecar with TLS (the hop crosses the pod network), checking the certificate for the
 * chaincode Service's name. It needs no API access, so its pods get no token.
 */
function balancer(input: ManifestInput, cc: Chaincode, slot: ChaincodeSlot, org: Organization, via: { crypto: { mount: V1VolumeMount; volume: V1Volume }; replicaPort: number }): KObject[] {
  const { network, options } = input;
  const service_ = chaincodeName(cc, slot, org);
  const name = balancerName(cc, slot, org);
  const endpoint = slot.endpoints.get(org.name)!;
  const metricsAt = slot.balancerMetrics.get(org.name)!;
  const l = labels({ network, app: BALANCER_APP, instance: name, component: 'chaincode-balancer', version: options.images.balancer, org: org.name.toLowerCase(), chaincode: cc.service, slot: slot.name });
  const tlsDir = via.crypto.mount.mountPath;
  const ports = [port('chaincode', endpoint), port('metrics', metricsAt)];
  const metricsGet: V1Probe['httpGet'] = { path: '/metrics', port: 'metrics', scheme: 'HTTP' };
  const container: V1Container = {
    name: 'balancer',
    image: options.images.balancer,
    // the image's entrypoint is the balancer (node provisioner/dist/balancer/main.js)
    args: [
      '--listen', `${ANY}:${endpoint.port}`,
      '--tls-cert', `${tlsDir}/server.crt`,
      '--tls-key', `${tlsDir}/server.key`,
      '--replicas-dns', `${replicasServiceName(cc, slot, org)}:${via.replicaPort}`,
      '--replica-tls-ca', `${tlsDir}/ca.crt`,
      '--replica-tls-name', service_,
      '--metrics', `${ANY}:${metricsAt.port}`,
      // on every series: Prometheus's pod discovery does not bring these labels by itself
      '--chaincode', cc.name,
      '--org', org.mspId,
    ],
    ports,
    volumeMounts: [via.crypto.mount],
    resources: RESOURCES.balancer,
    // /metrics answers once it listens (both servers are bound before the balancer says so)
    readinessProbe: { httpGet: metricsGet, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
    livenessProbe: { httpGet: metricsGet, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
  };
  const deployment: V1Deployment['spec'] = {
    replicas: options.balancerReplicas,
    selector: { matchLabels: selector(l) },
    // a rollout never leaves the org without a balancer
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: podTemplate(l, scrapeAnnotations(metricsAt.port), [container], [via.crypto.volume]),
  };
  return [
    // the org's chaincode Service (the address in each peer's builder config and on the certificate) selects the balancer's pods
    service(input, service_, l, ports),
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(input, name, l), spec: deployment },
  ];
}

/** The exporter: reads blocks through the first org's peers as its User1; its ServiceAccount may get, list and watch pods, nothing else. */
function exporter(input: ManifestInput): KObject[] {
  const { network, options } = input;
  const obs = network.observability!;
  const org = network.organizations[0]!;
  const files = input.material.exporter;
  if (!files) throw new Error('no crypto material for the exporter');
  const l = labels({ network, app: EXPORTER_NAME, instance: EXPORTER_NAME, component: 'exporter', version: options.images.exporter, org: org.name.toLowerCase() });
  const crypto = cryptoObjects(input, EXPORTER_NAME, l, files);
  const user = userPaths(CONTAINER_CRYPTO_ROOT, { kind: 'peer', domain: org.domain }, 'User1');
  const config = {
    peers: org.peers.map((p) => ({ endpoint: `${peerName(org, p)}:${p.listen.port}`, tlsCaCert: user.tls.ca })),
    identity: { mspId: org.mspId, certificate: user.msp.signcert, privateKey: user.msp.key },
    channels: [network.channel],
    checkpointDir: `${DATA_ROOT}/exporter`,
    listen: `${ANY}:${obs.exporter.listen.port}`,
    ...(options.otlpUrl ? { otlpUrl: options.otlpUrl } : {}),
    // the chaincode pods, from the API (its ServiceAccount may get, list and watch pods here, nothing else)
    kubernetesPods: { namespace: options.namespace, labelSelector: `app.kubernetes.io/part-of=${network.name},app.kubernetes.io/component=chaincode` },
    resource: { 'service.namespace': network.name, 'k8s.namespace.name': options.namespace },
  };
  const ports = [port('metrics', obs.exporter.listen)];
  const get: V1Probe['httpGet'] = { path: '/healthz', port: 'metrics', scheme: 'HTTP' };
  const container: V1Container = {
    name: 'exporter',
    image: options.images.exporter,
    args: ['--config', '/etc/mictract/exporter/exporter.yaml'],
    env: DOWNWARD,
    ports,
    volumeMounts: [crypto.mount, { name: 'config', mountPath: '/etc/mictract/exporter', readOnly: true }, { name: 'checkpoint', mountPath: `${DATA_ROOT}/exporter` }],
    resources: RESOURCES.exporter,
    readinessProbe: { httpGet: get, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: get, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
  };
  const sa: V1ServiceAccount = { automountServiceAccountToken: true };
  const role: V1Role = { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] };
  const binding: V1RoleBinding = {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: EXPORTER_NAME },
    subjects: [{ kind: 'ServiceAccount', name: EXPORTER_NAME, namespace: options.namespace }],
  };
  const deployment: V1Deployment['spec'] = {
    replicas: 1,
    // one reader per checkpoint: never two exporters at once
    strategy: { type: 'Recreate' },
    selector: { matchLabels: selector(l) },
    template: podTemplate(l, {}, [container], [crypto.volume, { name: 'config', configMap: { name: `${EXPORTER_NAME}-config` } }, { name: 'checkpoint', emptyDir: {} }], EXPORTER_NAME),
  };
  return [
    { ...sa, apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(input, EXPORTER_NAME, l) },
    { ...role, apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(input, EXPORTER_NAME, l) },
    { ...binding, apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(input, EXPORTER_NAME, l) },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(input, `${EXPORTER_NAME}-config`, l), data: { 'exporter.yaml': stringify(config) } },
    ...crypto.objects,
    service(input, EXPORTER_NAME, l, ports),
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(input, EXPORTER_NAME, l), spec: deployment },
  ];
}
