import { submit, evaluate } from '../gateway/transact';
import { channelHeight } from '../fabric/channel';
import { startTestNetwork, type TestNetwork } from '../testing/localnetwork';
import { until } from '../until';
import { MarblesWorkload } from '../workload/marblesworkload';
import { Supervisor } from './supervisor';

// A real Fabric 2.5 network (1 orderer, Org1 with 2 peers, Org2 with 1, marbles with 2 replicas per org),
// driven as a user would: through the gateway and through `mictract` itself. Nothing is mocked.

jest.setTimeout(240_000);

describe('a local Fabric network', () => {
  let net: TestNetwork;
  beforeAll(async () => {
    net = await startTestNetwork({ name: 'e2e', replicas: 2, peersPerOrg: [2, 1] });
  });
  afterAll(async () => {
    await net?.destroy();
  });

  it('runs every marbles function with the results the sample promises', async () => {
    const conn = await net.connect();
    const marbles = conn.contract('marbles');
    try {
      const created = await net.cli(['invoke', 'marbles', 'initMarble', 'marble1', 'blue', '35', 'tom', '--json']);
      expect(created.code).toBe(0);
      const createTx = JSON.parse(created.stdout) as { txId: string; blockNumber: string };
      expect(createTx.txId).toMatch(/^[0-9a-f]{64}$/);
      await submit(marbles, 'initMarble', ['marble2', 'red', '50', 'tom']);
      await submit(marbles, 'initMarble', ['marble3', 'blue', '70', 'tom']);

      const read = await net.cli(['query', 'marbles', 'readMarble', 'marble1', '--json']);
      expect(JSON.parse((JSON.parse(read.stdout) as { result: string }).result)).toEqual({ docType: 'marble', name: 'marble1', color: 'blue', size: 35, owner: 'tom' });

      const transfer = await submit(marbles, 'transferMarble', ['marble1', 'jerry']);
      const history = JSON.parse((await evaluate(marbles, 'getHistoryForMarble', ['marble1'])).result) as { TxId: string; Value: { owner: string } | null }[];
      expect(history.map((h) => h.TxId).sort()).toEqual([createTx.txId, transfer.txId].sort());
      expect(history.find((h) => h.TxId === transfer.txId)?.Value?.owner).toBe('jerry');

      const range = JSON.parse((await evaluate(marbles, 'getMarblesByRange', ['marble1', 'marble3'])).result) as { Key: string }[];
      expect(range.map((r) => r.Key)).toEqual(['marble1', 'marble2']); // the end of a range is exclusive

      await submit(marbles, 'transferMarblesBasedOnColor', ['blue', 'jerry']);
      expect(JSON.parse((await evaluate(marbles, 'readMarble', ['marble3'])).result)).toMatchObject({ owner: 'jerry' });
      expect(JSON.parse((await evaluate(marbles, 'readMarble', ['marble2'])).result)).toMatchObject({ owner: 'tom' });

      await submit(marbles, 'delete', ['marble2']);
      const gone = await net.cli(['query', 'marbles', 'readMarble', 'marble2']);
      expect(gone.code).toBe(5);
      expect(gone.stderr).toContain('marble marble2 does not exist');

      const again = await net.cli(['invoke', 'marbles', 'initMarble', 'marble1', 'blue', '35', 'tom']);
      expect(again.code).toBe(5);
      expect(again.stderr).toContain('marble marble1 already exists');
    } finally {
      conn.close();
    }
  });

  it('keeps serving an org through its other replica when one is killed', async () => {
    const conn = await net.connect({ org: 'Org1' });
    const marbles = conn.contract('marbles');
    try {
      await submit(marbles, 'initMarble', ['survivor', 'green', '5', 'ann']);
      // kill one of Org1's replicas (the chaincode server itself, behind its sidecar)
      const victim = (await net.supervisor.status()).find((p) => /^marbles-blue-org1-0$/.test(p.name))!;
      process.kill(victim.pid, 'SIGKILL');
      await until(async () => (await net.supervisor.status()).find((p) => p.name === victim.name)?.state === 'crashed', 'replica marked crashed');
      for (let i = 0; i < 5; i++) {
        const r = await submit(marbles, 'transferMarble', ['survivor', `owner${i}`]);
        expect(r.blockNumber).toBeDefined();
      }
      expect(JSON.parse((await evaluate(marbles, 'readMarble', ['survivor'])).result)).toMatchObject({ owner: 'owner4' });
      // `up` brings the replica back
      expect((await net.cli(['up', net.specFile])).code).toBe(0);
      expect((await net.supervisor.status()).find((p) => p.name === victim.name)?.state).toBe('healthy');
    } finally {
      conn.close();
    }
  });

  it('upgrades marbles under a running workload with only the invalidations Fabric itself causes', async () => {
    const conn = await net.connect();
    const marbles = conn.contract('marbles');
    try {
      expect(JSON.parse((await evaluate(marbles, 'about', [])).result)).toMatchObject({ version: '1.0' });
      const workload = new MarblesWorkload(marbles, { rate: 20, prefix: 'upg' });
      const running = workload.run();
      await until(() => workload.started >= 40, 'workload under way', 30_000);
      await net.respec({ version: '1.1' });
      const upgrade = await net.cli(['upgrade', net.specFile, 'marbles']);
      expect(upgrade.stderr + upgrade.stdout).toContain('marbles upgraded from 1.0 to 1.1 (sequence 2');
      const upgraded = Date.now(); // the commit was seen on a peer of every org
      const after = workload.started;
      await until(() => workload.started >= after + 40, 'workload continues after the upgrade', 30_000);
      workload.stop();
      const stats = await running;

      // Fabric fails the few transactions in flight at the definition's block: endorsed under the old
      // definition and committed after the new (MVCC_READ_CONFLICT), endorsed while it changes
      // ("changed during invoke"), or sent to a gateway that has not yet heard through gossip that the
      // other orgs serve the new package. A concurrent workload has its own: contested transfers (MVCC
      // conflicts), deletes ("does not exist"), and endorsers at different heights whose read sets
      // differ ("ProposalResponsePayloads do not match"). Nothing else may fail, and nothing of the
      // upgrade kind once `upgrade` has returned.
      const upgradeKind = /changed during invoke|no combination of peers can be derived/;
      const allowed = new RegExp(`MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT|does not exist|already exists|ProposalResponsePayloads do not match|${upgradeKind.source}`);
      const unexpected = stats.failures.filter((f) => !allowed.test(`${f.reason} ${f.message}`));
      expect(unexpected).toEqual([]);
      expect(stats.failures.filter((f) => f.startedAt > upgraded && upgradeKind.test(f.message))).toEqual([]);
      expect(stats.failures.some((f) => /connection|UNAVAILABLE|could not launch|registered/i.test(f.message))).toBe(false);
      expect(Object.values(stats.committed).reduce((a, b) => a + b, 0)).toBeGreaterThan(20);

      expect(JSON.parse((await evaluate(marbles, 'about', [])).result)).toMatchObject({ version: '1.1' });
      const names = (await net.supervisor.status()).map((p) => p.name);
      expect(names.some((n) => n.startsWith('marbles-green-'))).toBe(true);
      expect(names.some((n) => n.startsWith('marbles-blue-'))).toBe(false);
    } finally {
      conn.close();
    }
  });

  it('keeps the ledger across down and up, and brings a killed peer back to the others\' height', async () => {
    const peers = net.network.organizations.flatMap((o) => o.peers);
    const height = await channelHeight(net.network, peers[0]!.operations);
    expect(height).toBeGreaterThan(3);
    expect((await net.cli(['down'])).code).toBe(0);
    expect(await new Supervisor(net.dirs.network).status()).toEqual([]);
    expect((await net.cli(['up', net.specFile])).code).toBe(0);
    await until(async () => (await channelHeight(net.network, peers[0]!.operations)) === height, `height back to ${height}`, 30_000);
    const conn = await net.connect({ org: 'Org2' });
    try {
      expect(JSON.parse((await evaluate(conn.contract('marbles'), 'readMarble', ['marble1'])).result)).toMatchObject({ name: 'marble1' });

      // Org1's second peer: the network goes on without it (Org1's first peer endorses), so it has blocks to catch up on
      const victim = net.network.organizations[0]!.peers[1]!;
      const proc = (await net.supervisor.status()).find((p) => p.name === victim.fqdn)!;
      process.kill(proc.pid, 'SIGKILL');
      await until(async () => (await net.cli(['status'])).code === 4, 'status reports the crash');
      expect((await net.cli(['status'])).stdout).toMatch(new RegExp(`${victim.fqdn.replace(/\./g, '\\.')} +crashed`));
      for (let i = 0; i < 3; i++) await submit(conn.contract('marbles'), 'initMarble', [`whiledown${i}`, 'red', '1', 'x']);
      expect((await net.cli(['up', net.specFile])).code).toBe(0);
      const target = await channelHeight(net.network, peers[0]!.operations);
      await until(async () => (await channelHeight(net.network, victim.operations)) >= target, `${victim.fqdn} catches up to ${target}`, 30_000);
    } finally {
      conn.close();
    }
  });
});
