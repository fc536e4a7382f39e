import { parseSpec } from './loadspec';
import { buildNetwork, listeners } from './network';

// Growing a running network must not move a port of a member that is already running: its peers,
// orderers and replicas keep listening where they are while the new members start beside them.

const spec = (orderers: number, orgs: { name: string; peers: number }[], chaincodes: { name: string; replicas: number }[], observability = true) =>
  buildNetwork(
    parseSpec(
      [
        'name: grow',
        'ports: {base: 20000}',
        `observability: ${observability}`,
        `orderers: {nodes: ${orderers}}`,
        `organizations: [${orgs.map((o) => `{name: ${o.name}, peers: ${o.peers}}`).join(', ')}]`,
        'channel: {name: mychannel}',
        `chaincodes: [${chaincodes.map((c) => `{name: ${c.name}, path: cc, version: "1", replicas: ${c.replicas}}`).join(', ')}]`,
      ].join('\n'),
    ),
    (p) => p,
  );

const portsByOwner = (n: ReturnType<typeof buildNetwork>) => new Map(listeners(n).map((l) => [l.owner, l.endpoint.port]));

describe('port layout', () => {
  const small = spec(1, [{ name: 'Org1', peers: 1 }], [{ name: 'marbles', replicas: 1 }], false);

  it.each([
    ['an orderer', spec(3, [{ name: 'Org1', peers: 1 }], [{ name: 'marbles', replicas: 1 }], false)],
    ['an organization', spec(1, [{ name: 'Org1', peers: 1 }, { name: 'Org2', peers: 2 }], [{ name: 'marbles', replicas: 1 }], false)],
    ['a peer', spec(1, [{ name: 'Org1', peers: 4 }], [{ name: 'marbles', replicas: 1 }], false)],
    ['a replica', spec(1, [{ name: 'Org1', peers: 1 }], [{ name: 'marbles', replicas: 8 }], false)],
    ['a chaincode', spec(1, [{ name: 'Org1', peers: 1 }], [{ name: 'marbles', replicas: 1 }, { name: 'fabcar', replicas: 2 }], false)],
    ['the observability stack', spec(1, [{ name: 'Org1', peers: 1 }], [{ name: 'marbles', replicas: 1 }], true)],
  ])('adding %s moves no port of the members already there', (_what, grown) => {
    const before = portsByOwner(small);
    const after = portsByOwner(grown);
    expect(after.size).toBeGreaterThan(before.size);
    for (const [owner, port] of before) expect([owner, after.get(owner)]).toEqual([owner, port]);
  });

  it('gives every listener of the largest network the spec allows its own port', () => {
    const orgs = ['A', 'B', 'C', 'D', 'E'].map((name) => ({ name, peers: 4 }));
    const largest = spec(5, orgs, [{ name: 'one', replicas: 8 }, { name: 'two', replicas: 8 }]);
    const ports = listeners(largest).map((l) => l.endpoint.port);
    expect(new Set(ports).size).toBe(ports.length);
    expect(Math.min(...ports)).toBe(20000);
  });
});
