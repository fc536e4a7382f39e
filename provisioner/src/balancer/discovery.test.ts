import { makeTestCerts, type TestCerts } from '@mictract/exporter/dist/sidecar/testcerts';
import { TestPeer } from '@mictract/exporter/dist/sidecar/testpeer';
import { MarblesServer } from '@mictract/exporter/dist/sidecar/testreplica';
import { freePort, until } from '../testing/wait';
import { startBalancer, type Balancer } from './balancer';
import { startDnsDiscovery } from './dnsdiscovery';
import { replicaTls } from './replicalink';

// The balancer as it runs on Kubernetes: replicas found by resolving their headless Service (here a
// lookup the test controls, since no cluster DNS runs here), the set changing under a live peer stream,
// and TLS towards the replicas' sidecars (real marbles replicas serving TLS, a stand-in peer).

const ID = 'marbles_1.0:discoverytest';
jest.setTimeout(120_000);

async function metric(b: Balancer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await b.metrics.registry.getSingleMetric(name)!.get();
  return m.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

describe('DNS discovery of the replicas', () => {
  it('reports the addresses a name resolves to, changes only, an absent name as none, and keeps the set on other failures', async () => {
    let answer: string[] | Error = ['10.0.0.2', '10.0.0.1'];
    const seen: (readonly string[])[] = [];
    const logs: string[] = [];
    const d = startDnsDiscovery({
      target: { host: 'marbles-blue-org1-replicas', port: 7052 },
      intervalMs: 60_000,
      onChange: (a) => seen.push(a),
      log: (l) => logs.push(l),
      lookup: async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    try {
      await until(async () => seen.length === 1, 'first resolution');
      expect(seen[0]).toEqual(['10.0.0.1:7052', '10.0.0.2:7052']);
      await d.refresh();
      expect(seen).toHaveLength(1); // same answer, in another order: no change
      answer = ['10.0.0.1', '10.0.0.3', '10.0.0.3'];
      expect(await d.refresh()).toEqual(['10.0.0.1:7052', '10.0.0.3:7052']);
      answer = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
      expect(await d.refresh()).toEqual(['10.0.0.1:7052', '10.0.0.3:7052']);
      expect(logs.some((l) => /EAI_AGAIN.*keeping the 2 replica/.test(l))).toBe(true);
      answer = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      expect(await d.refresh()).toEqual([]);
      expect(seen.map((s) => s.length)).toEqual([2, 2, 0]);
    } finally {
      d.stop();
    }
  });

  it('resolves a real name through the system resolver', async () => {
    const seen: (readonly string[])[] = [];
    const d = startDnsDiscovery({ target: { host: 'localhost', port: 7052 }, intervalMs: 60_000, onChange: (a) => seen.push(a) });
    try {
      await until(async () => seen.length === 1, 'localhost resolved');
      expect(seen[0]).toContain('127.0.0.1:7052');
    } finally {
      d.stop();
    }
  });
});

describe('balancer with a discovered replica set and TLS to the replicas', () => {
  let certs: TestCerts;
  const replicas: MarblesServer[] = [];
  let balancer: Balancer;
  let peer: TestPeer;
  const logs: string[] = [];

  beforeAll(async () => {
    certs = makeTestCerts();
    const ports = await Promise.all([freePort(), freePort()]);
    const tls = { certFile: certs.files.serverCert, keyFile: certs.files.serverKey };
    replicas.push(...(await Promise.all(ports.map((p) => MarblesServer.start(ID, p, { tls })))));
    balancer = await startBalancer({
      listen: '127.0.0.1:0',
      tls: { cert: certs.serverCert, key: certs.serverKey },
      replicas: [replicas[0]!.address],
      discovered: true,
      // dialled by IP, checked against the name on the certificate (as pods are, by the Service name)
      replicaTls: replicaTls(certs.caCert, 'localhost'),
      log: (l) => logs.push(l),
      retryMinMs: 50,
      retryMaxMs: 300,
    });
    peer = await TestPeer.connect(balancer.address, { tls: { rootCert: certs.caCert }, creatorCert: certs.creatorCert });
  }, 60_000);

  afterAll(async () => {
    peer?.close();
    await balancer?.close();
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    certs?.remove();
  });

  const up = (n: number) => until(async () => (await metric(balancer, 'mictract_balancer_replicas_up')) === n, `${n} replicas up`, 20_000);

  it('serves through a TLS replica, takes a replica that joins the set, and spreads over both', async () => {
    expect(peer.registeredAs).toBe(ID);
    await up(1);
    balancer.setReplicas([replicas[0]!.address, replicas[1]!.address]);
    await up(2);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => peer.invoke('initMarble', [`d${i}`, 'blue', '1', 'ann']).result));
    expect(results.every((r) => r.type === 'COMPLETED' && r.status === 200)).toBe(true);
    for (const r of replicas) expect(await metric(balancer, 'mictract_balancer_invocations_assigned_total', { replica: r.address })).toBeGreaterThanOrEqual(10);
    expect(balancer.sessions()).toBe(1);
  });

  it('lets a replica that leaves the set finish what it holds, then closes it; new work goes to the others', async () => {
    const leaving = replicas[0]!;
    const slow = Array.from({ length: 10 }, () => peer.invoke('simulateWork', ['1000']).result);
    await until(async () => (await metric(balancer, 'mictract_balancer_invocations_in_flight', { replica: leaving.address })) === 5, 'leaving replica holds 5');
    const before = await metric(balancer, 'mictract_balancer_invocations_assigned_total', { replica: leaving.address });
    balancer.setReplicas([replicas[1]!.address]);
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => peer.invoke('readMarble', [`d${i}`]).result));
    expect(after.every((r) => r.type === 'COMPLETED' && r.status === 200)).toBe(true);
    const results = await Promise.all(slow);
    // none failed: a replica leaving the set is not a replica lost
    expect(results.filter((r) => !(r.type === 'COMPLETED' && r.status === 200))).toEqual([]);
    expect(await metric(balancer, 'mictract_balancer_invocations_assigned_total', { replica: leaving.address })).toBe(before);
    expect(await metric(balancer, 'mictract_balancer_invocations_failed_total')).toBe(0);
    await up(1);
    expect(logs.some((l) => l.includes(`replica ${leaving.address} left the set; closing after its 5 invocation(s) in flight`))).toBe(true);
    expect(balancer.sessions()).toBe(1);
  });

  it('does not take a replica whose certificate does not carry the expected name', async () => {
    const b = await startBalancer({ listen: '127.0.0.1:0', replicas: [replicas[1]!.address], discovered: true, replicaTls: replicaTls(certs.caCert, 'marbles-blue-org9'), retryMinMs: 50, retryMaxMs: 100 });
    const p = await TestPeer.connect(b.address, { creatorCert: certs.creatorCert }).catch((err: Error) => err);
    try {
      expect(await metric(b, 'mictract_balancer_replicas_up')).toBe(0);
      // the peer's stream ends as a dead chaincode's would: no replica could be reached
      const status = p instanceof Error ? p : await p.closed;
      expect(String((status as { details?: string; message?: string }).details ?? (status as Error).message)).toMatch(/no chaincode replica/);
    } finally {
      if (!(p instanceof Error)) p.close();
      await b.close();
    }
  });
});
