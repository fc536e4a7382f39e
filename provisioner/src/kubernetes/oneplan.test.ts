import path from 'node:path';
import { generateCrypto } from '../crypto';
import { FABRIC_PROGRAMS, type FabricInstall, type FabricProgram } from '../fabricbinaries';
import { ordererProcess, peerProcess } from '../fabric/nodeconfig';
import { chaincodeProcesses, endpointName, sidecarName } from '../local/chaincoderuntime';
import type { ProcessSpec } from '../local/supervisor';
import { cryptoSpecOf } from '../networkcrypto';
import type { LoadedSpec } from '../networkspec';
import { exporterProcess } from '../observability/exporterprocess';
import { buildCcaasPackage } from '../ccaas/ccaaspackage';
import { clusterManifests } from './clustermanifests';
import type { KObject } from './manifests';
import { chaincodeName } from './names';
import { TEST_CORE_YAML, loadTestSpec, removeTempHomes, tempHome } from './testspecs';

// One plan, two targets: the local target's processes and the Kubernetes objects are both made from
// the network one spec resolves to (buildNetwork), so they agree on orgs, nodes, ports, replicas and
// sidecars. The local side is computed with the local target's own functions (nothing is started).

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
}
interface Workload {
  metadata: { name: string; annotations?: Record<string, string>; labels: Record<string, string> };
  spec: { replicas: number; template: { spec: { containers: Container[] } } };
}

const fakeFabric = (line: FabricInstall['line']): FabricInstall => ({
  line,
  bin: '/fabric/bin',
  config: '/fabric/config',
  builderDir: '/fabric',
  programs: Object.fromEntries(FABRIC_PROGRAMS.map((p) => [p, `/fabric/bin/${p}`])) as Record<FabricProgram, string>,
});

async function localProcesses(loaded: LoadedSpec, home: string): Promise<ProcessSpec[]> {
  const { network } = loaded;
  const dirs = { network: path.join(home, 'local'), crypto: path.join(home, 'local', 'crypto'), config: path.join(home, 'local', 'config'), data: path.join(home, 'local', 'data') };
  await generateCrypto(cryptoSpecOf(network), dirs.crypto);
  const fabric = fakeFabric(network.fabric);
  const out: ProcessSpec[] = [
    ...network.ordererOrg.nodes.map((o) => ordererProcess(network, o, fabric, dirs)),
    ...network.organizations.flatMap((org) => org.peers.map((p) => peerProcess(network, org, p, fabric, dirs))),
  ];
  for (const cc of network.chaincodes) {
    const slot = cc.slots[0];
    out.push(...(await chaincodeProcesses(network, cc, slot, dirs.crypto, (await buildCcaasPackage(cc.name, cc.version, slot.name)).packageId)));
  }
  const exporter = await exporterProcess(network, dirs, undefined);
  if (exporter) out.push(exporter);
  return out;
}

const workloads = (objects: KObject[], kind: string) => objects.filter((o) => o.kind === kind) as unknown as Workload[];
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
const portsOf = (w: Workload) => w.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)).sort();

afterAll(removeTempHomes);

