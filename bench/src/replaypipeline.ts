import { common } from '@hyperledger/fabric-protos';
import { ExporterMetrics, silentLogger } from '@mictract/exporter';
import { ChannelProcessor, type ChannelCounts } from '@mictract/exporter/dist/blockprocessor';
import { CertificateTracker } from '@mictract/exporter/dist/certificatetracker';
import { ChannelReader, DEFAULT_READER_OPTIONS, type BlockSource, type CloseableBlocks } from '@mictract/exporter/dist/channelreader';
import { CheckpointFile } from '@mictract/exporter/dist/checkpointfile';
import { DEFAULT_INDEX_LIMITS, LedgerIndex } from '@mictract/exporter/dist/ledgerindex';
import { LabelLimiter } from '@mictract/exporter/dist/sidecar/labellimiter';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBlocks } from './ledgerfile';
import type { Sampler } from './replaychild';

// The replay's pipeline mode: the exporter's ChannelReader and ChannelProcessor with its metrics,
// certificate tracker, ledger index and checkpoint file, wired as exporter.ts wires them, reading
// the stored blocks through a BlockSource that stands where a peer's Deliver stream would be. Loading
// '@mictract/exporter' brings in what the exporter process loads too (OpenTelemetry, grpc-js, the
// Fabric Gateway, prom-client), so the memory measured is the exporter's.

/** The exporter's reader and processor, wired as exporter.ts wires them, over the stored blocks. */
export async function pipeline(dir: string, channel: string, height: number, sampler: Sampler): Promise<{ txs: number; check: string; digest: () => string }> {
  const metrics = new ExporterMetrics();
  const index = new LedgerIndex({ ...DEFAULT_INDEX_LIMITS });
  const certificates = new CertificateTracker(metrics.certificateExpiry);
  const checkpointDir = await mkdtemp(path.join(tmpdir(), 'mictract-replay-'));
  try {
    const checkpoints = new CheckpointFile<ChannelCounts>(checkpointDir, channel);
    const processor = new ChannelProcessor(channel, { metrics, index, certificates, log: silentLogger, functions: new LabelLimiter() });
    const source: BlockSource = {
      name: 'stored ledger',
      chainHeight: async () => height,
      blocks: async (_channel, start): Promise<CloseableBlocks> => {
        if (start !== 0) throw new Error(`replay starts at block 0 (asked for ${start})`);
        let closed = false;
        return {
          close: () => void (closed = true),
          async *[Symbol.asyncIterator]() {
            for (const bytes of readBlocks(dir)) {
              if (closed) return;
              // the Fabric Gateway's block events deserialize each block with fabric-protos before the exporter sees it
              yield common.Block.deserializeBinary(bytes);
              sampler.block();
            }
          },
        };
      },
    };
    const reader = new ChannelReader(channel, processor, checkpoints, [source], metrics, silentLogger, { ...DEFAULT_READER_OPTIONS });
    reader.start();
    await reader.whenProcessed(height);
    await reader.stop();
    const counts = processor.checkpoint().counts;
    const txs = Object.values(counts.envelopes).reduce((a, b) => a + b, 0);
    const valid = Object.entries(counts.transactions).filter(([k]) => k.endsWith('\u0000VALID')).reduce((a, [, v]) => a + v, 0);
    const check = `counted ${counts.blocks} blocks, ${txs} envelopes (${valid} valid), chain failures ${JSON.stringify(counts.chainFailures)}, decode errors ${JSON.stringify(counts.decodeErrors)}, certificates ${certificates.list().length}, index holds blocks from ${index.blocksNewestFirst(channel, 1000).at(-1)?.number}`;
    // what the ledger API would serve from memory, as one hash, to compare runs of different exporter code
    const digest = () => {
      const blocks = index.blocksNewestFirst(channel, Infinity).map(({ receivedAtMs: _, ...b }) => b);
      const history = index.keyHistories(channel);
      const state = { blocks, history, conflicts: index.topConflictingKeys(channel, Infinity), certificates: certificates.list(), counts };
      return createHash('sha256').update(canonical(state)).digest('hex').slice(0, 16);
    };
    return { txs, check, digest };
  } finally {
    await rm(checkpointDir, { recursive: true, force: true });
  }
}


/** JSON with object keys sorted, so field order does not change the hash. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
