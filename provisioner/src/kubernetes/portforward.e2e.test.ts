import net from 'node:net';
import type { V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { Endpoint } from '../networkspec/network';
import { quietProgress } from '../progress';
import { until } from '../until';
import type { Cluster } from './cluster';
import { k8s } from './k8sclient';
import { ordererName, peerName } from './names';
import { forwardNetwork, forwardPort } from './portforward';
import { type TestCluster, startTestCluster } from './testcluster';
import { TEST_CORE_YAML, loadTestSpec, removeTempHomes, tempHome } from './testspecs';
import { upKubernetes } from './upkubernetes';

// pods/portforward through the real API server to a kwok pod: kwok plays the kubelet for its nodes
// and forwards a pod's port to the address its PortForward object names, here a local echo server
// standing in for the pod's process (as the local target's orderers and peers will).

let cluster: TestCluster;
let c: Cluster;
let echo: net.Server;
let echoPort: number;
const ns = 'pf';
const pod = 'orderer0-0';

function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let n = 0;
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    s.on('data', (d: Buffer) => {
      got.push(d);
      n += d.length;
      if (n >= payload.length) {
        s.end();
        resolve(Buffer.concat(got));
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed after ${n} of ${payload.length} bytes`)));
  });
}

beforeAll(async () => {
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as net.AddressInfo).port;
  cluster = await startTestCluster({ portForwards: true });
  c = cluster.connect();
  await cluster.addNodes(1);
  await c.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as never);
  await c.objects.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod, namespace: ns },
    spec: { containers: [{ name: 'orderer', image: 'hyperledger/fabric-orderer:2.5.16', ports: [{ name: 'admin', containerPort: 7053 }] }] },
  } as never);
  const core = c.kc.makeApiClient(k8s.CoreV1Api);
  await until(async () => ((await core.readNamespacedPod({ name: pod, namespace: ns })) as V1Pod).status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false, `pod ${pod} Ready`, 60_000);
  // kwok forwards the pod's admin port to the echo server
  await c.objects.create({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'PortForward',
    metadata: { name: pod, namespace: ns },
    spec: { forwards: [{ ports: [7053], target: { address: '127.0.0.1', port: echoPort } }] },
  } as never);
}, 30 * 60_000);

const identities: net.Server[] = [];

afterAll(async () => {
  await cluster?.stop();
  await new Promise((r) => echo?.close(r));
  await Promise.all(identities.map((s) => new Promise((r) => s.close(r))));
  await removeTempHomes();
});

/** A local server that answers every connection with `text` and closes: which pod and port was reached. */
async function identity(text: string): Promise<number> {
  const s = net.createServer((c) => c.end(`${text}\n`));
  identities.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

function readLine(e: Endpoint): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = net.connect(e.port, e.host);
    // one line is the whole answer (the forward stays open while our side is); a closed forward answers nothing
    s.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) s.destroy();
    });
    s.on('close', () => resolve(text));
    s.on('error', reject);
  });
}

describe('port-forward through the API server to a kwok pod', () => {
  it('bytes written to the local port come back from the echo server behind the pod', async () => {
    const errors: string[] = [];
    const fwd = await forwardPort(c.kc, ns, pod, 7053, { onError: (m) => errors.push(m) });
    try {
      const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
      let got: Buffer | undefined;
      // kwok learns of the PortForward object through its watch: until then it answers "no forward found"
      await until(async () => {
        got = await roundTrip(fwd.port, payload).catch(() => undefined);
        return got !== undefined;
      }, () => `no round trip through ${fwd.address}; errors: ${errors.join(' | ')}`, 30_000);
      expect(got!.equals(payload)).toBe(true);
      // several connections at once, each its own forward
      const many = await Promise.all([1, 2, 3].map((i) => roundTrip(fwd.port, Buffer.from(`hello ${i} `.repeat(1000)))));
      expect(many.map((b) => b.toString().slice(0, 8))).toEqual(['hello 1 ', 'hello 2 ', 'hello 3 ']);
    } finally {
      await fwd.close();
    }
  });

  it('a port the PortForward does not name: the connection is closed, and kwok\'s error reported', async () => {
    const errors: string[] = [];
    const fwd = await forwardPort(c.kc, ns, pod, 9443, { onError: (m) => errors.push(m) });
    try {
      await expect(roundTrip(fwd.port, Buffer.from('x'))).rejects.toThrow('closed after 0 of 1 bytes');
      await until(() => errors.length > 0, 'an error from the far end', 10_000);
      expect(errors.join('\n')).toMatch(/forward not found for port 9443/);
    } finally {
      await fwd.close();
    }
  });
});

describe('forwardNetwork: the demo network\'s orderer and peer pods, as the channel and lifecycle code will reach them', () => {
  it('each forwarded endpoint of the view reaches its own pod\'s port', async () => {
    const STORAGE_CLASS = 'mictract-test';
    await cluster.addVolumes(3, STORAGE_CLASS);
    const loaded = await loadTestSpec({ kubernetes: { storageClass: STORAGE_CLASS } });
    const home = await tempHome();
    await upKubernetes(loaded, quietProgress(), { kubeconfig: cluster.kubeconfig, home, coreYaml: TEST_CORE_YAML, timeoutMs: 60_000, channel: false });
    const net0 = loaded.network;
    // each pod's ports forwarded by kwok to a local server that names the pod and port
    const pods: { pod: string; ports: number[] }[] = [
      ...net0.ordererOrg.nodes.map((o) => ({ pod: `${ordererName(o)}-0`, ports: [o.listen.port, o.admin.port, o.operations.port] })),
      ...net0.organizations.flatMap((org) => org.peers.map((p) => ({ pod: `${peerName(org, p)}-0`, ports: [p.listen.port, p.operations.port] }))),
    ];
    for (const { pod: name, ports } of pods) {
      const forwards = await Promise.all(ports.map(async (port) => ({ ports: [port], target: { address: '127.0.0.1', port: await identity(`${name}:${port}`) } })));
      await c.objects.create({ apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'PortForward', metadata: { name, namespace: 'demo' }, spec: { forwards } } as never);
    }
    const fwd = await forwardNetwork(c.kc, 'demo', net0);
    try {
      const expected: [Endpoint, string][] = [
        ...net0.ordererOrg.nodes.flatMap((o, i) => {
          const v = fwd.network.ordererOrg.nodes[i]!;
          return [[v.listen, `${ordererName(o)}-0:${o.listen.port}`], [v.admin, `${ordererName(o)}-0:${o.admin.port}`], [v.operations, `${ordererName(o)}-0:${o.operations.port}`]] as [Endpoint, string][];
        }),
        ...net0.organizations.flatMap((org, i) =>
          org.peers.flatMap((p, j) => {
            const v = fwd.network.organizations[i]!.peers[j]!;
            return [[v.listen, `${peerName(org, p)}-0:${p.listen.port}`], [v.operations, `${peerName(org, p)}-0:${p.operations.port}`]] as [Endpoint, string][];
          }),
        ),
      ];
      expect(expected).toHaveLength(3 + 2 * 2);
      expect(expected.every(([e]) => e.host === '127.0.0.1')).toBe(true);
      const seen = new Map<string, string>();
      // kwok learns of the PortForward objects through its watch: until then a connection is closed empty
      await until(async () => {
        for (const [e, want] of expected) if (seen.get(want) !== want) seen.set(want, (await readLine(e).catch(() => '')).trim());
        return expected.every(([, want]) => seen.get(want) === want);
      }, () => `forwards: ${JSON.stringify([...seen])}`, 30_000);
      // the rest of the network (chaincodes, the channel's name) is the one the spec gave
      expect(fwd.network.chaincodes).toBe(net0.chaincodes);
    } finally {
      await fwd.close();
    }
  }, 180_000);
});
