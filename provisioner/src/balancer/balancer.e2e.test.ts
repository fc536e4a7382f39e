import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { evaluate, submit } from '../gateway/transact';
import { startTestNetwork, type TestNetwork } from '../testing/localnetwork';
import { until } from '../until';

// The balancer in front of a real Fabric 2.5 peer: 1 org, 1 peer, marbles with 3 replicas, each behind
// its tracing sidecar. Per-replica counts come from the sidecars' own metrics (an independent witness),
// launches from the peer's chaincode_launch_duration (one sample per launch, failed ones too) and its log.

jest.setTimeout(300_000);

async function scrape(host: string, port: number): Promise<string> {
  const res = await fetch(`http://${host}:${port}/metrics`);
  return res.text();
}

/** Sum of a family's samples whose label text contains every `has` fragment. */
function sum(text: string, name: string, ...has: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => has.every((h) => l.includes(h)))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('chaincode balancer on a real peer', () => {
  let net: TestNetwork;
  const replicas = () => net.network.chaincodes[0]!.slots[0].replicas;
  const invocations = async () => Promise.all(replicas().map(async (r) => sum(await scrape(r.sidecar!.metrics.host, r.sidecar!.metrics.port), 'mictract_chaincode_invocations_total')));
  const inFlight = async () => Promise.all(replicas().map(async (r) => sum(await scrape(r.sidecar!.metrics.host, r.sidecar!.metrics.port), 'mictract_chaincode_invocations_in_flight')));
  const launches = async () => {
    const p = net.network.organizations[0]!.peers[0]!;
    return sum(await scrape(p.operations.host, p.operations.port), 'chaincode_launch_duration_count', 'marbles_');
  };

  beforeAll(async () => {
    net = await startTestNetwork({ name: 'bal', orgs: 1, replicas: 3 });
  });
  afterAll(async () => {
    await net?.destroy();
  });

  it('spreads a few hundred invocations over all three replicas, every result correct', async () => {
    const conn = await net.connect();
    const marbles = conn.contract('marbles');
    try {
      const before = await invocations();
      await Promise.all(Array.from({ length: 30 }, (_, i) => submit(marbles, 'initMarble', [`bal${i}`, 'blue', String(i + 1), 'ann'])));
      for (let round = 0; round < 10; round++) {
        const read = await Promise.all(Array.from({ length: 30 }, (_, i) => evaluate(marbles, 'readMarble', [`bal${i}`])));
        expect(read.map((r) => (JSON.parse(r.result) as { size: number }).size)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      }
      const after = await invocations();
      const share = after.map((n, i) => n - before[i]!);
      const total = share.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(330);
      for (const n of share) expect(n).toBeGreaterThanOrEqual(total * 0.2); // least in flight: about a third each
      expect(await launches()).toBe(1);
      // each replica's sidecar told the balancer its pod: the address it dials maps to the replica's name
      const ep = net.network.chaincodes[0]!.slots[0].balancerMetrics.get(net.network.organizations[0]!.name)!;
      const text = await scrape(ep.host, ep.port);
      for (const r of replicas()) expect(text).toMatch(new RegExp(`^mictract_balancer_replica_info\\{replica="${r.sidecar!.listen.host}:${r.sidecar!.listen.port}",pod="${r.name}",chaincode="marbles",org="Org1MSP"\\} 1$`, 'm'));
    } finally {
      conn.close();
    }
  });

  it('fails only the invocations in flight on a killed replica, then serves everything; the peer never relaunches', async () => {
    const conn = await net.connect();
    const marbles = conn.contract('marbles');
    try {
      const victim = replicas()[1]!;
      const slow = Array.from({ length: 45 }, () => evaluate(marbles, 'simulateWork', ['4000']).then(() => 'ok', (e: Error) => e.message));
      await until(async () => (await inFlight()).reduce((a, b) => a + b, 0) === 45, 'all 45 in flight', 20_000);
      const held = (await inFlight())[1]!;
      expect(held).toBeGreaterThanOrEqual(10);
      const pid = (await net.supervisor.status()).find((p) => p.name === victim.name)!.pid;
      process.kill(pid, 'SIGKILL');
      const outcomes = await Promise.all(slow);
      const failed = outcomes.filter((o) => o !== 'ok');
      expect(failed).toHaveLength(held); // exactly those the victim held
      // named by the pod its sidecar gave, and the address the balancer dials
      for (const f of failed) expect(f).toMatch(new RegExp(`replica ${victim.name} \\(127\\.0\\.0\\.1:\\d+\\) was lost`));
      const afterKill = await Promise.all(Array.from({ length: 60 }, (_, i) => evaluate(marbles, 'readMarble', [`bal${i % 30}`])));
      expect(afterKill).toHaveLength(60); // every one succeeded (evaluate throws otherwise)
      expect(await launches()).toBe(1);

      // restart it (`up` restarts crashed processes): the balancer dials it again and it takes work
      const up = await net.cli(['up', net.specFile]);
      expect(`exit ${up.code}: ${up.stderr}`).toBe(`exit 0: ${up.stderr}`);
      const base = (await invocations())[1]!;
      await until(async () => {
        await Promise.all(Array.from({ length: 12 }, (_, i) => evaluate(marbles, 'readMarble', [`bal${i}`])));
        return (await invocations())[1]! > base + 2;
      }, 'the restarted replica takes work', 30_000);
      expect(await launches()).toBe(1);
      const peerLog = await readFile(path.join(net.dirs.network, 'logs', `${net.network.organizations[0]!.peers[0]!.fqdn}.log`), 'utf8');
      expect(peerLog).not.toMatch(/could not launch|chaincode registration failed|chaincode stream .* terminated/i);
    } finally {
      conn.close();
    }
  });
});
