import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { tlsCaPaths } from '../crypto/layout';
import { channelHeight } from '../fabric/channel';
import { queryCommitted } from '../fabric/lifecycle';
import { ordererProcess, peerProcess, writeCcaasBuilder, writeNodeConfig, writePeerTlsRoots } from '../fabric/nodeconfig';
import { fabricInstall } from '../fabricbinaries';
import { Supervisor } from '../local/supervisor';
import { type LoadedSpec, listeners, loadSpec } from '../networkspec';
import type { Network } from '../networkspec/network';
import { quietProgress } from '../progress';
import { FIRST, type PortRange, reservePortRange } from '../testing/portrange';
import { ensureNamespace } from './apply';
import type { Cluster } from './cluster';
import { clusterCryptoDir, ensureClusterCrypto } from './clustercrypto';
import { clusterView } from './clusterview';
import { k8s } from './k8sclient';
import { ordererName, peerName } from './names';
import { type TestCluster, startTestCluster } from './testcluster';
import { removeTempHomes, tempHome, writeSpec } from './testspecs';
import { downKubernetes, upKubernetes } from './upkubernetes';

// `up --target kubernetes` makes the channel and deploys the chaincode through port-forwards, and
// `upgrade --target kubernetes` rolls the chaincode to the other slot's Deployments: on the test
// control plane, whose kwok pods run no container, real Fabric processes stand in for the orderer and
// peer pods (kwok's PortForward objects send each pod port to the process's same port on 127.0.0.1).
// The stand-ins use the cluster's own crypto material, so the genesis block `up` makes for the
// cluster (Service names: orderer0, peer0-org1) is theirs; only the peers' deliver client needs the
// orderer's Service name mapped to 127.0.0.1 (core.yaml addressOverrides), as DNS would in a cluster.

jest.setTimeout(480_000);

const CLI = path.resolve(__dirname, '../../dist/cli.js');

let cluster: TestCluster;
let c: Cluster;
let home: string;
let range: PortRange | undefined;
let specFile: string;
let loaded: LoadedSpec;
let standIns: Supervisor | undefined;
let standInDirs: { crypto: string; config: string; data: string };

const STORAGE_CLASS = 'mictract-test';
const spec = (base: number, version: string) => ({ name: 'kcc', ports: { base }, observability: false, kubernetes: { storageClass: STORAGE_CLASS }, chaincodes: [{ name: 'marbles', version, replicas: 1, sidecar: true }] });

/** The peers' deliver client dials the orderers by the channel's (cluster) addresses: point those at the stand-ins. */
async function overrideOrdererAddresses(network: Network, configDir: string): Promise<void> {
  const file = path.join(configDir, 'core.yaml');
  const core = parseDocument(await readFile(file, 'utf8'));
  const cafile = tlsCaPaths(standInDirs.crypto, { kind: 'orderer', domain: network.ordererOrg.domain }).cert;
  const view = clusterView(network);
  core.setIn(['peer', 'deliveryclient', 'addressOverrides'], view.ordererOrg.nodes.map((o, i) => ({ from: `${o.listen.host}:${o.listen.port}`, to: `127.0.0.1:${network.ordererOrg.nodes[i]!.listen.port}`, caCertsFile: cafile })));
  await writeFile(file, core.toString());
}

beforeAll(async () => {
  home = await tempHome();
  // the stand-ins listen on the pods' port numbers: a range of free loopback ports
  specFile = await writeSpec(spec(FIRST, '1.0'), home);
  const span = Math.max(...listeners((await loadSpec(specFile)).network).map((l) => l.endpoint.port)) - FIRST + 1;
  range = await reservePortRange(span);
  await writeSpec(spec(range.base, '1.0'), home);
  loaded = await loadSpec(specFile);
  const { network } = loaded;

  const [tc, fabric] = await Promise.all([startTestCluster({ portForwards: true }), fabricInstall(network.fabric)]);
  cluster = tc;
  c = cluster.connect();
  await cluster.addNodes(1);
  await cluster.addVolumes(3, STORAGE_CLASS); // one claim per orderer and peer

  standInDirs = { crypto: clusterCryptoDir(network, home), config: path.join(home, 'standin', 'config'), data: path.join(home, 'standin', 'data') };
  await ensureClusterCrypto(network, standInDirs.crypto);
  await writeNodeConfig(fabric, standInDirs.config);
  await writePeerTlsRoots(network, standInDirs);
  await writeCcaasBuilder(network, fabric, standInDirs);
  await overrideOrdererAddresses(network, standInDirs.config);
  standIns = new Supervisor(path.join(home, 'standin'));
  const processes = [
    ...network.ordererOrg.nodes.map((o) => ordererProcess(network, o, fabric, standInDirs)),
    ...network.organizations.flatMap((org) => org.peers.map((p) => peerProcess(network, org, p, fabric, standInDirs))),
  ];
  await Promise.all(processes.map((p) => standIns!.ensure(p)));
  await Promise.all(processes.map((p) => standIns!.waitHealthy(p.name)));

  // the namespace as `up` makes it, and a PortForward per node pod, before the pods exist
  await ensureNamespace(c, network.name, network.name);
  const pods = [
    ...network.ordererOrg.nodes.map((o) => ({ pod: `${ordererName(o)}-0`, ports: [o.listen, o.admin, o.operations] })),
    ...network.organizations.flatMap((org) => org.peers.map((p) => ({ pod: `${peerName(org, p)}-0`, ports: [p.listen, p.operations] }))),
  ];
  for (const { pod, ports } of pods) {
    await c.objects.create({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: { name: pod, namespace: network.name },
      spec: { forwards: ports.map((e) => ({ ports: [e.port], target: { address: '127.0.0.1', port: e.port } })) },
    } as never);
  }
});

