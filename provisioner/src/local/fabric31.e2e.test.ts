import { channelHeight } from '../fabric/channel';
import { evaluate, submit } from '../gateway/transact';
import { startTestNetwork, type TestNetwork } from '../testing/localnetwork';
import { until } from '../until';

// The same round trip on Fabric 3.1.5: no system channel, no legacy lifecycle, channel
// capability V3_0; orderers still Raft, joined through the channel participation API.

jest.setTimeout(240_000);

describe('a local Fabric 3.1 network', () => {
  let net: TestNetwork;
  beforeAll(async () => {
    net = await startTestNetwork({ name: 'fabric31', fabric: '3.1' });
  });
  afterAll(async () => {
    await net?.destroy();
  });

  it('runs Fabric 3.1.5 binaries end to end: marbles transactions, history, and a ledger that survives down and up', async () => {
    const version = await fetch(`http://${net.network.organizations[0]!.peers[0]!.operations.host}:${net.network.organizations[0]!.peers[0]!.operations.port}/version`).then((r) => r.json() as Promise<{ Version: string }>);
    expect(version.Version).toBe('3.1.5');
    const conn = await net.connect();
    try {
      const marbles = conn.contract('marbles');
      const created = await submit(marbles, 'initMarble', ['m31', 'blue', '7', 'tom']);
      const moved = await submit(marbles, 'transferMarble', ['m31', 'jerry']);
      expect(JSON.parse((await evaluate(marbles, 'readMarble', ['m31'])).result)).toMatchObject({ owner: 'jerry' });
      const history = JSON.parse((await evaluate(marbles, 'getHistoryForMarble', ['m31'])).result) as { TxId: string }[];
      expect(history.map((h) => h.TxId).sort()).toEqual([created.txId, moved.txId].sort());
    } finally {
      conn.close();
    }
    const peer = net.network.organizations[1]!.peers[0]!;
    const height = await channelHeight(net.network, peer.operations);
    expect((await net.cli(['down'])).code).toBe(0);
    expect((await net.cli(['up', net.specFile])).code).toBe(0);
    await until(async () => (await channelHeight(net.network, peer.operations)) === height, `height back to ${height}`, 30_000);
    const again = await net.connect({ org: 'Org2' });
    try {
      expect(JSON.parse((await evaluate(again.contract('marbles'), 'readMarble', ['m31'])).result)).toMatchObject({ owner: 'jerry' });
    } finally {
      again.close();
    }
  });
});
