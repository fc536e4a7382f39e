import type { common } from '@hyperledger/fabric-protos';
import type { LabelValues } from 'prom-client';
import { decodeBlock } from './blockdecoder';
import type { CertificateTracker } from './certificatetracker';
import { ChainVerifier, type Verification } from './chainverifier';
import type { ChannelCheckpoint } from './checkpointfile';
import type { DecodedBlock } from './decodedblock';
import type { ExporterMetrics } from './exportermetrics';
import type { LedgerIndex } from './ledgerindex';
import type { Logger } from './log';
import { LabelLimiter } from './sidecar/labellimiter';
import { traceIdOf, isTxId } from './traceidentity';
import type { TxSpans } from './txspans';

// What happens to each block of a channel, in order: verify the hash chain, decode, count (metrics),
// note certificates, emit transaction spans, index for the ledger API. Nothing here throws on bad
// input: a malformed envelope or block is counted and skipped, a chain mismatch counted and logged.
//
// The ledger counters (blocks, transactions by chaincode/function/validation code, conflicts, decode
// and chain failures) are also kept as plain numbers that travel in the checkpoint with the block
// position, so a restarted exporter restores them and resumes: its totals equal a run without crashes.

export interface ChannelCounts {
  blocks: number;
  /** Envelopes by channel header type. */
  envelopes: Record<string, number>;
  /** Endorser transactions by `chaincode \0 function \0 validation_code` (function as labelled). */
  transactions: Record<string, number>;
  mvccConflicts: Record<string, number>;
  decodeErrors: Record<string, number>;
  chainFailures: Record<string, number>;
}

export function emptyCounts(): ChannelCounts {
  return { blocks: 0, envelopes: {}, transactions: {}, mvccConflicts: {}, decodeErrors: {}, chainFailures: {} };
}

export interface ProcessorParts {
  readonly metrics: ExporterMetrics;
  readonly index: LedgerIndex;
  readonly certificates: CertificateTracker;
  readonly spans?: TxSpans;
  readonly log: Logger;
  /** Bounds the function label across channels. */
  readonly functions: LabelLimiter;
}

export interface ProcessOptions {
  /** Count the block in metrics and the checkpoint (false while only rebuilding the index after a restart). */
  readonly count: boolean;
  /** The block is new (not catch-up): observe commit latency and emit spans. */
  readonly live: boolean;
}

const SEP = '\u0000';
const CONFLICT_CODES = new Set(['MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT']);

function bump(record: Record<string, number>, key: string, n = 1): void {
  record[key] = (record[key] ?? 0) + n;
}

export class ChannelProcessor {
  private counts: ChannelCounts;
  private verifier: ChainVerifier;
  /** Checks the blocks read again only to rebuild the index after a restart. */
  private readonly warmVerifier = new ChainVerifier();
  private next: number;

  constructor(
    readonly channel: string,
    private readonly parts: ProcessorParts,
    checkpoint?: ChannelCheckpoint<ChannelCounts>,
  ) {
    this.counts = checkpoint?.counts ?? emptyCounts();
    this.next = checkpoint?.nextBlock ?? 0;
    this.verifier = new ChainVerifier(checkpoint?.lastHeaderHash && checkpoint.nextBlock > 0 ? { number: checkpoint.nextBlock - 1, headerHash: checkpoint.lastHeaderHash } : undefined);
    this.restoreMetrics();
  }

  /** The next block to count. */
  get nextBlock(): number {
    return this.next;
  }

  /** The state to persist: position, last header hash and counts, consistent with each other. */
  checkpoint(): ChannelCheckpoint<ChannelCounts> {
    const last = this.verifier.lastHeader();
    return {
      version: 1,
      channel: this.channel,
      nextBlock: this.next,
      ...(last && last.number === this.next - 1 ? { lastHeaderHash: last.headerHash } : {}),
      counts: this.counts,
    };
  }

  /** Processes one block; blocks must come in order (the reader sees to it). */
  process(block: common.Block, receivedAtMs: number, options: ProcessOptions): { decoded?: DecodedBlock; verification?: Verification } {
    const { metrics, log } = this.parts;
    const channel = this.channel;
    const header = block.getHeader();
    if (!header) {
      this.countDecodeError('block', options);
      log.log('warn', 'block without a header skipped', { channel, expected: this.next });
      if (options.count) this.advance(this.next);
      return {};
    }
    const number = header.getNumber();
    const data = block.getData()?.getDataList_asU8() ?? [];
    const verification = (options.count ? this.verifier : this.warmVerifier).verify(
      { number, previousHash: header.getPreviousHash_asU8(), dataHash: header.getDataHash_asU8() },
      data,
    );
    if (!verification.ok && options.count) {
      for (const check of verification.failed) {
        bump(this.counts.chainFailures, check);
        metrics.chainFailures.inc({ channel, check });
      }
      log.log('error', 'block fails hash-chain verification', { channel, block: number, failed: verification.failed.join(',') });
    }
    let decoded: DecodedBlock;
    try {
      decoded = decodeBlock(block, { channel });
    } catch (err) {
      this.countDecodeError('block', options);
      log.log('warn', 'undecodable block skipped', { channel, block: number, reason: (err as Error).message });
      if (options.count) this.advance(number);
      return { verification };
    }
    if (decoded.malformed.length > 0) {
      this.countDecodeError('envelope', options, decoded.malformed.length);
      log.log('warn', 'malformed envelopes skipped', { channel, block: number, positions: decoded.malformed.map((m) => m.position).join(','), reason: decoded.malformed[0]!.reason.slice(0, 200) });
    }
    this.noteCertificates(decoded);
    if (options.count) this.count(decoded, receivedAtMs, options.live);
    if (options.live && this.parts.spans) this.parts.spans.emit(decoded, receivedAtMs);
    this.parts.index.add(decoded, verification, receivedAtMs);
    if (options.count) this.advance(number);
    return { decoded, verification };
  }