afterAll(async () => {
  if (loaded && cluster) await downKubernetes(loaded.network.name, quietProgress(), { kubeconfig: cluster.kubeconfig, timeoutMs: 120_000 }).catch(() => undefined);
  await Promise.all([cluster?.stop(), standIns?.stopAll(5000)]);
  await range?.release();
  await removeTempHomes();
});

const opts = () => ({ kubeconfig: cluster.kubeconfig, home, timeoutMs: 120_000 });

/** The chaincode Deployments of the network, by name. */
async function chaincodeDeployments(): Promise<string[]> {
  const apps = c.kc.makeApiClient(k8s.AppsV1Api);
  const list = await apps.listNamespacedDeployment({ namespace: loaded.network.name, labelSelector: 'app.kubernetes.io/component=chaincode' });
  return list.items.map((d) => d.metadata!.name!).sort();
}

/** What the stand-in peers hold, asked directly (not through the forwards). */
async function committedOnStandIns(): Promise<{ version: string; sequence: number } | undefined> {
  const fabric = await fabricInstall(loaded.network.fabric);
  return queryCommitted(loaded.network, fabric, standInDirs, loaded.network.chaincodes[0]!);
}

const heights = () => Promise.all(loaded.network.organizations.flatMap((o) => o.peers).map((p) => channelHeight(loaded.network, p.operations)));

describe('channel and chaincode lifecycle on the Kubernetes target, through port-forwards', () => {
  it('up makes the channel on the orderer and peer pods and commits marbles in the blue slot', async () => {
    const r = await upKubernetes(loaded, quietProgress(), opts());
    expect(r.channel).toMatchObject({ orderersJoined: 1, peersJoined: 2 });
    expect(r.channel?.chaincodes).toEqual([expect.objectContaining({ name: 'marbles', version: '1.0', sequence: 1, slot: 'blue', action: 'committed', removed: 0 })]);
    expect(await chaincodeDeployments()).toEqual(['marbles-blue-org1', 'marbles-blue-org2']);
    // the stand-ins themselves hold the channel and the definition, every peer at the same height
    expect(await committedOnStandIns()).toMatchObject({ version: '1.0', sequence: 1 });
    const h = await heights();
    expect(h[0]).toBeGreaterThanOrEqual(3); // genesis, the approvals, the commit
    expect(new Set(h).size).toBe(1);
  });

  it('a second up changes nothing: no object, no join, no install, no approval', async () => {
    const before = await heights();
    const r = await upKubernetes(loaded, quietProgress(), opts());
    expect(r.applied.filter((a) => a.action !== 'unchanged')).toEqual([]);
    expect(r.channel).toMatchObject({ orderersJoined: 0, peersJoined: 0 });
    expect(r.channel?.chaincodes).toEqual([expect.objectContaining({ version: '1.0', sequence: 1, slot: 'blue', action: 'kept' })]);
    expect(await heights()).toEqual(before);
  });

  it('upgrade --target kubernetes refuses a version already committed, naming it', async () => {
    const out = await mictract(['upgrade', specFile, 'marbles', '--target', 'kubernetes']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/marbles is already at version 1\.0 \(sequence 1\); set its new version/);
  });

  it('upgrade --target kubernetes rolls marbles to the green slot: new Deployments, the commit, then the blue ones gone', async () => {
    await writeSpec(spec(range!.base, '1.1'), home);
    const out = await mictract(['upgrade', specFile, 'marbles', '--target', 'kubernetes']);
    expect(out).toMatchObject({ code: 0 });
    expect(out.stdout).toMatch(/marbles upgraded to 1\.1 \(sequence 2, green slot, package marbles_1\.1:[0-9a-f]{64}\); [1-9]\d* objects of the old slot deleted/);
    expect(await chaincodeDeployments()).toEqual(['marbles-green-org1', 'marbles-green-org2']);
    expect(await committedOnStandIns()).toMatchObject({ version: '1.1', sequence: 2 });
    const apps = c.kc.makeApiClient(k8s.AppsV1Api);
    const green = await apps.readNamespacedDeployment({ namespace: loaded.network.name, name: 'marbles-green-org1' });
    expect(green.metadata?.annotations?.['mictract.dev/package-id']).toMatch(/^marbles_1\.1:/);
  });
});

function mictract(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, MICTRACT_HOME: home, KUBECONFIG: cluster.kubeconfig }, timeout: 300_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
