import * as grpc from '@grpc/grpc-js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildCcaasPackage } from '../ccaas/ccaaspackage';
import { generateCrypto } from '../crypto';
import { tlsCaPaths } from '../crypto/layout';
import { registeredChaincodeId } from '../endpoint/testing';
import { cryptoSpecOf } from '../networkcrypto';
import { PORT_LAYOUT, assertPortsFree, listeners, loadSpec, type LoadedSpec } from '../networkspec';
import { chaincodeProcesses, endpointName, startChaincodes } from './chaincoderuntime';
import { Supervisor } from './supervisor';
import { type PortRange, reservePortRange } from '../testing/portrange';
import { until } from '../testing/wait';

// The real marbles chaincode, 2 replicas per org for 2 orgs, with TLS, behind each org's endpoint,
// reached as a peer reaches it: TLS to 127.0.0.1, trusting only the org's TLS CA.

const MARBLES = path.resolve(__dirname, '../../../examples/marbles');

let range: PortRange | undefined;

async function specOnFreePorts(dir: string): Promise<LoadedSpec> {
  range = await reservePortRange(PORT_LAYOUT.chaincodes + PORT_LAYOUT.perChaincode);
  const file = path.join(dir, 'net.yaml');
  await writeFile(
    file,
    `name: cc\nports: {base: ${range.base}}\norderers: {nodes: 1}\norganizations: [{name: Org1}, {name: Org2}]\nchannel: {name: mychannel}\n` +
      `chaincodes: [{name: marbles, path: ${MARBLES}, version: "1.0", replicas: 2}]\n`,
  );
  const loaded = await loadSpec(file);
  await assertPortsFree(file, listeners(loaded.network));
  return loaded;
}

describe('chaincode runtime', () => {
  let dir: string;
  let sup: Supervisor;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-ccrt-'));
    sup = new Supervisor(path.join(dir, 'net'));
  });
  afterEach(async () => {
    await sup.stopAll(2000);
    await rm(dir, { recursive: true, force: true });
    await range?.release();
  });

  it('serves each org over TLS from its endpoint, keeps serving with a replica dead, and brings the replica back', async () => {
    const { network } = await specOnFreePorts(dir);
    const crypto = path.join(dir, 'crypto');
    await generateCrypto(cryptoSpecOf(network), crypto);
    const { packageId } = await buildCcaasPackage('marbles', '1.0');
    const cc = network.chaincodes[0]!;
    const slot = cc.slots[0];
    // without the sidecar here: the replicas serve TLS themselves
    const specs = await chaincodeProcesses(network, { ...cc, sidecar: false }, slot, crypto, packageId);
    expect(specs.map((s) => s.name)).toEqual(['marbles-blue-org1-0', 'marbles-blue-org1-1', 'marbles-blue-org2-0', 'marbles-blue-org2-1', 'marbles-blue-org1-endpoint', 'marbles-blue-org2-endpoint']);

    expect(await startChaincodes(sup, specs)).toEqual({ started: specs.map((s) => s.name), running: [] });
    const marbles = slot;
    const tlsFor = async (domain: string) => grpc.credentials.createSsl(await readFile(tlsCaPaths(crypto, { kind: 'peer', domain }).cert));

    for (const org of network.organizations) {
      const endpoint = marbles.endpoints.get(org.name)!;
      expect(await registeredChaincodeId(endpoint, await tlsFor(org.domain))).toBe(packageId);
    }
    // another org's TLS CA does not vouch for this org's chaincode
    await expect(registeredChaincodeId(marbles.endpoints.get('Org1')!, await tlsFor('org2.example.com'))).rejects.toThrow();

    const victim = (await sup.status()).find((p) => p.name === 'marbles-blue-org1-0')!;
    process.kill(victim.pid, 'SIGKILL');
    // a connection made while it is still dying fails, for a peer too; this is about after
    await until(async () => (await sup.status()).find((p) => p.name === 'marbles-blue-org1-0')?.state === 'crashed');
    const org1 = marbles.endpoints.get('Org1')!;
    for (let i = 0; i < 3; i++) expect(await registeredChaincodeId(org1, await tlsFor('org1.example.com'))).toBe(packageId);

    // `up` again: only the crashed replica is started
    expect(await startChaincodes(sup, specs)).toEqual({ started: ['marbles-blue-org1-0'], running: specs.map((s) => s.name).filter((n) => n !== 'marbles-blue-org1-0') });
    expect((await sup.status()).every((p) => p.state === 'healthy')).toBe(true);
    expect(endpointName(cc, slot, 'Org2')).toBe('marbles-blue-org2-endpoint');
  }, 90_000);

  it('names the chaincode and the fix when it is not built', async () => {
    const { network } = await specOnFreePorts(dir);
    const cc = network.chaincodes[0]!;
    await rm(path.join(dir, 'unbuilt'), { recursive: true, force: true });
    await expect(chaincodeProcesses(network, { ...cc, path: path.join(dir, 'unbuilt') }, cc.slots[0], dir, 'x:1')).rejects.toThrow('chaincode marbles: fabric-shim is not installed for');
  });
});
