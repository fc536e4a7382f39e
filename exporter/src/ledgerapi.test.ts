import { common } from '@hyperledger/fabric-protos';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ChannelProcessor } from './blockprocessor';
import { CertificateTracker } from './certificatetracker';
import { ExporterMetrics } from './exportermetrics';
import { startExporterServer, type ExporterServer } from './exporterserver';
import { LedgerApi } from './ledgerapi';
import { LedgerIndex } from './ledgerindex';
import { silentLogger } from './log';
import { LabelLimiter } from './sidecar/labellimiter';
import { endorserEnvelope, headerHashOf, testBlock } from './testblocks';
import { sampleGenesisBlock } from './testfabric';
import { loadOpenApi, responseSchema, validate } from './testopenapi';
import { MVCC_READ_CONFLICT, VALID } from './validationcode';

jest.setTimeout(60_000);

const CHANNEL = 'apichannel';
const doc = loadOpenApi();
let server: ExporterServer;
let dir: string;
let chain: common.Block[];
let txIds: string[][];
let fetched: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-api-'));
  const made = await sampleGenesisBlock(CHANNEL);
  const cert = (await readFile(path.join(made.tools.config, 'msp/signcerts/peer.pem'))).toString();
  chain = [common.Block.deserializeBinary(made.bytes)];
  txIds = [[]];
  for (let b = 1; b <= 12; b++) {
    const envs = [
      endorserEnvelope({ channel: CHANNEL, chaincode: 'marbles', fn: 'transferMarble', args: ['marble1', `owner${b}`], mspId: 'Org1MSP', certificate: cert, reads: [{ key: 'marble1', blockNumber: b - 1 }], writes: [{ key: 'marble1', value: `{"owner":"owner${b}"}` }] }),
      endorserEnvelope({ channel: CHANNEL, chaincode: 'marbles', fn: 'transferMarble', args: ['marble1', 'loser'], mspId: 'Org1MSP', certificate: cert, reads: [{ key: 'marble1', blockNumber: b - 1 }], writes: [{ key: 'marble1', value: 'x' }] }),
    ];
    txIds.push(envs.map((e) => e.txId));
    chain.push(testBlock(b, headerHashOf(chain[b - 1]!), envs.map((e) => e.bytes), [VALID, MVCC_READ_CONFLICT]));
  }
  const metrics = new ExporterMetrics({ defaultMetrics: false });
  const index = new LedgerIndex({ blocks: 8, transactions: 1000, historyKeys: 100, historyPerKey: 100, conflictKeys: 100 });
  const certificates = new CertificateTracker(metrics.certificateExpiry);
  const processor = new ChannelProcessor(CHANNEL, { metrics, index, certificates, log: silentLogger, functions: new LabelLimiter() });
  for (const block of chain) processor.process(block, Date.now(), { count: true, live: false });
  const podsFile = path.join(dir, 'pods.json');
  await writeFile(podsFile, JSON.stringify([{ chaincode: 'marbles', org: 'Org1', replica: 0, address: '127.0.0.1:9999', status: 'running' }]));
  fetched = [];
  const api = new LedgerApi({
    index,
    certificates,
    channels: () => [{ name: CHANNEL, height: processor.nextBlock, peerHeight: processor.nextBlock }],
    fetchBlock: async (_channel, n) => {
      fetched.push(`block ${n}`);
      if (!chain[n]) throw new Error('no such block');
      return chain[n]!.serializeBinary();
    },
    fetchBlockByTxId: async (_channel, txId) => {
      fetched.push(`tx ${txId}`);
      const n = txIds.findIndex((ids) => ids.includes(txId));
      if (n < 0) throw new Error('no such tx');
      return chain[n]!.serializeBinary();
    },
    podsFile,
  });
  server = await startExporterServer('127.0.0.1:0', metrics, api);
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(url: string, method = 'GET'): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://${server.address}/api/v1${url}`, { method });
  return { status: res.status, body: await res.json() };
}

/** Calls the API and checks the answer's status and its body against the OpenAPI document. */
async function check(template: string, url: string, status: number): Promise<unknown> {
  const res = await get(url);
  expect({ url, status: res.status }).toEqual({ url, status });
  expect(validate(doc, responseSchema(doc, template, 'get', status), res.body)).toEqual([]);
  return res.body;
}

const exercised = new Set<string>();
async function ok(template: string, url: string): Promise<any> {
  exercised.add(template);
  return check(template, url, 200);
}

