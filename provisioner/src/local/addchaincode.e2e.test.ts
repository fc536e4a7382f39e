import { evaluate, submit } from '../gateway/transact';
import { upLocal } from './up';
import { quietProgress } from '../progress';
import { startTestNetwork, type TestNetwork } from '../testing/localnetwork';

// A chaincode added to the spec of a running network: `up` deploys it without restarting a peer.
// The peers' ccaas builder reads each org's chaincode addresses from a file `up` rewrites, not from
// the environment the peers started with (which named every chaincode, so each new one restarted
// every peer). Real Fabric 2.5.

jest.setTimeout(300_000);

let net: TestNetwork;
beforeAll(async () => {
  net = await startTestNetwork({ name: 'addcc', orgs: 2 });
}, 240_000);
afterAll(async () => {
  await net?.destroy();
});

const peerPids = async () =>
  Object.fromEntries((await net.supervisor.status()).filter((p) => p.name.startsWith('peer')).map((p) => [p.name, `${p.pid} ${p.state}`]));

it('deploys a second chaincode on a running network without restarting any peer, and it serves', async () => {
  const before = await peerPids();
  expect(Object.keys(before)).toHaveLength(2);
  const loaded = await net.respec({ moreChaincodes: ['assets'] });
  const { chaincodes } = await upLocal(loaded, quietProgress(), { home: net.home, ruleFiles: [] });
  expect(chaincodes.map((c) => [c.name, c.action])).toEqual([
    ['marbles', 'kept'],
    ['assets', 'committed'],
  ]);
  // the same peer processes, still healthy
  expect(await peerPids()).toEqual(before);
  expect(Object.values(before).every((s) => s.endsWith('healthy'))).toBe(true);

  // the new chaincode serves, endorsed by both orgs; the first one still does
  const conn = await net.connect();
  try {
    await submit(conn.contract('assets'), 'initMarble', ['added-1', 'blue', '7', 'tom']);
    expect(JSON.parse((await evaluate(conn.contract('assets'), 'readMarble', ['added-1'])).result)).toMatchObject({ name: 'added-1', owner: 'tom' });
    await submit(conn.contract('marbles'), 'initMarble', ['still-1', 'red', '3', 'ann']);
  } finally {
    conn.close();
  }
});