describe.each([
  ['the demo (2 orgs, 1 orderer, marbles x2 with sidecars)', {}],
  [
    'topology B with a second chaincode without sidecar (2 orgs x 2 peers, 3 orderers)',
    {
      orderers: { nodes: 3 },
      organizations: [{ name: 'Org1', peers: 2 }, { name: 'Org2', peers: 2 }],
      chaincodes: [{ name: 'marbles', version: '1.0', replicas: 3, sidecar: true }, { name: 'plain_cc', version: '2.1', replicas: 1, sidecar: false }],
    },
  ],
  ['one org, no observability', { organizations: [{ name: 'Org1', peers: 1 }], observability: false }],
])('one plan, two targets: %s', (_title, over) => {
  let local: ProcessSpec[];
  let objects: KObject[];
  let loaded: LoadedSpec;

  beforeAll(async () => {
    loaded = await loadTestSpec(over);
    const home = await tempHome();
    local = await localProcesses(loaded, home);
    objects = (await clusterManifests(loaded, { home, coreYaml: TEST_CORE_YAML })).objects;
  }, 60_000);

  const byName = () => new Map(local.map((p) => [p.name, p]));

  it('has the same orderers and peers, with the same MSP IDs and the same ports', () => {
    const sets = workloads(objects, 'StatefulSet');
    const fqdns = sets.map((s) => s.metadata.annotations!['mictract.dev/fqdn']!).sort();
    const nodes = [...loaded.network.ordererOrg.nodes.map((o) => o.fqdn), ...loaded.network.organizations.flatMap((o) => o.peers.map((p) => p.fqdn))].sort();
    expect(fqdns).toEqual(nodes);
    const procs = byName();
    for (const s of sets) {
      const fqdn = s.metadata.annotations!['mictract.dev/fqdn']!;
      const p = procs.get(fqdn)!;
      expect(p).toBeDefined();
      expect(s.spec.replicas).toBe(1);
      expect(portsOf(s)).toEqual(p.ports.map((e) => e.port).sort());
      const env = envOf(s.spec.template.spec.containers[0]!);
      // the same settings, by name (PATH is the image's own)
      // the one difference: the local peers' builder reads the chaincode addresses from a file (a new
      // chaincode needs no restart), the containers' from their environment (a new chaincode rolls them)
      const local = Object.keys(p.env ?? {}).filter((k) => k !== 'PATH').map((k) => (k === 'MICTRACT_CCAAS_BUILDER_CONFIG' ? 'CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG' : k));
      expect(Object.keys(env).sort()).toEqual(local.sort());
      for (const k of ['CORE_PEER_LOCALMSPID', 'ORDERER_GENERAL_LOCALMSPID', 'CORE_PEER_ID', 'ORDERER_GENERAL_BOOTSTRAPMETHOD']) expect(env[k]).toBe(p.env?.[k]);
    }
    const orgs = new Set(sets.map((s) => envOf(s.spec.template.spec.containers[0]!).CORE_PEER_LOCALMSPID).filter(Boolean));
    expect([...orgs].sort()).toEqual(loaded.network.organizations.map((o) => o.mspId).sort());
  });

  it("runs each org's chaincode replicas as one Deployment of as many pods, the sidecar beside each, behind the org's endpoint port", () => {
    const deployments = new Map(workloads(objects, 'Deployment').map((d) => [d.metadata.name, d]));
    const services = new Map(objects.filter((o) => o.kind === 'Service').map((s) => [s.metadata.name, s as unknown as { spec: { ports: { port: number }[] } }]));
    const procs = byName();
    let replicas = 0;
    for (const cc of loaded.network.chaincodes) {
      const slot = cc.slots[0];
      for (const org of loaded.network.organizations) {
        const name = chaincodeName(cc, slot, org);
        const d = deployments.get(name)!;
        const localReplicas = slot.replicas.filter((r) => r.org === org.name).map((r) => procs.get(r.name)!);
        expect(localReplicas.every(Boolean)).toBe(true);
        expect(d.spec.replicas).toBe(localReplicas.length);
        replicas += d.spec.replicas;
        const containers = d.spec.template.spec.containers.map((c) => c.name);
        const localSidecars = slot.replicas.filter((r) => r.org === org.name && procs.has(sidecarName(r)));
        expect(containers).toEqual(cc.sidecar ? ['chaincode', 'sidecar'] : ['chaincode']);
        expect(localSidecars.length).toBe(cc.sidecar ? d.spec.replicas : 0);
        // every pod shares one template: the first replica's ports, as the local target gives that replica and its sidecar
        const first = slot.replicas.find((r) => r.org === org.name)!;
        const localPorts = [procs.get(first.name)!, ...(cc.sidecar ? [procs.get(sidecarName(first))!] : [])].flatMap((p) => p.ports.map((e) => e.port)).sort();
        expect(portsOf(d)).toEqual(localPorts);
        // the org's balancer: a local process, a Deployment behind the org's chaincode Service in the cluster, on the same ports (serving, metrics)
        const endpoint = procs.get(endpointName(cc, slot, org.name))!;
        const balancer = deployments.get(`${name}-balancer`)!;
        expect(portsOf(balancer)).toEqual(endpoint.ports.map((e) => e.port).sort());
        expect(services.get(name)!.spec.ports.map((p) => p.port)).toEqual(endpoint.ports.map((e) => e.port));
      }
    }
    const localReplicaCount = loaded.network.chaincodes.reduce((n, cc) => n + cc.slots[0].replicas.length, 0);
    expect(replicas).toBe(localReplicaCount);
  });

  it('has the exporter exactly when the local target runs it, on the same port', () => {
    const exporter = byName().get('mictract-exporter');
    const d = workloads(objects, 'Deployment').find((w) => w.metadata.name === 'mictract-exporter');
    expect(Boolean(d)).toBe(Boolean(exporter));
    if (d && exporter) expect(portsOf(d)).toEqual(exporter.ports.map((e) => e.port));
  });
});
