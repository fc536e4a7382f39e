import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { traceIdOf, txSpanIdOf } from '@mictract/exporter';
import { evaluate, startTestNetwork, type GatewayConnection, type TestNetwork } from '@mictract/provisioner';
import { caPaths, tlsCaPaths, userPaths } from '@mictract/provisioner/dist/crypto/layout';
import { CHANNEL, Tally, api, height, marblesCounts, round, samples, startExporter, writeExporterConfig, type ExporterProcess } from './support/exporterprocess';
import { getTrace, startJaeger, type Jaeger } from './support/jaeger';
import { until } from './support/ports';

// The exporter as its own process (exporter/dist/exportermain.js, as `mictract up` runs it) against a
// real Fabric 2.5 network of two orgs, reading as Org1's User1 over TLS, sending spans to a real
// Jaeger. The workload is known: every submit's outcome (VALID, or the validation code the peer
// reported) is tallied, and the exporter's counts must equal that tally, including the
// MVCC_READ_CONFLICTs of concurrent transfers of one marble. A second exporter is killed with
// SIGKILL at several points of a workload and restarted: its totals must equal the first's.

jest.setTimeout(600_000);

describe('mictract-exporter on a real Fabric 2.5 network', () => {
  let net: TestNetwork;
  let conn: GatewayConnection;
  let jaeger: Jaeger;
  let dir: string;
  let main: ExporterProcess;
  const tally = new Tally();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-exporter-e2e-'));
    [net, jaeger] = await Promise.all([startTestNetwork({ name: 'exp', orgs: 2, peersPerOrg: [2, 1], sidecar: false }), startJaeger()]);
    conn = await net.connect();
    const cfg = await writeExporterConfig(net, dir, 'main', jaeger.otlpHttp);
    main = await startExporter(cfg.file, cfg.listen);
  });

  afterAll(async () => {
    conn?.close();
    await main?.stop();
    await jaeger?.stop();
    await net?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts by function and validation code exactly what was submitted, MVCC conflicts included', async () => {
    for (let r = 0; r < 3; r++) await round(conn, tally, `r${r}`);
    expect(tally.counts['transferMarble/MVCC_READ_CONFLICT']).toBeGreaterThan(0);
    await until('the exporter to process the last block', async () => ((await height(main)) > tally.lastBlock ? true : undefined), 60_000);
    expect(await marblesCounts(main)).toEqual(tally.counts);
    const conflicts = await samples(main, 'mictract_mvcc_read_conflicts_total');
    expect(conflicts.find((s) => s.labels.chaincode === 'marbles')?.value).toBe(tally.counts['transferMarble/MVCC_READ_CONFLICT']);
    const lag = await samples(main, 'mictract_exporter_lag_blocks');
    expect(lag).toEqual([{ labels: { channel: CHANNEL }, value: 0 }]);
    const top = await api<{ conflicts: { chaincode: string; key: string; conflicts: number }[] }>(main, `/channels/${CHANNEL}/conflicts?limit=3`);
    expect(top.conflicts.map((c) => c.key).sort()).toEqual(['r0-a', 'r1-a', 'r2-a']);
  });

  it("verifies the chain, and its header hashes are the ones Fabric's peer chains its blocks with", async () => {
    expect(await samples(main, 'mictract_exporter_chain_verification_failures_total')).toEqual([]);
    const h = await height(main);
    type Page = { blocks: { number: number; previousHash: string; headerHash: string; dataHash: string; verification: { ok: boolean; previousChecked: boolean } }[]; next: number | null };
    const blocks: Page['blocks'] = [];
    for (let next: number | null = h; next !== null; ) {
      const page: Page = await api<Page>(main, `/channels/${CHANNEL}/blocks?limit=100&before=${next}`);
      blocks.push(...page.blocks);
      next = page.next;
    }
    expect(blocks.map((b) => b.number)).toEqual(Array.from({ length: h }, (_, i) => h - 1 - i));
    const qscc = conn.gateway.getNetwork(CHANNEL).getContract('qscc');
    for (const b of blocks) {
      expect(b.verification).toMatchObject({ ok: true, previousChecked: b.number > 0 });
      // the peer's own next block names this block's header hash as its previous hash
      if (b.number < h - 1) {
        const raw = common.Block.deserializeBinary(await qscc.evaluateTransaction('GetBlockByNumber', CHANNEL, String(b.number + 1)));
        expect(Buffer.from(raw.getHeader()!.getPreviousHash_asU8()).toString('hex')).toBe(b.headerHash);
      }
    }
  });

  it("gives a transaction's fields as submitted, and a key's history as getHistoryForMarble does", async () => {
    const create = tally.txIds.find((t) => t.fn === 'initMarble' && t.code === 'VALID')!;
    const tx = await api<Record<string, unknown>>(main, `/transactions/${create.txId}`);
    expect(tx).toMatchObject({ txId: create.txId, channel: CHANNEL, blockNumber: create.block, chaincode: 'marbles', function: 'initMarble', validationCode: 'VALID', creator: { mspId: 'Org1MSP', subject: 'User1@org1.example.com' } });
    expect((tx.args as string[])[0]).toMatch(/^r0-/);
    expect((tx.endorsers as { mspId: string }[]).length).toBeGreaterThan(0);
    const history = JSON.parse((await evaluate(conn.contract('marbles'), 'getHistoryForMarble', ['r1-a'])).result) as { TxId: string }[];
    const ours = await api<{ writes: { txId: string }[] }>(main, `/channels/${CHANNEL}/chaincodes/marbles/keys/r1-a/history`);
    expect(ours.writes.map((w) => w.txId).sort()).toEqual(history.map((h) => h.TxId).sort());
  });

  it('sends a span per committed transaction, under the trace ID derived from its tx ID', async () => {
    const conflicted = tally.txIds.find((t) => t.code === 'MVCC_READ_CONFLICT')!;
    const spans = await until('the span in Jaeger', async () => {
      const found = await getTrace(jaeger, traceIdOf(conflicted.txId));
      return found.length > 0 ? found : undefined;
    });
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      service: 'mictract-exporter',
      name: 'marbles transferMarble',
      spanId: txSpanIdOf(conflicted.txId),
      parentSpanId: '',
      attributes: { 'fabric.channel': CHANNEL, 'fabric.chaincode': 'marbles', 'fabric.function': 'transferMarble', 'fabric.validation_code': 'MVCC_READ_CONFLICT', 'fabric.block.number': conflicted.block, 'fabric.creator.msp_id': 'Org1MSP', 'fabric.tx_id': conflicted.txId },
    });
    const open = await (await fetch(`${main.url}/metrics`, { headers: { accept: 'application/openmetrics-text' } })).text();
    expect(open).toMatch(/mictract_transaction_commit_latency_seconds_bucket\{[^}]*function="transferMarble"[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}"\}/);
  });

  it('exposes the not-after time of the CA and TLS CA certificates of every org, and of the creator', async () => {
    const expiry = await samples(main, 'mictract_certificate_expiry_timestamp_seconds');
    const notAfter = async (file: string) => Math.floor(new X509Certificate(await readFile(file)).validToDate.getTime() / 1000);
    for (const org of net.network.organizations) {
      const ref = { kind: 'peer' as const, domain: org.domain };
      for (const [role, file] of [['ca', caPaths(net.dirs.crypto, ref).cert], ['tls_ca', tlsCaPaths(net.dirs.crypto, ref).cert]] as const) {
        const series = expiry.filter((s) => s.labels.msp === org.mspId && s.labels.role === role);
        expect(series.map((s) => s.value)).toEqual([await notAfter(file)]);
      }
    }
    const org1 = net.network.organizations[0]!;
    const creator = expiry.find((s) => s.labels.role === 'creator' && s.labels.subject === 'User1@org1.example.com');
    expect(creator?.value).toBe(await notAfter(userPaths(net.dirs.crypto, { kind: 'peer', domain: org1.domain }, 'User1').msp.signcert));
  });

  it('killed with SIGKILL at several points of a workload and restarted, ends with the totals of the exporter that ran throughout', async () => {
    const cfg = await writeExporterConfig(net, dir, 'crashy');
    let crashy = await startExporter(cfg.file, cfg.listen);
    const kills: number[] = [];
    try {
      for (let r = 0; r < 4; r++) {
        const work = round(conn, tally, `k${r}`);
        // kill while the round is in flight, at a different point each time: after 0, 1, 2, 3 new blocks
        const target = tally.lastBlock + r;
        await until('blocks to arrive', async () => ((await height(crashy)) > target ? true : undefined), 60_000);
        await crashy.kill9();
        kills.push(target);
        crashy = await startExporter(cfg.file, cfg.listen);
        await work;
      }
      await until('both exporters at the last block', async () => ((await height(crashy)) > tally.lastBlock && (await height(main)) > tally.lastBlock ? true : undefined), 60_000);
      expect(await marblesCounts(crashy)).toEqual(tally.counts);
      expect(await marblesCounts(main)).toEqual(tally.counts);
      const blocks = async (e: ExporterProcess) => (await samples(e, 'mictract_exporter_blocks_processed_total'))[0]?.value;
      expect(await blocks(crashy)).toBe(await blocks(main));
      expect(await blocks(crashy)).toBe(await height(main));
      expect(kills).toHaveLength(4);
    } finally {
      await crashy.stop();
    }
  });

  it('fails over when the peer it reads from stops, catches up, and its lag returns to 0 once the peer is back', async () => {
    const peer = net.network.organizations[0]!.peers[0]!;
    const name = (await net.supervisor.status()).map((p) => p.name).find((n) => n === peer.name || n.startsWith(`${peer.name}.`));
    expect(name).toBeDefined();
    const spec = JSON.parse(await readFile(path.join(net.supervisor.runDir, `${name}.json`), 'utf8')).spec;
    const reconnects = async () => (await samples(main, 'mictract_exporter_reconnects_total'))[0]?.value ?? 0;
    const before = await reconnects();
    await net.supervisor.stop(name!);
    await until('the exporter to notice', async () => ((await reconnects()) > before ? true : undefined), 60_000);
    const other = await net.connect({ org: 'Org2' });
    try {
      await round(other, tally, 'p0');
    } finally {
      other.close();
    }
    await until('the exporter to catch up through the other peer', async () => ((await height(main)) > tally.lastBlock ? true : undefined), 120_000);
    await net.supervisor.start(spec);
    await net.supervisor.waitHealthy(name!);
    const qscc = conn.gateway.getNetwork(CHANNEL).getContract('qscc');
    await until('the restarted peer to catch up', async () => (common.BlockchainInfo.deserializeBinary(await qscc.evaluateTransaction('GetChainInfo', CHANNEL)).getHeight() > tally.lastBlock ? true : undefined), 120_000);
    await round(conn, tally, 'p1');
    await until('the exporter to process the last block', async () => ((await height(main)) > tally.lastBlock ? true : undefined), 120_000);
    expect(await marblesCounts(main)).toEqual(tally.counts);
    await until('lag 0', async () => ((await samples(main, 'mictract_exporter_lag_blocks'))[0]?.value === 0 ? true : undefined));
  });
});
