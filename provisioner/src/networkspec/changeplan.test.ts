import { describePlan, isEmptyPlan, planChanges } from './changeplan';
import { parseSpec } from './loadspec';

const spec = (lines: Record<string, string> = {}) =>
  parseSpec(
    Object.entries({
      name: 'net',
      fabric: '"2.5"',
      'ports': '{base: 17000}',
      orderers: '{nodes: 1}',
      organizations: '[{name: Org1, peers: 1}]',
      channel: '{name: mychannel}',
      chaincodes: '[{name: marbles, path: cc, version: "1.0", replicas: 1}]',
      ...lines,
    })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  );

describe('planning a change to a running network', () => {
  it('creates a network that has no applied spec yet', () => {
    const plan = planChanges(undefined, spec());
    expect(plan.create).toBe(true);
    expect(describePlan('net', plan)).toBe('create network net');
  });

  it('finds nothing to do for the same spec', () => {
    const plan = planChanges(spec(), spec());
    expect(isEmptyPlan(plan)).toBe(true);
    expect(describePlan('net', plan)).toBe('net already matches the spec: nothing to change');
  });

  it('lists new orderers, orgs, peers and the policy change in words', () => {
    const plan = planChanges(spec(), spec({ orderers: '{nodes: 3}', organizations: '[{name: Org1, peers: 2}, {name: Org2, peers: 1}]' }));
    expect(plan.refused).toEqual([]);
    expect(plan.addOrderers).toEqual(['orderer1.example.com', 'orderer2.example.com']);
    expect(plan.addOrganizations).toEqual(['Org2 (1 peer)']);
    expect(plan.addPeers).toEqual(['Org1 peer1']);
    const words = describePlan('net', plan);
    expect(words).toContain('+ add orderer orderer1.example.com: start it');
    expect(words).toContain('+ add organization Org2 (1 peer)');
    expect(words).toContain('+ marbles: endorsement policy to a majority of Org1, Org2');
  });

  it('lists chaincode changes', () => {
    const plan = planChanges(spec(), spec({ chaincodes: '[{name: marbles, path: cc, version: "1.1", replicas: 2}, {name: fabcar, path: cc, version: "1"}]' }));
    expect(plan.chaincodes).toEqual(['upgrade marbles 1.0 → 1.1 (blue/green)', 'marbles: 1 → 2 replicas per org', 'deploy fabcar 1 (1 replica per org)']);
  });

  it.each([
    ['removing an org', { organizations: '[{name: Org1, peers: 2}]' }, 'organizations', 'Org2 is a member of the channel; removing an organization is not supported'],
    ['renaming an org', { organizations: '[{name: Org1, peers: 2}, {name: Org3}]' }, 'organizations[1].name', 'renaming Org2 is not possible: an organization\'s name is its MSP ID (Org2MSP)'],
    ['reordering orgs', { organizations: '[{name: Org2}, {name: Org1, peers: 2}]' }, 'organizations', 'organizations must keep their order (Org1, Org2); add new ones at the end'],
    ['removing a peer', { organizations: '[{name: Org1}, {name: Org2, peers: 1}]' }, 'organizations[0].peers', 'Org1 runs 2 peers; removing a peer is not supported'],
    ['removing an orderer', { orderers: '{nodes: 1}' }, 'orderers.nodes', 'the network has 2 Raft orderers; removing consenters from a running network is not supported'],
    ['another Fabric line', { fabric: '"3.1"' }, 'fabric', 'the network runs Fabric 2.5; a running network keeps its Fabric line'],
    ['another channel', { channel: '{name: other}' }, 'channel.name', 'a channel cannot be renamed'],
    ['another port base', { ports: '{base: 18000}' }, 'ports.base', 'every running member listens at an offset from 17000'],
    ['dropping a chaincode', { chaincodes: '[]' }, 'chaincodes', 'marbles is committed on mychannel, and a channel cannot forget a chaincode definition'],
  ])('refuses %s, naming the field and the fix', (_what, change, field, message) => {
    const applied = spec({ orderers: '{nodes: 2}', organizations: '[{name: Org1, peers: 2}, {name: Org2}]' });
    const next = spec({ orderers: '{nodes: 2}', organizations: '[{name: Org1, peers: 2}, {name: Org2}]', ...change });
    const plan = planChanges(applied, next);
    expect(plan.refused).toHaveLength(1);
    expect(plan.refused[0]!.field).toBe(field);
    expect(plan.refused[0]!.message).toContain(message);
    expect(describePlan('net', plan)).toBe('refused: nothing changed on net');
  });
});
