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

describe('profiling', () => {
  const withProfile = (extra: string) =>
    buildNetwork(parseSpec(`name: p\nports: {base: 20000}\norderers: {nodes: 1}\norganizations: [{name: Org1}]\nchannel: {name: mychannel}\nchaincodes: [{name: marbles, path: cc, version: "1", replicas: 2${extra}}]\n`), (p) => p);

  it('is off by default: no replica has an inspector and none is listed', () => {
    const n = withProfile('');
    expect(n.chaincodes[0]!.profile).toBe(false);
    expect(n.chaincodes[0]!.slots.flatMap((s) => s.replicas).some((r) => r.inspector)).toBe(false);
    expect(listeners(n).some((l) => l.owner.endsWith(' inspector'))).toBe(false);
  });

  it('with profile: true gives each replica its inspector on loopback at the fourth port it owns', () => {
    const n = withProfile(', profile: true');
    const replicas = n.chaincodes[0]!.slots.flatMap((s) => s.replicas);
    for (const r of replicas) expect(r.inspector).toEqual({ host: '127.0.0.1', port: r.listen.port + 3 });
    const owners = portsByOwner(n);
    for (const r of replicas) expect(owners.get(`${r.name} inspector`)).toBe(r.inspector!.port);
    const ports = listeners(n).map((l) => l.endpoint.port);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('refuses a profile that is not a boolean, saying what it does', () => {
    expect(() => withProfile(', profile: yes-please')).toThrow(/chaincodes\[0\]\.profile: must be true \(start each replica with its Node\.js inspector on 127\.0\.0\.1/);
  });
});