describe('the ledger API, checked against openapi.yaml', () => {
  it('lists channels with heights', async () => {
    expect(await ok('/channels', '/channels')).toEqual({ channels: [{ name: CHANNEL, height: 13, peerHeight: 13 }] });
    expect((await ok('/channels/{channel}', `/channels/${CHANNEL}`)).height).toBe(13);
  });

  it('pages blocks newest first, from memory and then from the peer, each chained to the one before', async () => {
    const page1 = await ok('/channels/{channel}/blocks', `/channels/${CHANNEL}/blocks?limit=5`);
    expect(page1.blocks.map((b: { number: number }) => b.number)).toEqual([12, 11, 10, 9, 8]);
    expect(page1.next).toBe(8);
    const rest = await ok('/channels/{channel}/blocks', `/channels/${CHANNEL}/blocks?limit=100&before=${page1.next}`);
    expect(rest.blocks.map((b: { number: number }) => b.number)).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    expect(rest.next).toBeNull();
    // the index holds 8 blocks (5..12); older ones came from the peer
    expect(rest.blocks.map((b: { source: string }) => b.source)).toEqual(['index', 'index', 'index', 'peer', 'peer', 'peer', 'peer', 'peer']);
    const all = [...page1.blocks, ...rest.blocks];
    for (let i = 0; i < all.length - 1; i++) expect(all[i].previousHash).toBe(all[i + 1].headerHash);
    expect(all.every((b) => b.verification.failed.length === 0)).toBe(true);
  });

  it('gives one block with its transactions and verification status', async () => {
    const block = await ok('/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/10`);
    expect(block).toMatchObject({ number: 10, transactionCount: 2, source: 'index', verification: { ok: true, previousChecked: true } });
    expect(block.transactions.map((t: { txId: string; validationCode: string }) => [t.txId, t.validationCode])).toEqual([
      [txIds[10]![0], 'VALID'],
      [txIds[10]![1], 'MVCC_READ_CONFLICT'],
    ]);
    const genesis = await ok('/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/0`);
    expect(genesis).toMatchObject({ number: 0, source: 'peer', configSequence: 0 });
    expect(genesis.transactions[0].type).toBe('CONFIG');
  });

  it('finds a transaction by ID in memory, else through the peer', async () => {
    const tx = await ok('/channels/{channel}/transactions/{txId}', `/channels/${CHANNEL}/transactions/${txIds[11]![0]}`);
    expect(tx).toMatchObject({ txId: txIds[11]![0], blockNumber: 11, position: 0, chaincode: 'marbles', function: 'transferMarble', args: ['marble1', 'owner11'], creator: { mspId: 'Org1MSP' }, validationCode: 'VALID' });
    expect(fetched.some((f) => f.startsWith('tx'))).toBe(false);
    const old = await ok('/transactions/{txId}', `/transactions/${txIds[2]![1]}`);
    expect(old).toMatchObject({ blockNumber: 2, position: 1, validationCode: 'MVCC_READ_CONFLICT' });
    expect(fetched).toContain(`tx ${txIds[2]![1]}`);
  });

  it("serves a key's history, newest first, with valid writes only", async () => {
    const h = await ok('/channels/{channel}/chaincodes/{chaincode}/keys/{key}/history', `/channels/${CHANNEL}/chaincodes/marbles/keys/marble1/history`);
    expect(h.indexedFrom).toBe(0);
    expect(h.writes.map((w: { blockNumber: number; txId: string }) => [w.blockNumber, w.txId])).toEqual(
      Array.from({ length: 12 }, (_, i) => [12 - i, txIds[12 - i]![0]]),
    );
  });

  it('names the conflicting keys', async () => {
    const c = await ok('/channels/{channel}/conflicts', `/channels/${CHANNEL}/conflicts?limit=3`);
    expect(c.conflicts).toEqual([{ chaincode: 'marbles', key: 'marble1', conflicts: 12 }]);
  });

  it('lists certificates with expiry, and the pods file', async () => {
    const certs = await ok('/certificates', '/certificates');
    const roles = new Set(certs.certificates.map((c: { role: string }) => c.role));
    expect(roles).toEqual(new Set(['ca', 'tls_ca', 'tls_intermediate_ca', 'admin', 'creator', 'endorser']));
    const pods = await ok('/pods', '/pods');
    expect(pods.pods).toEqual([{ chaincode: 'marbles', org: 'Org1', replica: 0, address: '127.0.0.1:9999', status: 'running' }]);
  });

  it('exercised every documented path', () => {
    // the profile paths are checked against the document in profile/profileapi.test.ts
    expect([...exercised].sort()).toEqual(Object.keys(doc.paths).filter((p) => !p.startsWith('/profiles')).sort());
  });
});

describe('bad requests get 4xx answers with a message, and the server carries on', () => {
  const hex = 'ab'.repeat(32);
  const corpus: [string, string, number][] = [
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/-1`, 400],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/99999999999999999999`, 400],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/9007199254740993`, 400],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/abc`, 400],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/1e3`, 400],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/0x10`, 400],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/007`, 400],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/1.5`, 400],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/13`, 404],
    ['/channels/{channel}/blocks/{number}', `/channels/${CHANNEL}/blocks/9007199254740991`, 404],
    ['/channels/{channel}/blocks', `/channels/${CHANNEL}/blocks?limit=0`, 400],
    ['/channels/{channel}/blocks', `/channels/${CHANNEL}/blocks?limit=101`, 400],
    ['/channels/{channel}/blocks', `/channels/${CHANNEL}/blocks?limit=ten`, 400],
    ['/channels/{channel}/blocks', `/channels/${CHANNEL}/blocks?before=-5`, 400],
    ['/channels/{channel}/blocks', `/channels/other/blocks`, 404],
    ['/channels/{channel}/blocks', `/channels/UPPER/blocks`, 400],
    ['/channels/{channel}/blocks', `/channels/..%2F..%2Fetc/blocks`, 400],
    ['/channels/{channel}/transactions/{txId}', `/channels/${CHANNEL}/transactions/${hex}`, 404],
    ['/channels/{channel}/transactions/{txId}', `/channels/${CHANNEL}/transactions/${hex.toUpperCase()}`, 400],
    ['/channels/{channel}/transactions/{txId}', `/channels/${CHANNEL}/transactions/${hex}00`, 400],
    ['/transactions/{txId}', `/transactions/${'f'.repeat(3000)}`, 400],
    ['/transactions/{txId}', `/transactions/%00`, 400],
    ['/channels/{channel}/chaincodes/{chaincode}/keys/{key}/history', `/channels/${CHANNEL}/chaincodes/marbles/keys/..%2F..%2F..%2Fetc%2Fpasswd/history`, 404],
    ['/channels/{channel}/chaincodes/{chaincode}/keys/{key}/history', `/channels/${CHANNEL}/chaincodes/marbles/keys/%zz/history`, 400],
    ['/channels/{channel}/chaincodes/{chaincode}/keys/{key}/history', `/channels/${CHANNEL}/chaincodes/marbles/keys/${'k'.repeat(1025)}/history`, 400],
    ['/channels/{channel}/chaincodes/{chaincode}/keys/{key}/history', `/channels/${CHANNEL}/chaincodes/..%2Fx/keys/k/history`, 400],
    ['/channels/{channel}/chaincodes/{chaincode}/keys/{key}/history', `/channels/${CHANNEL}/chaincodes/%3Bls/keys/k/history`, 400],
    ['/channels/{channel}/conflicts', `/channels/${CHANNEL}/conflicts?limit=-1`, 400],
  ];
  it.each(corpus.map(([template, url, status]) => [url.length > 90 ? `${url.slice(0, 90)}…(${url.length} chars)` : url, status, template, url] as const))('%s → %d', async (_label, status, template, url) => {
    await check(template, url, status);
  });

  it('answers unknown paths and writes with an error, then still serves', async () => {
    expect((await get('/nothing/here')).status).toBe(404);
    expect((await get(`/channels/${CHANNEL}/blocks/1/extra`)).status).toBe(404);
    const post = await get('/channels', 'POST');
    expect(post).toEqual({ status: 405, body: { error: expect.stringContaining('read-only') } });
    expect((await get('/channels')).status).toBe(200);
  });
});

describe('/metrics', () => {
  it('serves OpenMetrics with exemplars when asked, the classic format otherwise', async () => {
    const open = await fetch(`http://${server.address}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    expect(open.headers.get('content-type')).toContain('application/openmetrics-text');
    const text = await open.text();
    expect(text).toContain(`mictract_transactions_total{channel="${CHANNEL}",chaincode="marbles",function="transferMarble",validation_code="MVCC_READ_CONFLICT"} 12`);
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
    const plain = await fetch(`http://${server.address}/metrics`);
    expect(plain.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const body = await plain.text();
    expect(body).toContain('# TYPE mictract_transactions_total counter');
    expect(body).not.toContain('# EOF');
  });
});
