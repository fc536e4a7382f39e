import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import type { LoadedSpec } from '../networkspec';
import { type ClusterManifests, clusterManifests } from './clustermanifests';
import type { KObject } from './manifests';
import { isPrivateKey } from './material';
import { TEST_CORE_YAML, loadTestSpec, removeTempHomes, tempHome } from './testspecs';

// What the demo network becomes on Kubernetes, object by object: the list, checked on the
// objects themselves (no cluster needed; the control-plane tests apply the same objects).

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { httpGet?: { path: string; port: string }; tcpSocket?: { port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string }; tcpSocket?: { port: string } };
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; projected?: { sources: { configMap?: { name: string }; secret?: { name: string } }[] } }[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
}
type Svc = KObject & { spec: { clusterIP?: string; selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] } };
type Work = KObject & { spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec }; volumeClaimTemplates?: { spec: { resources: { requests: { storage: string } }; storageClassName?: string } }[] } };

let loaded: LoadedSpec;
let m: ClusterManifests;
const get = (kind: string, name: string) => {
  const o = m.objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const work = (kind: string, name: string) => get(kind, name) as Work;

beforeAll(async () => {
  loaded = await loadTestSpec();
  m = await clusterManifests(loaded, { home: await tempHome(), coreYaml: TEST_CORE_YAML });
}, 60_000);

afterAll(removeTempHomes);

describe('the demo network as Kubernetes objects', () => {
  it('is one namespace of objects, each with the recommended labels', () => {
    expect(m.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ConfigMap/fabric-peer-config',
        ...['orderer0', 'peer0-org1', 'peer0-org2', 'marbles-blue-org1', 'marbles-blue-org2', 'mictract-exporter'].flatMap((n) => [`ConfigMap/${n}-crypto`, `Secret/${n}-keys`, `Service/${n}`]),
        'ConfigMap/mictract-exporter-config',
        'StatefulSet/orderer0', 'StatefulSet/peer0-org1', 'StatefulSet/peer0-org2',
        'Deployment/marbles-blue-org1', 'Deployment/marbles-blue-org2', 'Deployment/mictract-exporter',
        'Service/marbles-blue-org1-replicas', 'Service/marbles-blue-org2-replicas',
        'Deployment/marbles-blue-org1-balancer', 'Deployment/marbles-blue-org2-balancer',
        'ServiceAccount/mictract-exporter', 'Role/mictract-exporter', 'RoleBinding/mictract-exporter',
      ].sort(),
    );
    for (const o of m.objects) {
      expect(o.metadata.namespace).toBe('demo');
      for (const k of ['name', 'instance', 'version', 'component', 'part-of', 'managed-by']) expect(o.metadata.labels[`app.kubernetes.io/${k}`]).toBeTruthy();
      expect(o.metadata.labels['app.kubernetes.io/managed-by']).toBe('mictract');
      expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('demo');
    }
    // pods carry them too (templates), so `status` and `down` find them by label
    for (const o of m.objects.filter((x) => x.kind === 'StatefulSet' || x.kind === 'Deployment')) {
      expect((o as Work).spec.template.metadata.labels).toEqual(o.metadata.labels);
    }
  });

  it('puts private keys in Secrets and nowhere else', async () => {
    const secrets = m.objects.filter((o) => o.kind === 'Secret');
    for (const s of secrets) {
      for (const v of Object.values(s.data as Record<string, string>)) expect(isPrivateKey(Buffer.from(v, 'base64').toString())).toBe(true);
    }
    for (const o of m.objects.filter((x) => x.kind !== 'Secret')) expect(JSON.stringify(o)).not.toMatch(/PRIVATE KEY/);
    // every key a pod needs is there: each node's MSP key and TLS key, each chaincode service's TLS key, the exporter user's key
    const keys = secrets.flatMap((s) => Object.keys(s.data as Record<string, string>));
    expect(keys.filter((k) => k === 'msp.keystore.priv_sk')).toHaveLength(4);
    expect(keys.filter((k) => k === 'tls.server.key')).toHaveLength(3);
    expect(keys.filter((k) => k === 'server.key')).toHaveLength(2);
    expect(keys.filter((k) => k === 'tls.client.key')).toHaveLength(1);
    // and they are the files the material holds
    const dir = path.join(m.cryptoRoot, 'peerOrganizations/org1.example.com/peers/peer0.org1.example.com/tls');
    const local = await readFile(path.join(dir, 'server.key'), 'utf8');
    expect(Buffer.from((get('Secret', 'peer0-org1-keys').data as Record<string, string>)['tls.server.key']!, 'base64').toString()).toBe(local);
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['ca.crt', 'server.crt', 'server.key']));
  });

  it('gives each TLS server certificate the Service name pods dial', () => {
    const certOf = (cm: string, key: string) => new X509Certificate((get('ConfigMap', cm).data as Record<string, string>)[key]!);
    expect(certOf('peer0-org1-crypto', 'tls.server.crt').subjectAltName).toContain('DNS:peer0-org1');
    expect(certOf('orderer0-crypto', 'tls.server.crt').subjectAltName).toContain('DNS:orderer0');
    const cc = certOf('marbles-blue-org1-crypto', 'server.crt').subjectAltName!;
    expect(cc).toContain('DNS:marbles-blue-org1');
    expect(cc).toContain('DNS:marbles-green-org1');
  });

  it('runs orderers and peers as StatefulSets with a claim, named ports, probes on the operations endpoint, requests and limits', () => {
    for (const [name, container, storage] of [['orderer0', 'orderer', '1Gi'], ['peer0-org1', 'peer', '2Gi']] as const) {
      const s = work('StatefulSet', name);
      expect(s.spec.replicas).toBe(1);
      expect(s.spec.volumeClaimTemplates![0]!.spec.resources.requests.storage).toBe(storage);
      const c = s.spec.template.spec.containers[0]!;
      expect(c.name).toBe(container);
      expect(c.image).toBe(`hyperledger/fabric-${container}:2.5.16`);
      expect(c.ports!.map((p) => p.name)).toContain('operations');
      expect(c.readinessProbe!.httpGet).toEqual({ path: '/healthz', port: 'operations', scheme: 'HTTP' });
      expect(c.livenessProbe!.httpGet).toEqual({ path: '/healthz', port: 'operations', scheme: 'HTTP' });
      expect(c.resources!.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(c.resources!.limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      // nothing binds or dials loopback inside a pod, and every path is the container's
      for (const e of c.env!) {
        expect(e.value).not.toMatch(/127\.0\.0\.1/);
        expect(e.value).not.toContain(m.cryptoRoot);
      }
      expect(s.spec.template.spec.automountServiceAccountToken).toBe(false);
      const svc = get('Service', name) as KObject & { spec: { ports: { name: string; port: number; targetPort: string }[] } };
      expect(svc.spec.ports.find((p) => p.name === 'operations')).toEqual(expect.objectContaining({ targetPort: 'operations' }));
    }
    const env = Object.fromEntries(work('StatefulSet', 'peer0-org1').spec.template.spec.containers[0]!.env!.map((e) => [e.name, e.value]));
    expect(env.CORE_PEER_ADDRESS).toBe(`peer0-org1:${loaded.network.organizations[0]!.peers[0]!.listen.port}`);
    expect(env.CORE_PEER_LISTENADDRESS).toBe(`0.0.0.0:${loaded.network.organizations[0]!.peers[0]!.listen.port}`);
    expect(JSON.parse(env.CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG!).marbles.blue).toBe(`marbles-blue-org1:${loaded.network.chaincodes[0]!.slots[0].endpoints.get('Org1')!.port}`);
    expect(env.CORE_CHAINCODE_EXTERNALBUILDERS).toContain('/opt/hyperledger/ccaas_builder');
  });

  it("runs each org's chaincode as a Deployment of N replicas with the sidecar as a second container, behind the org's Service", () => {
    const d = work('Deployment', 'marbles-blue-org1');
    expect(d.spec.replicas).toBe(2);
    const [server, sidecar] = d.spec.template.spec.containers;
    expect(server!.image).toBe('mictract/chaincode-marbles:1.0');
    expect(server!.args).toEqual([expect.stringMatching(/^--chaincode-address=127\.0\.0\.1:\d+$/), expect.stringMatching(/^--chaincode-id=marbles_1\.0:[0-9a-f]{64}$/)]);
    expect(sidecar!.name).toBe('sidecar');
    expect(sidecar!.image).toMatch(/^mictract\/sidecar:/);
    expect(sidecar!.env).toEqual(
      expect.arrayContaining([
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ]),
    );
    expect(sidecar!.ports!.map((p) => p.name)).toEqual(['chaincode', 'metrics']);
    expect(sidecar!.readinessProbe!.tcpSocket).toEqual({ port: 'chaincode' });
    for (const c of [server!, sidecar!]) expect(c.resources!.limits).toBeDefined();
    // behind a headless Service: one DNS address per Ready replica, on the sidecar's port (what the balancer dials)
    const svc = get('Service', 'marbles-blue-org1-replicas') as Svc;
    expect(svc.spec.clusterIP).toBe('None');
    const sidecarPort = loaded.network.chaincodes[0]!.slots[0].replicas.find((r) => r.org === 'Org1')!.sidecar!.listen.port;
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'chaincode', port: sidecarPort, targetPort: 'chaincode' })]);
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(d.spec.template.metadata.labels[k]).toBe(v);
  });

  it("puts each org's chaincode balancer behind the org's chaincode Service: 2 pods, TLS both ways, replicas from DNS, probes and scraping on its metrics port", () => {
    const slot = loaded.network.chaincodes[0]!.slots[0];
    const endpoint = slot.endpoints.get('Org1')!.port;
    const metricsPort = slot.balancerMetrics.get('Org1')!.port;
    const sidecarPort = slot.replicas.find((r) => r.org === 'Org1')!.sidecar!.listen.port;
    const b = work('Deployment', 'marbles-blue-org1-balancer');
    expect(b.spec.replicas).toBe(2);
    const labels = b.spec.template.metadata.labels;
    expect(labels).toEqual(expect.objectContaining({ 'app.kubernetes.io/name': 'mictract-balancer', 'app.kubernetes.io/component': 'chaincode-balancer', 'app.kubernetes.io/instance': 'marbles-blue-org1-balancer', 'mictract.dev/org': 'org1', 'mictract.dev/slot': 'blue', 'mictract.dev/chaincode': 'marbles' }));
    const [c, ...more] = b.spec.template.spec.containers;
    expect(more).toEqual([]);
    expect(c!.image).toMatch(/^mictract\/balancer:/);
    const tls = '/etc/mictract/crypto/peerOrganizations/org1.example.com/services/marbles.org1.example.com/tls';
    expect(c!.args).toEqual([
      '--listen', `0.0.0.0:${endpoint}`,
      '--tls-cert', `${tls}/server.crt`,
      '--tls-key', `${tls}/server.key`,
      '--replicas-dns', `marbles-blue-org1-replicas:${sidecarPort}`,
      '--replica-tls-ca', `${tls}/ca.crt`,
      '--replica-tls-name', 'marbles-blue-org1',
      '--metrics', `0.0.0.0:${metricsPort}`,
      '--chaincode', 'marbles',
      '--org', 'Org1MSP',
    ]);
    // the files its flags name are in the volume it mounts (the org's service identity: ca.crt, server.crt and the key)
    const mount = (c as Container & { volumeMounts: { mountPath: string }[] }).volumeMounts[0]!.mountPath;
    expect(tls).toBe(mount);
    const sources = b.spec.template.spec.volumes[0]!.projected!.sources;
    expect(sources.map((x) => x.configMap?.name ?? x.secret?.name)).toEqual(['marbles-blue-org1-crypto', 'marbles-blue-org1-keys']);
    expect(Object.keys(get('ConfigMap', 'marbles-blue-org1-crypto').data as object)).toEqual(expect.arrayContaining(['ca.crt', 'server.crt']));
    expect(c!.ports).toEqual([expect.objectContaining({ name: 'chaincode', containerPort: endpoint }), expect.objectContaining({ name: 'metrics', containerPort: metricsPort })]);
    expect(c!.readinessProbe!.httpGet).toEqual({ path: '/metrics', port: 'metrics', scheme: 'HTTP' });
    expect(c!.livenessProbe!.httpGet).toEqual({ path: '/metrics', port: 'metrics', scheme: 'HTTP' });
    expect(c!.resources!.requests).toBeDefined();
    expect(c!.resources!.limits).toBeDefined();
    // scraped as the local target's mictract-balancer job is: pod annotations for Prometheus' kubernetes_sd pod role
    expect((b.spec.template as unknown as { metadata: { annotations: Record<string, string> } }).metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort), 'prometheus.io/path': '/metrics' });
    // no API access needed (DNS only)
    expect(b.spec.template.spec.automountServiceAccountToken).toBe(false);
    // the org's chaincode Service, the address in every peer's builder config and on the certificate, selects the balancer's pods
    const svc = get('Service', 'marbles-blue-org1') as Svc;
    expect(svc.spec.clusterIP).toBeUndefined();
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'chaincode', port: endpoint, targetPort: 'chaincode' }), expect.objectContaining({ name: 'metrics', port: metricsPort, targetPort: 'metrics' })]);
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(labels[k]).toBe(v);
    const replicas = work('Deployment', 'marbles-blue-org1');
    expect(Object.entries(svc.spec.selector).every(([k, v]) => replicas.spec.template.metadata.labels[k] === v)).toBe(false);
  });

  it('takes the number of balancer pods and their image from the spec', async () => {
    const custom = await clusterManifests(await loadTestSpec({ kubernetes: { balancer: { replicas: 3 }, images: { balancer: 'registry.example.com/balancer:2' } } }), { home: await tempHome(), coreYaml: TEST_CORE_YAML });
    const b = custom.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'marbles-blue-org2-balancer') as Work;
    expect(b.spec.replicas).toBe(3);
    expect(b.spec.template.spec.containers[0]!.image).toBe('registry.example.com/balancer:2');
    await expect(loadTestSpec({ kubernetes: { balancer: { replicas: 0 } } })).rejects.toThrow(/kubernetes\.balancer\.replicas: must be at least 1/);
  });

  it('gives the exporter a ServiceAccount that may get, list and watch pods and nothing else', () => {
    const role = get('Role', 'mictract-exporter') as KObject & { rules: unknown[] };
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const binding = get('RoleBinding', 'mictract-exporter') as KObject & { subjects: unknown[]; roleRef: unknown };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'mictract-exporter', namespace: 'demo' }]);
    const d = work('Deployment', 'mictract-exporter');
    expect(d.spec.template.spec.serviceAccountName).toBe('mictract-exporter');
    const c = d.spec.template.spec.containers[0]!;
    expect(c.readinessProbe!.httpGet).toEqual({ path: '/healthz', port: 'metrics', scheme: 'HTTP' });
    const config = (get('ConfigMap', 'mictract-exporter-config').data as Record<string, string>)['exporter.yaml']!;
    expect(config).toContain(`peer0-org1:${loaded.network.organizations[0]!.peers[0]!.listen.port}`);
    expect(config).toContain('/etc/mictract/crypto/peerOrganizations/org1.example.com/users/User1@org1.example.com/msp/keystore/priv_sk');
  });

  it('takes images, namespace and storage from the spec', async () => {
    const custom = await clusterManifests(
      await loadTestSpec({
        kubernetes: {
          namespace: 'fabric-prod',
          storageClass: 'fast',
          storage: { peer: '10Gi' },
          images: { peer: 'registry.example.com/fabric-peer:2.5.16-patched', sidecar: 'registry.example.com/sidecar:1', chaincodes: { marbles: 'registry.example.com/marbles:7' } },
        },
      }),
      { home: await tempHome(), coreYaml: TEST_CORE_YAML },
    );
    const image = (kind: string, name: string, i = 0) => (custom.objects.find((o) => o.kind === kind && o.metadata.name === name) as Work).spec.template.spec.containers[i]!.image;
    expect(custom.options.namespace).toBe('fabric-prod');
    expect(custom.objects.every((o) => o.metadata.namespace === 'fabric-prod')).toBe(true);
    expect(image('StatefulSet', 'peer0-org1')).toBe('registry.example.com/fabric-peer:2.5.16-patched');
    expect(image('StatefulSet', 'orderer0')).toBe('hyperledger/fabric-orderer:2.5.16');
    expect(image('Deployment', 'marbles-blue-org1', 0)).toBe('registry.example.com/marbles:7');
    expect(image('Deployment', 'marbles-blue-org1', 1)).toBe('registry.example.com/sidecar:1');
    const peer = custom.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'peer0-org1') as Work;
    expect(peer.spec.volumeClaimTemplates![0]!.spec).toEqual(expect.objectContaining({ storageClassName: 'fast', resources: { requests: { storage: '10Gi' } } }));
    expect(peer.metadata.labels['app.kubernetes.io/version']).toBe('2.5.16');
  });

  it('follows the Fabric release of the spec', async () => {
    const f31 = await clusterManifests(await loadTestSpec({ fabric: '3.1' }), { home: await tempHome(), coreYaml: TEST_CORE_YAML });
    const s = f31.objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'orderer0') as Work;
    expect(s.spec.template.spec.containers[0]!.image).toBe('hyperledger/fabric-orderer:3.1.5');
    // Fabric 3 has no system channel, so no bootstrap method
    expect(s.spec.template.spec.containers[0]!.env!.map((e) => e.name)).not.toContain('ORDERER_GENERAL_BOOTSTRAPMETHOD');
  });
});
