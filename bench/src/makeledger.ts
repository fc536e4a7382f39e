import { ChainVerifier, decodeBlock } from '@mictract/exporter';
import { startTestNetwork } from '@mictract/provisioner';
import { LedgerWriter, type LedgerMeta } from './ledgerfile';
import { RoundsWorkload } from './roundsworkload';

// Makes the replay benchmark's ledger once: a real local network (Fabric from source, organizations
// with one peer each, one Raft orderer, marbles as a chaincode service) under the marbles workload,
// in rounds (roundsworkload.ts), until the channel holds `minTransactions` transactions. Every block
// is stored as it commits, pulled from the peer's deliver service (Fabric Gateway block events, as
// the exporter reads them) and checked against the hash chain on the way.

export interface MakeLedgerOptions {
  readonly minTransactions: number;
  readonly rate: number;
  readonly maxInFlight: number;
  readonly roundOps: number;
  readonly batchTimeoutMs: number;
  readonly orgs: number;
  readonly fabric: '2.5' | '3.1';
  readonly fabricVersion: string;
  readonly key: string;
}

const CHANNEL = 'mychannel';

export async function makeLedger(dir: string, o: MakeLedgerOptions): Promise<LedgerMeta> {
  const t0 = Date.now();
  const log = (s: string) => process.stderr.write(`[ledger ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);
  log(`creating ${dir}: Fabric ${o.fabric}, ${o.orgs} org(s) with one peer each, 1 orderer, batch timeout ${o.batchTimeoutMs} ms, marbles workload at up to ${o.rate} ops/s, until ${o.minTransactions} transactions`);
  const net = await startTestNetwork({ name: 'ledger', orgs: o.orgs, orderers: 1, replicas: 1, sidecar: false, fabric: o.fabric, batchTimeoutMs: o.batchTimeoutMs });
  const writer = await LedgerWriter.create(dir);
  const conn = await net.connect();
  const workload = new RoundsWorkload(conn.contract('marbles'), { rate: o.rate, maxInFlight: o.maxInFlight, roundOps: o.roundOps });
  try {
    log(`network up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    workload.start();
    const verifier = new ChainVerifier();
    let txs = 0;
    let endorser = 0;
    const validation: Record<string, number> = {};
    const functions: Record<string, number> = {};
    let lastLog = Date.now();
    let lastTxs = 0;
    const events = await conn.gateway.getNetwork(CHANNEL).getBlockEvents({ startBlock: 0n });
    try {
      for await (const block of events) {
        const bytes = block.serializeBinary();
        const decoded = decodeBlock(block, { channel: CHANNEL });
        const check = verifier.verify({ number: decoded.number, previousHash: decoded.previousHash, dataHash: decoded.dataHash }, block.getData()?.getDataList_asU8() ?? []);
        if (!check.ok || decoded.malformed.length > 0) throw new Error(`block ${decoded.number}: chain check ${check.failed.join(',') || 'ok'}, ${decoded.malformed.length} malformed envelopes`);
        writer.append(bytes);
        txs += decoded.transactions.length;
        for (const t of decoded.transactions) {
          validation[t.validationCodeName] = (validation[t.validationCodeName] ?? 0) + 1;
          if (t.type !== 'ENDORSER_TRANSACTION') continue;
          endorser++;
          const fn = `${t.chaincode}:${t.function ?? ''}`;
          functions[fn] = (functions[fn] ?? 0) + 1;
        }
        if (Date.now() - lastLog >= 10_000) {
          log(`${writer.blocks} blocks, ${txs} tx (${(((txs - lastTxs) * 1000) / (Date.now() - lastLog)).toFixed(0)} tx/s), ${(writer.bytes / 1e6).toFixed(0)} MB | round: ${workload.status()}`);
          lastLog = Date.now();
          lastTxs = txs;
        }
        if (txs >= o.minTransactions) break;
      }
    } finally {
      events.close();
    }
    await workload.stop();
    const createSeconds = (Date.now() - t0) / 1000;
    const meta: LedgerMeta = {
      key: o.key,
      fabric: o.fabricVersion,
      workload: `marbles workload (provisioner MarblesWorkload) in rounds of ${o.roundOps} ops at up to ${o.rate} ops/s, ${o.maxInFlight} in flight, survivors deleted after each round`,
      channel: CHANNEL,
      blocks: writer.blocks,
      transactions: txs,
      endorserTransactions: endorser,
      bytes: writer.bytes,
      createdAt: new Date().toISOString(),
      createSeconds,
      validation,
      functions,
      notes: `${o.orgs} org(s), one peer each, one Raft orderer, marbles without sidecar; batch timeout ${o.batchTimeoutMs} ms, max 500 messages per block; workload ${workload.summary()}`,
    };
    await writer.finish(meta);
    log(`stored ${meta.blocks} blocks, ${meta.transactions} transactions, ${(meta.bytes / 1e6).toFixed(1)} MB in ${createSeconds.toFixed(0)} s`);
    return meta;
  } catch (err) {
    await workload.stop().catch(() => undefined);
    await writer.abandon();
    throw err;
  } finally {
    conn.close();
    await net.destroy();
  }
}
