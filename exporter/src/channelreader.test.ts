import { common } from '@hyperledger/fabric-protos';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ChannelProcessor, type ChannelCounts } from './blockprocessor';
import { CertificateTracker } from './certificatetracker';
import { ChannelReader } from './channelreader';
import { CheckpointFile } from './checkpointfile';
import { ExporterMetrics } from './exportermetrics';
import { LedgerIndex } from './ledgerindex';
import { silentLogger } from './log';
import { LabelLimiter } from './sidecar/labellimiter';
import { endorserEnvelope, headerHashOf, testBlock } from './testblocks';
import { TestBlockSource } from './testblocksource';
import { sampleGenesisBlock } from './testfabric';
import { MVCC_READ_CONFLICT, VALID } from './validationcode';

jest.setTimeout(60_000);

const CHANNEL = 'readerchannel';
const FUNCTIONS = ['initMarble', 'transferMarble', 'delete'];
let cert: string;
let genesis: common.Block;

beforeAll(async () => {
  const made = await sampleGenesisBlock(CHANNEL);
  genesis = common.Block.deserializeBinary(made.bytes);
  cert = (await readFile(path.join(made.tools.config, 'msp/signcerts/peer.pem'))).toString();
});

/** A chain: the real genesis block, then `n` blocks of 1-3 marbles transactions; returns it and the expected tallies. */
function makeChain(n: number): { blocks: common.Block[]; expected: Map<string, number> } {
  const blocks = [genesis];
  const expected = new Map<string, number>();
  let seed = 7;
  const rnd = (k: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % k;
  for (let b = 1; b <= n; b++) {
    const envelopes: Uint8Array[] = [];
    const codes: number[] = [];
    for (let t = 0, count = 1 + rnd(3); t < count; t++) {
      const fn = FUNCTIONS[rnd(FUNCTIONS.length)]!;
      const code = rnd(4) === 0 ? MVCC_READ_CONFLICT : VALID;
      envelopes.push(endorserEnvelope({ channel: CHANNEL, chaincode: 'marbles', fn, args: [`m${b}`], mspId: 'Org1MSP', certificate: cert, reads: [{ key: `m${rnd(5)}` }], writes: [{ key: `m${b}` }] }).bytes);
      codes.push(code);
      const key = `${fn}/${code === VALID ? 'VALID' : 'MVCC_READ_CONFLICT'}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    blocks.push(testBlock(b, headerHashOf(blocks[b - 1]!), envelopes, codes));
  }
  return { blocks, expected };
}

interface Stack {
  metrics: ExporterMetrics;
  processor: ChannelProcessor;
  reader: ChannelReader;
  index: LedgerIndex;
  checkpoints: CheckpointFile<ChannelCounts>;
}

async function stack(dir: string, sources: TestBlockSource[], warmBlocks = 0): Promise<Stack> {
  const metrics = new ExporterMetrics({ defaultMetrics: false });
  const index = new LedgerIndex();
  const checkpoints = new CheckpointFile<ChannelCounts>(dir, CHANNEL);
  const parts = { metrics, index, certificates: new CertificateTracker(metrics.certificateExpiry), log: silentLogger, functions: new LabelLimiter() };
  const processor = new ChannelProcessor(CHANNEL, parts, await checkpoints.load());
  const reader = new ChannelReader(CHANNEL, processor, checkpoints, sources, metrics, silentLogger, { backoffMinMs: 1, backoffMaxMs: 5, heightPollMs: 60_000, warmBlocks });
  return { metrics, processor, reader, index, checkpoints };
}

async function tallies(metrics: ExporterMetrics): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of (await metrics.transactions.get()).values) out.set(`${v.labels.function}/${v.labels.validation_code}`, v.value);
  return out;
}

async function value(metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const values = (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return values.reduce((a, v) => a + v.value, 0);
}

describe('ChannelReader', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-reader-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads every block in order, counts what the blocks hold, verifies the chain and checkpoints', async () => {
    const { blocks, expected } = makeChain(30);
    const peer = new TestBlockSource();
    peer.append(...blocks.slice(0, 10));
    const s = await stack(dir, [peer]);
    s.reader.start();
    await s.reader.whenProcessed(10);
    peer.append(...blocks.slice(10));
    await s.reader.whenProcessed(31);
    await s.reader.stop();
    expect(await tallies(s.metrics)).toEqual(expected);
    expect(await value(s.metrics.blocks)).toBe(31);
    expect(await value(s.metrics.chainFailures)).toBe(0);
    expect(await value(s.metrics.lag)).toBe(0);
    expect(await value(s.metrics.envelopes, { type: 'CONFIG' })).toBe(1);
    expect(s.index.blocksNewestFirst(CHANNEL, 100).every((b) => b.verification.ok && (b.number === 0 || b.verification.previousChecked))).toBe(true);
    const cp = await s.checkpoints.load();
    expect(cp?.nextBlock).toBe(31);
    expect(cp?.lastHeaderHash).toBe(headerHashOf(blocks[30]!).toString('hex'));
  });

  it('reconnects after broken streams and a peer outage, failing over between peers, without missing or repeating a block', async () => {
    const { blocks, expected } = makeChain(40);
    const a = new TestBlockSource('a');
    const b = new TestBlockSource('b');
    a.append(...blocks);
    b.append(...blocks);
    a.failAfter = 7;
    b.failAfter = 5;
    const s = await stack(dir, [a, b]);
    s.reader.start();
    await s.reader.whenProcessed(41);
    await s.reader.stop();
    expect(await tallies(s.metrics)).toEqual(expected);
    expect(a.starts.slice(0, 2)).toEqual([0, 12]); // a: 0..6, b: 7..11, a again from 12
    expect(b.starts[0]).toBe(7);
    expect(await value(s.metrics.reconnects)).toBeGreaterThanOrEqual(2);
  });

  it('resumes from the checkpoint after a restart: the totals equal those of one uninterrupted run', async () => {
    const { blocks, expected } = makeChain(50);
    const peer = new TestBlockSource();
    peer.append(...blocks.slice(0, 20));
    const first = await stack(dir, [peer]);
    first.reader.start();
    await first.reader.whenProcessed(20);
    await first.reader.stop();
    peer.append(...blocks.slice(20));
    const second = await stack(dir, [peer], 5);
    expect(second.processor.nextBlock).toBe(20);
    second.reader.start();
    await second.reader.whenProcessed(51);
    await second.reader.stop();
    expect(await tallies(second.metrics)).toEqual(expected);
    expect(await value(second.metrics.blocks)).toBe(51);
    expect(peer.starts).toEqual([0, 15]); // 5 blocks before the checkpoint, for the index only
    expect(second.index.block(CHANNEL, 15)).toBeDefined();
    // the chain check carries over the restart: block 20's previous hash was checked against the checkpoint
    expect(second.index.block(CHANNEL, 20)?.verification.previousChecked).toBe(true);
    expect(await value(second.metrics.chainFailures)).toBe(0);
  });

  it('counts and logs an altered block, and goes on', async () => {
    const { blocks } = makeChain(5);
    const altered = common.Block.deserializeBinary(blocks[3]!.serializeBinary());
    altered.getData()!.setDataList([...altered.getData()!.getDataList_asU8(), new Uint8Array([1, 2, 3])]);
    const peer = new TestBlockSource();
    peer.append(...blocks.slice(0, 3), altered, blocks[4]!, blocks[5]!);
    const s = await stack(dir, [peer]);
    s.reader.start();
    await s.reader.whenProcessed(6);
    await s.reader.stop();
    expect(await value(s.metrics.chainFailures, { check: 'data_hash' })).toBe(1);
    expect(await value(s.metrics.chainFailures, { check: 'previous_hash' })).toBe(0);
    expect(await value(s.metrics.decodeErrors, { kind: 'envelope' })).toBe(1);
    expect(s.index.block(CHANNEL, 3)?.verification).toMatchObject({ ok: false, failed: ['data_hash'] });
    expect(s.index.block(CHANNEL, 5)?.verification.ok).toBe(true);
  });

  it('exposes its lag behind the peer while the peer is down, and 0 once caught up', async () => {
    const { blocks } = makeChain(10);
    const peer = new TestBlockSource();
    peer.append(...blocks);
    const s = await stack(dir, [peer]);
    peer.failAfter = 4;
    peer.downWhenBroken = true;
    s.reader.start();
    await s.reader.whenProcessed(4);
    expect(await value(s.metrics.peerHeight)).toBe(11);
    expect(await value(s.metrics.lag)).toBe(7);
    const reconnects = await value(s.metrics.reconnects);
    peer.down = false;
    await s.reader.whenProcessed(11);
    expect(await value(s.metrics.lag)).toBe(0);
    expect(await value(s.metrics.reconnects)).toBeGreaterThan(reconnects);
    await s.reader.stop();
  });
});
