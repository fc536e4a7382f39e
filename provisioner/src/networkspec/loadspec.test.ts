import { mkdtemp, writeFile, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadSpec, parseSpec } from './loadspec';
import { SpecError } from './specerror';
import { PORT_LAYOUT, listeners } from './network';
import { assertPortsFree } from './portcheck';

const EXAMPLE = path.resolve(__dirname, '../../../examples/network.yaml');

const valid = (over: string[] = []) =>
  [
    'name: t',
    'orderers: {nodes: 1}',
    'organizations: [{name: Org1, peers: 1}, {name: Org2}]',
    'channel: {name: mychannel}',
    'chaincodes: [{name: marbles, path: cc, version: "1.0", replicas: 2}]',
    ...over,
  ].join('\n');

/** Runs parseSpec and returns the SpecError it throws (fails the test when it does not throw). */
function specError(text: string): SpecError {
  try {
    parseSpec(text, 'bad.yaml');
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected the spec to be rejected');
}

describe('the example network spec', () => {
  it('resolves to 2 orgs, 1 orderer and 4 marbles replicas with their sidecars on distinct loopback ports', async () => {
    const { network } = await loadSpec(EXAMPLE);
    expect(network.organizations.map((o) => o.mspId)).toEqual(['Org1MSP', 'Org2MSP']);
    expect(network.organizations.map((o) => o.peers[0]?.fqdn)).toEqual(['peer0.org1.example.com', 'peer0.org2.example.com']);
    expect(network.ordererOrg.nodes).toHaveLength(1);
    const marbles = network.chaincodes[0]!;
    expect(marbles.path).toBe(path.resolve(path.dirname(EXAMPLE), 'marbles'));
    expect(marbles.slots[0].replicas.map((r) => r.name)).toEqual(['marbles-blue-org1-0', 'marbles-blue-org1-1', 'marbles-blue-org2-0', 'marbles-blue-org2-1']);
    expect(marbles.slots[1].replicas.every((r) => r.sidecar !== undefined)).toBe(true);
    const ports = listeners(network).map((l) => l.endpoint.port);
    expect(new Set(ports).size).toBe(ports.length);
    expect(listeners(network).every((l) => l.endpoint.host === '127.0.0.1')).toBe(true);
  });
});

describe('bad specs are refused with the field, the value and the fix', () => {
  it('zero organizations', () => {
    const err = specError(valid().replace(/organizations: .*/, 'organizations: []'));
    expect(err.issues).toEqual([expect.objectContaining({ field: 'organizations', message: expect.stringContaining('at least one organization') })]);
  });

  it('more orderers than Raft allows here', () => {
    const err = specError(valid().replace('nodes: 1', 'nodes: 6'));
    expect(err.issues[0]).toMatchObject({ field: 'orderers.nodes', value: 6 });
    expect(err.message).toContain('orderers.nodes: must be at most 5 Raft orderers');
    expect(err.message).toContain('(got 6)');
  });

  it('duplicate organization names, case-insensitively, and duplicate chaincodes', () => {
    const err = specError(
      valid()
        .replace(/organizations: .*/, 'organizations: [{name: Org1}, {name: ORG1}]')
        .replace(/chaincodes: .*/, 'chaincodes: [{name: m, path: a, version: "1"}, {name: m, path: b, version: "2"}]'),
    );
    expect(err.issues.map((i) => i.field)).toEqual(['organizations[1].name', 'chaincodes[1].name']);
    expect(err.issues[0]?.message).toContain('already used by organizations[0].name');
    expect(err.issues[0]?.value).toBe('ORG1');
    const clash = specError(valid().replace(/chaincodes: .*/, 'chaincodes: [{name: my_cc, path: a, version: "1"}, {name: My-CC, path: b, version: "1"}]'));
    expect(clash.issues[0]).toMatchObject({ field: 'chaincodes[1].name', value: 'My-CC', message: expect.stringContaining('differing only in case or - versus _') });
  });

  it('an organization named like the orderer org', () => {
    const err = specError(valid().replace('{name: Org2}', '{name: OrdererOrg}'));
    expect(err.issues[0]).toMatchObject({ field: 'organizations[1].name', value: 'OrdererOrg' });
  });

  it('a version written as a YAML number, an unknown field and a bad channel name, all at once', () => {
    const err = specError(valid().replace('version: "1.0"', 'version: 1.0').replace('replicas: 2', 'replicas: 2, replica: 3').replace('mychannel', 'MyChannel'));
    const fields = err.issues.map((i) => i.field).sort();
    expect(fields).toEqual(['chaincodes[0].replica', 'chaincodes[0].version', 'channel.name']);
    expect(err.message).toContain('quote it in YAML');
    expect(specError(valid().replace('version: "1.0"', 'version: "1.0--beta"')).issues[0]).toMatchObject({ field: 'chaincodes[0].version', value: '1.0--beta' });
    expect(err.message).toContain('allowed here: name, path, version, replicas, sidecar');
    expect(err.message).toContain('(got "MyChannel")');
  });

  it('YAML syntax errors keep the line, the column and the code frame', () => {
    const err = specError('name: t\norganizations: [\n');
    expect(err.issues[0]).toMatchObject({ line: 3, column: 1, message: expect.stringContaining('not valid YAML: ') });
    expect(err.message).toContain('line 3, column 1: not valid YAML: ');
    const tabs = specError('name: t\norderers:\n\tnodes: 1\n');
    expect(tabs.issues).toEqual([expect.objectContaining({ line: 3, column: 1, message: 'not valid YAML: Tabs are not allowed as indentation; fix the syntax there' })]);
    // the lines around the spot, with a ^ under it, as the yaml library draws them
    expect(tabs.message).toContain('\n      orderers:\n      \tnodes: 1\n      ^');
  });

  it('missing top-level fields say what to add', () => {
    const err = specError('name: t\n');
    expect(err.message).toContain('orderers: missing; add orderers: {nodes: 1}');
    expect(err.message).toContain('organizations: missing; add organizations: [{name: Org1, peers: 1}]');
    expect(err.message).toContain('channel: missing; add channel: {name: mychannel}');
    expect(err.message).not.toContain('Invalid input');
    expect(specError(valid().replace('{name: Org2}', '{peers: 2}')).issues).toEqual([{ field: 'organizations[1].name', message: 'missing; add name: Org1' }]);
    expect(specError(valid().replace('channel: {name: mychannel}', 'channel:')).message).toContain('channel: must be a mapping, e.g. channel: {name: mychannel} (got null)');
  });

  it('too few peers, orderers or replicas, in plain English', () => {
    const err = specError(valid().replace('nodes: 1', 'nodes: 0').replace('peers: 1', 'peers: 0').replace('replicas: 2', 'replicas: 0'));
    expect(err.issues.map((i) => `${i.field}: ${i.message}`)).toEqual([
      'orderers.nodes: must be at least 1: the network needs at least one Raft orderer',
      'organizations[0].peers: must be at least 1: each organization needs at least one peer',
      'chaincodes[0].replicas: must be at least 1: each organization runs at least one replica of the chaincode',
    ]);
  });

  it('a document that is not a mapping', () => {
    expect(specError('- a\n- b').message).toContain('must be a YAML mapping');
  });
});

describe('checks against the machine, before anything starts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-spec-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a chaincode folder that does not exist, and one without package.json', async () => {
    await mkdir(path.join(dir, 'empty'));
    const file = path.join(dir, 'net.yaml');
    await writeFile(file, valid().replace(/chaincodes: .*/, 'chaincodes: [{name: a, path: nope, version: "1"}, {name: b, path: empty, version: "1"}]'));
    const err: SpecError = await loadSpec(file).then(
      () => {
        throw new Error('expected rejection');
      },
      (e: SpecError) => e,
    );
    expect(err.issues.map((i) => i.field)).toEqual(['chaincodes[0].path', 'chaincodes[1].path']);
    expect(err.issues[0]?.message).toContain(`${path.join(dir, 'nope')} does not exist`);
    expect(err.issues[1]?.message).toContain('has no package.json');
  });

  it('a missing spec file', async () => {
    await expect(loadSpec(path.join(dir, 'missing.yaml'))).rejects.toThrow('no such file');
  });

  it('a folder given as the spec names the YAML file to give instead', async () => {
    await writeFile(path.join(dir, 'net.yaml'), valid());
    const err = await loadSpec(dir).catch((e: SpecError) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toContain(`${dir} is a folder; give the spec's YAML file itself: ${path.join(dir, 'net.yaml')}`);
    expect((err as SpecError).message).not.toContain('EISDIR');
  });

  it('a port already taken names the port, its owner in the network and the fix', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await writeFile(path.join(dir, 'net.yaml'), valid([`ports: {base: ${port - PORT_LAYOUT.orderers}}`]).replace(/chaincodes: .*/, ''));
      const { file, network } = await loadSpec(path.join(dir, 'net.yaml'));
      // only the port this test holds: its neighbours may be in use by anything on a busy machine
      const wanted = listeners(network).filter((l) => l.endpoint.port === port);
      expect(wanted).toEqual([{ owner: 'orderer0.example.com listen', endpoint: { host: '127.0.0.1', port } }]);
      await expect(assertPortsFree(file, wanted)).rejects.toThrow(`port ${port} (for orderer0.example.com listen) is already in use`);
      // the same port held by this network's own running process is fine
      await expect(assertPortsFree(file, wanted, new Set([port]))).resolves.toBeUndefined();
    } finally {
      blocker.close();
    }
  });

  it('a base port that leaves too few ports for a large network', async () => {
    const many = Array.from({ length: 45 }, (_, i) => `{name: cc${i}, path: cc, version: "1", replicas: 8}`).join(', ');
    const orgs = '[' + ['A', 'B', 'C', 'D', 'E'].map((n) => `{name: ${n}, peers: 4}`).join(', ') + ']';
    await writeFile(
      path.join(dir, 'net.yaml'),
      valid(['ports: {base: 60000}']).replace(/organizations: .*/, `organizations: ${orgs}`).replace(/chaincodes: .*/, `chaincodes: [${many}]`),
    );
    const err = await loadSpec(path.join(dir, 'net.yaml')).catch((e: SpecError) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues[0]).toMatchObject({ field: 'ports.base', value: 60000, message: expect.stringMatching(/ports reach \d+ above the base; use a base of at most \d+/) });
  });
});