  private advance(number: number): void {
    this.next = number + 1;
    this.parts.metrics.height.set({ channel: this.channel }, this.next);
    this.parts.metrics.lastBlockTime.set({ channel: this.channel }, Date.now() / 1000);
  }

  private countDecodeError(kind: 'block' | 'envelope', options: ProcessOptions, n = 1): void {
    if (!options.count) return;
    bump(this.counts.decodeErrors, kind, n);
    this.parts.metrics.decodeErrors.inc({ channel: this.channel, kind }, n);
  }

  private count(block: DecodedBlock, receivedAtMs: number, live: boolean): void {
    const { metrics, functions } = this.parts;
    const channel = this.channel;
    this.counts.blocks++;
    metrics.blocks.inc({ channel });
    metrics.blockSize.observe({ channel }, block.size);
    metrics.blockTransactions.observe({ channel }, block.transactions.length + block.malformed.length);
    // counted per block, then added to the metrics once per label set: far fewer prom-client calls
    const byType = new Map<string, number>();
    const byLabels = new Map<string, number>();
    const conflicts = new Map<string, number>();
    for (const tx of block.transactions) {
      byType.set(tx.type, (byType.get(tx.type) ?? 0) + 1);
      if (tx.type !== 'ENDORSER_TRANSACTION') continue;
      const chaincode = tx.chaincode ?? '';
      const fn = functions.value(tx.function ?? '');
      const key = chaincode + SEP + fn + SEP + tx.validationCodeName;
      byLabels.set(key, (byLabels.get(key) ?? 0) + 1);
      if (CONFLICT_CODES.has(tx.validationCodeName)) conflicts.set(chaincode, (conflicts.get(chaincode) ?? 0) + 1);
      if (live && tx.timestampMs !== undefined) {
        const seconds = Math.max(0, (receivedAtMs - tx.timestampMs) / 1000);
        const labels = { channel, chaincode, function: fn };
        if (isTxId(tx.txId)) {
          // exemplar labels must stay under 128 characters: trace_id alone is 42
          metrics.commitLatency.observe({ value: seconds, labels, exemplarLabels: { trace_id: traceIdOf(tx.txId) } as LabelValues<'channel'> });
        } else {
          metrics.commitLatency.observe(labels, seconds);
        }
      }
    }
    for (const [key, n] of byLabels) {
      const [chaincode, fn, code] = key.split(SEP) as [string, string, string];
      bump(this.counts.transactions, key, n);
      metrics.transactions.inc({ channel, chaincode, function: fn, validation_code: code }, n);
    }
    for (const [chaincode, n] of conflicts) {
      bump(this.counts.mvccConflicts, chaincode, n);
      metrics.mvccConflicts.inc({ channel, chaincode }, n);
    }
    for (const [type, n] of byType) {
      bump(this.counts.envelopes, type, n);
      metrics.envelopes.inc({ channel, type }, n);
    }
  }

  private noteCertificates(block: DecodedBlock): void {
    const certs = this.parts.certificates;
    for (const c of block.config?.certificates ?? []) certs.observe(c.certificate, c.mspId, c.role, this.channel);
    for (const tx of block.transactions) {
      if (tx.creator?.certificate) certs.observe(tx.creator.certificate, tx.creator.mspId, 'creator', this.channel);
      for (const e of tx.endorsers) if (e.certificate) certs.observe(e.certificate, e.mspId, 'endorser', this.channel);
    }
  }

  /** Puts the checkpoint's counts back into the metrics (the label limiter sees the functions first). */
  private restoreMetrics(): void {
    const { metrics, functions } = this.parts;
    const channel = this.channel;
    const c = this.counts;
    if (c.blocks) metrics.blocks.inc({ channel }, c.blocks);
    for (const [type, n] of Object.entries(c.envelopes)) metrics.envelopes.inc({ channel, type }, n);
    for (const [key, n] of Object.entries(c.transactions)) {
      const [chaincode, fn, code] = key.split(SEP) as [string, string, string];
      functions.value(fn);
      metrics.transactions.inc({ channel, chaincode, function: fn, validation_code: code }, n);
    }
    for (const [chaincode, n] of Object.entries(c.mvccConflicts)) metrics.mvccConflicts.inc({ channel, chaincode }, n);
    for (const [kind, n] of Object.entries(c.decodeErrors)) metrics.decodeErrors.inc({ channel, kind }, n);
    for (const [check, n] of Object.entries(c.chainFailures)) metrics.chainFailures.inc({ channel, check }, n);
    if (this.next > 0) metrics.height.set({ channel }, this.next);
  }
}
