import { channelHeight, waitRaftLeader } from '../fabric/channel';
import { queryCommitted } from '../fabric/lifecycle';
import { ordererChannelInfo } from '../fabric/members';
import { fabricInstall } from '../fabricbinaries';
import { evaluate, submit } from '../gateway/transact';
import { startTestNetwork, type TestNetwork } from '../testing/localnetwork';
import { until } from '../until';
import { MarblesWorkload } from '../workload/marblesworkload';

// Growing a running network from its spec: one org and one orderer become two orgs (one with a new
// peer) and three Raft orderers, under a workload, with the exporter, Prometheus and the sidecars
// running. Real Fabric 2.5 throughout; the Fabric 3.1 case is lighter.

jest.setTimeout(300_000);

/** What Fabric itself fails while a chaincode definition or the consenter set changes (see network.e2e.test.ts). */
const REDEFINITION = /ENDORSEMENT_POLICY_FAILURE/;
const ALLOWED = /MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT|does not exist|already exists|ProposalResponsePayloads do not match|changed during invoke/;

async function prometheusValue(net: TestNetwork, query: string): Promise<number | undefined> {
  const p = net.network.observability!.prometheus;
  const res = await fetch(`http://${p.host}:${p.port}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  const first = body.data.result[0];
  return first ? Number(first.value[1]) : undefined;
}

describe('growing a running Fabric 2.5 network from its spec', () => {
  let net: TestNetwork;
  beforeAll(async () => {
    net = await startTestNetwork({ name: 'grow', orgs: 1, orderers: 1, replicas: 1, observability: true });
  }, 240_000);
  afterAll(async () => {
    await net?.destroy();
  });

  it('plans the change in words, then adds an org, a peer and two orderers under load without failing the first org', async () => {
    const exporterPid = (await net.supervisor.status()).find((p) => p.name === 'mictract-exporter')?.pid;
    expect(exporterPid).toBeDefined();
    await net.respec({ orgs: 2, peersPerOrg: [2, 1], orderers: 3 });
    const plan = await net.cli(['plan', net.specFile]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('add orderer orderer1.example.com');
    expect(plan.stdout).toContain('add orderer orderer2.example.com');
    expect(plan.stdout).toContain('add organization Org2 (1 peer)');
    expect(plan.stdout).toContain('add Org1 peer1');
    expect(plan.stdout).toMatch(/marbles: endorsement policy to a majority of Org1, Org2/);
    // planning changed nothing
    expect((await net.supervisor.status()).some((p) => p.name.startsWith('orderer1'))).toBe(false);

    const conn = await net.connect({ org: 'Org1' });
    try {
      const workload = new MarblesWorkload(conn.contract('marbles'), { rate: 10, prefix: 'grow' });
      const running = workload.run();
      await until(() => workload.started >= 20, 'workload under way', 30_000);
      const up = await net.cli(['up', net.specFile]);
      expect(up.stderr).toMatch(/Raft consenters .*orderer1, orderer2 added/);
      expect(up.stderr).toMatch(/organizations in the channel configuration .*Org2MSP added/);
      expect(up.code).toBe(0);
      const grown = workload.started;
      const grownAt = Date.now();
      await until(() => workload.started >= grown + 20, 'workload continues on the grown network', 30_000);
      workload.stop();
      const stats = await running;
      process.stdout.write(`grow: ${JSON.stringify(stats.committed)} committed, failures ${JSON.stringify(stats.failed)}\n${up.stderr.split('\n').filter((l) => l.startsWith('✓')).join('\n')}\n`);
      expect(stats.failures.filter((f) => !ALLOWED.test(`${f.reason} ${f.message}`) && !REDEFINITION.test(f.reason))).toEqual([]);
      // a transaction endorsed by Org1 alone under the old definition and validated under the new one
      // fails, as in any redefinition; none once `up` has returned
      expect(stats.failures.filter((f) => f.startedAt > grownAt && REDEFINITION.test(f.reason))).toEqual([]);
      expect(Object.values(stats.committed).reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
    } finally {
      conn.close();
    }

    // every peer, the new ones too, holds the same ledger
    const peers = net.network.organizations.flatMap((o) => o.peers);
    expect(peers).toHaveLength(3);
    const fabric = await fabricInstall(net.network.fabric);
    // the policy now asks both orgs, and a transaction of the new org commits
    expect((await queryCommitted(net.network, fabric, net.dirs, net.network.chaincodes[0]!))?.policy).toBe("OutOf(2,'Org1MSP.peer','Org2MSP.peer')");
    const org2 = await net.connect({ org: 'Org2' });
    try {
      const tx = await submit(org2.contract('marbles'), 'initMarble', ['fromorg2', 'green', '7', 'ann']);
      expect(tx.txId).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      org2.close();
    }
    await until(async () => new Set(await Promise.all(peers.map((p) => channelHeight(net.network, p.operations)))).size === 1, 'every peer at one height', 30_000);
    // a query through the new peer of Org1 answers as the first peer does
    const [first, added] = await Promise.all([net.connect({ org: 'Org1', peer: 0 }), net.connect({ org: 'Org1', peer: 1 })]);
    try {
      const a = await evaluate(first.contract('marbles'), 'readMarble', ['fromorg2']);
      const b = await evaluate(added.contract('marbles'), 'readMarble', ['fromorg2']);
      expect(JSON.parse(b.result)).toEqual(JSON.parse(a.result));
      expect(JSON.parse(b.result)).toMatchObject({ owner: 'ann' });
    } finally {
      first.close();
      added.close();
    }

    // three consenters, all active
    for (const o of net.network.ordererOrg.nodes) expect(await ordererChannelInfo(net.network, fabric, net.dirs, o)).toMatchObject({ consensusRelation: 'consenter', status: 'active' });

    // the observers see the new members without a restart
    expect((await net.supervisor.status()).find((p) => p.name === 'mictract-exporter')?.pid).toBe(exporterPid);
    await until(async () => (await prometheusValue(net, 'up{job="fabric-peer",instance_name="peer0.org2.example.com"}')) === 1, 'Prometheus scrapes the new org\'s peer', 60_000);
    await until(async () => (await prometheusValue(net, 'up{job="fabric-orderer",instance_name="orderer2.example.com"}')) === 1, 'Prometheus scrapes the new orderer', 60_000);
    await until(async () => ((await prometheusValue(net, 'sum(mictract_chaincode_invocations_total{org="Org2MSP"})')) ?? 0) > 0, 'the new org\'s sidecar counts invocations', 60_000);
    await until(async () => ((await prometheusValue(net, 'count(mictract_certificate_expiry_timestamp_seconds{msp="Org2MSP"})')) ?? 0) > 0, 'the exporter tracks the new org\'s certificates', 60_000);
  });

  it('keeps ordering when the Raft leader of the grown cluster is killed', async () => {
    const leader = await waitRaftLeader(net.network);
    const victim = (await net.supervisor.status()).find((p) => p.name === leader)!;
    process.kill(victim.pid, 'SIGKILL');
    const others = { ...net.network, ordererOrg: { ...net.network.ordererOrg, nodes: net.network.ordererOrg.nodes.filter((o) => o.fqdn !== leader) } };
    const next = await waitRaftLeader(others);
    expect(next).not.toBe(leader);
    const conn = await net.connect({ org: 'Org1' });
    try {
      const before = await channelHeight(net.network, net.network.organizations[0]!.peers[0]!.operations);
      await submit(conn.contract('marbles'), 'initMarble', ['afterleader', 'red', '1', 'bob']);
      expect(await channelHeight(net.network, net.network.organizations[0]!.peers[0]!.operations)).toBeGreaterThan(before);
    } finally {
      conn.close();
    }
    // `up` brings the killed orderer back as a consenter
    expect((await net.cli(['up', net.specFile])).code).toBe(0);
  });

  it('refuses to remove an org or rename one, says why, and changes nothing', async () => {
    const before = (await net.supervisor.status()).map((p) => `${p.name}:${p.pid}`).sort();
    await net.respec({ orgs: 1, peersPerOrg: [2], orderers: 3 });
    const removed = await net.cli(['up', net.specFile]);
    expect(removed.code).toBe(2);
    expect(removed.stderr).toContain('Org2 is a member of the channel; removing an organization is not supported');
    const shrunk = await net.cli(['plan', net.specFile]);
    expect(shrunk.code).toBe(2);
    await net.respec({ orgs: 2, peersPerOrg: [2, 1], orderers: 1 });
    const fewer = await net.cli(['up', net.specFile]);
    expect(fewer.code).toBe(2);
    expect(fewer.stderr).toMatch(/orderers\.nodes: the network has 3 Raft orderers; removing consenters/);
    expect((await net.supervisor.status()).map((p) => `${p.name}:${p.pid}`).sort()).toEqual(before);
    await net.respec({ orgs: 2, peersPerOrg: [2, 1], orderers: 3 });
    expect((await net.cli(['plan', net.specFile])).stdout).toContain('already matches the spec');
  });
});

describe('growing a running Fabric 3.1 network', () => {
  let net: TestNetwork;
  beforeAll(async () => {
    net = await startTestNetwork({ name: 'grow31', fabric: '3.1', orgs: 1, orderers: 1, replicas: 1, sidecar: false });
  }, 240_000);
  afterAll(async () => {
    await net?.destroy();
  });

  it('adds an org and an orderer, and both orgs endorse', async () => {
    await net.respec({ orgs: 2, orderers: 2 });
    const up = await net.cli(['up', net.specFile]);
    expect(up.stderr).toMatch(/Raft consenters .*orderer1 added/);
    expect(up.code).toBe(0);
    const conn = await net.connect({ org: 'Org2' });
    try {
      await submit(conn.contract('marbles'), 'initMarble', ['on31', 'blue', '1', 'tom']);
      expect(JSON.parse((await evaluate(conn.contract('marbles'), 'readMarble', ['on31'])).result)).toMatchObject({ owner: 'tom' });
    } finally {
      conn.close();
    }
  });
});
