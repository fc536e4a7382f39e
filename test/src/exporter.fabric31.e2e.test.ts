import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { startTestNetwork, type GatewayConnection, type TestNetwork } from '@mictract/provisioner';
import { CHANNEL, Tally, api, height, marblesCounts, round, samples, startExporter, writeExporterConfig, type ExporterProcess } from './support/exporterprocess';
import { until } from './support/ports';

// The same exporter against a Fabric 3.1.5 network (no lscc, the 3.x peer and orderer): the same
// counts as submitted, the chain verified and chained as the peer chains it, the config block's MSPs.

jest.setTimeout(600_000);

describe('mictract-exporter on a real Fabric 3.1.5 network', () => {
  let net: TestNetwork;
  let conn: GatewayConnection;
  let dir: string;
  let exporter: ExporterProcess;
  const tally = new Tally();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-exporter-31-'));
    net = await startTestNetwork({ name: 'exp31', fabric: '3.1', orgs: 2, sidecar: false });
    conn = await net.connect();
    const cfg = await writeExporterConfig(net, dir, 'exporter');
    exporter = await startExporter(cfg.file, cfg.listen);
  });

  afterAll(async () => {
    conn?.close();
    await exporter?.stop();
    await net?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts what was submitted, by function and validation code', async () => {
    for (let r = 0; r < 2; r++) await round(conn, tally, `f${r}`);
    expect(tally.counts['transferMarble/MVCC_READ_CONFLICT']).toBeGreaterThan(0);
    await until('the exporter to process the last block', async () => ((await height(exporter)) > tally.lastBlock ? true : undefined), 60_000);
    expect(await marblesCounts(exporter)).toEqual(tally.counts);
    expect(await samples(exporter, 'mictract_exporter_decode_errors_total')).toEqual([]);
  });

  it('verifies every block, chained as the peer chains them, and reads the channel configuration', async () => {
    expect(await samples(exporter, 'mictract_exporter_chain_verification_failures_total')).toEqual([]);
    const h = await height(exporter);
    const page = await api<{ blocks: { number: number; headerHash: string; verification: { ok: boolean } }[] }>(exporter, `/channels/${CHANNEL}/blocks?limit=100`);
    expect(page.blocks).toHaveLength(Math.min(100, h));
    const qscc = conn.gateway.getNetwork(CHANNEL).getContract('qscc');
    for (const b of page.blocks) {
      expect(b.verification.ok).toBe(true);
      if (b.number < h - 1) {
        const next = common.Block.deserializeBinary(await qscc.evaluateTransaction('GetBlockByNumber', CHANNEL, String(b.number + 1)));
        expect(Buffer.from(next.getHeader()!.getPreviousHash_asU8()).toString('hex')).toBe(b.headerHash);
      }
    }
    const genesis = await api<{ configSequence: number; transactions: { type: string }[] }>(exporter, `/channels/${CHANNEL}/blocks/0`);
    expect(genesis.transactions[0]!.type).toBe('CONFIG');
    const expiry = await samples(exporter, 'mictract_certificate_expiry_timestamp_seconds');
    const msps = new Set(expiry.filter((s) => s.labels.role === 'ca').map((s) => s.labels.msp));
    for (const org of net.network.organizations) expect(msps.has(org.mspId)).toBe(true);
  });
});
