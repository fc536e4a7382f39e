import net from 'node:net';
import type { V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { until } from '../until';
import type { Cluster } from './cluster';
import { k8s } from './k8sclient';
import { forwardPort } from './portforward';
import { type TestCluster, startTestCluster } from './testcluster';

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

afterAll(async () => {
  await cluster?.stop();
  await new Promise((r) => echo?.close(r));
});

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
