import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { readBlocks, readMeta } from './ledgerfile';

// One replay measurement, in a process of its own, started by bench/src/replay.ts pinned to one core:
//   node bench/dist/replaychild.js floor|full|decode|pipeline <ledger dir>   (prints one JSON line)
// the stored blocks from 0 through one of four paths, with time, CPU and memory over the run. Each
// mode loads only what it needs (the floor only fabric-protos; the pipeline the exporter's modules, as
// the exporter process does), so peak RSS is each path's own.

export type Mode = 'floor' | 'full' | 'decode' | 'pipeline';

export interface ChildResult {
  readonly mode: Mode;
  readonly blocks: number;
  readonly transactions: number;
  readonly wallSeconds: number;
  /** Loading the mode's modules, before the clock starts. */
  readonly loadSeconds: number;
  /** User + system CPU time of the process (every thread: main, GC helpers, file I/O). */
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  /** RSS after 10 %, 20 %, ..., 100 % of the blocks. */
  readonly rssAt: number[];
  readonly heapAt: number[];
  /** What the pipeline counted, to compare with the ledger. */
  readonly check?: string;
}

/** Samples memory at every tenth of the blocks. */
export class Sampler {
  readonly rss: number[] = [];
  readonly heap: number[] = [];
  private seen = 0;
  private next: number;
  constructor(private readonly total: number) {
    this.next = Math.ceil(total / 10);
  }
  block(): void {
    this.seen++;
    while (this.seen >= this.next && this.rss.length < 10) {
      const m = process.memoryUsage();
      this.rss.push(m.rss);
      this.heap.push(m.heapUsed);
      this.next = Math.ceil(((this.rss.length + 1) * this.total) / 10);
    }
  }
}

/** The raw decode every reader of a block pays at least: the block, then each envelope down to its channel header. */
function floor(dir: string, sampler: Sampler): number {
  let txs = 0;
  for (const bytes of readBlocks(dir)) {
    const block = common.Block.deserializeBinary(bytes);
    for (const data of block.getData()!.getDataList_asU8()) {
      const envelope = common.Envelope.deserializeBinary(data);
      const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
      const header = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8());
      if (header.getTxId() !== undefined) txs++;
    }
    sampler.block();
  }
  return txs;
}

/**
 * The raw protobuf decode of everything the exporter's decodeBlock reads, with fabric-protos alone (as
 * a block explorer on fabric-protos, or fabric-sdk-node's BlockDecoder, decodes a block): each envelope's
 * headers and creator, and of an endorser transaction its actions, proposal payload and invocation spec,
 * endorsements and their endorsers, proposal response payload, chaincode action (its events and
 * response) and every namespace's KVRWSet. Config envelopes stop at the Payload: the exporter decodes
 * them with fabric-protos too (configdecoder.ts), a few blocks in 1,309.
 */
function fullDecode(dir: string, sampler: Sampler): number {
  let txs = 0;
  for (const bytes of readBlocks(dir)) {
    const block = common.Block.deserializeBinary(bytes);
    block.getMetadata()?.getMetadataList_asU8();
    for (const data of block.getData()!.getDataList_asU8()) {
      const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(data).getPayload_asU8());
      const header = common.ChannelHeader.deserializeBinary(payload.getHeader()!.getChannelHeader_asU8());
      const signature = common.SignatureHeader.deserializeBinary(payload.getHeader()!.getSignatureHeader_asU8());
      msp.SerializedIdentity.deserializeBinary(signature.getCreator_asU8()).getIdBytes_asU8();
      if (header.getTxId() !== undefined) txs++;
      if (header.getType() !== common.HeaderType.ENDORSER_TRANSACTION) continue;
      for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
        const actionPayload = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
        const proposal = peer.ChaincodeProposalPayload.deserializeBinary(actionPayload.getChaincodeProposalPayload_asU8());
        peer.ChaincodeInvocationSpec.deserializeBinary(proposal.getInput_asU8()).getChaincodeSpec()?.getInput()?.getArgsList_asU8();
        const endorsed = actionPayload.getAction()!;
        for (const e of endorsed.getEndorsementsList()) msp.SerializedIdentity.deserializeBinary(e.getEndorser_asU8());
        const response = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
        const cc = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8());
        if (cc.getEvents_asU8().length) peer.ChaincodeEvent.deserializeBinary(cc.getEvents_asU8());
        for (const ns of ledger.rwset.TxReadWriteSet.deserializeBinary(cc.getResults_asU8()).getNsRwsetList()) {
          // google-protobuf decodes the reads and writes here, not when they are asked for
          ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
        }
      }
    }
    sampler.block();
  }
  return txs;
}

function decodeOnly(dir: string, sampler: Sampler, decodeBlock: typeof import('@mictract/exporter/dist/blockdecoder').decodeBlock): number {
  let txs = 0;
  for (const bytes of readBlocks(dir)) {
    const decoded = decodeBlock(common.Block.deserializeBinary(bytes), { channel: 'mychannel' });
    txs += decoded.transactions.length + decoded.malformed.length;
    sampler.block();
  }
  return txs;
}

export async function replayChild(mode: Mode, dir: string): Promise<ChildResult> {
  const meta = await readMeta(dir);
  if (!meta) throw new Error(`no ledger in ${dir}`);
  const sampler = new Sampler(meta.blocks);
  // modules are loaded before the clock starts: start-up is not replay throughput (reported apart)
  const l0 = process.hrtime.bigint();
  const decoder = mode === 'decode' ? await import('@mictract/exporter/dist/blockdecoder.js') : undefined;
  const replay = mode === 'pipeline' ? await import('./replaypipeline.js') : undefined;
  const loadSeconds = Number(process.hrtime.bigint() - l0) / 1e9;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let transactions: number;
  let check: string | undefined;
  let digest: (() => string) | undefined;
  if (mode === 'floor') transactions = floor(dir, sampler);
  else if (mode === 'full') transactions = fullDecode(dir, sampler);
  else if (decoder) transactions = decodeOnly(dir, sampler, decoder.decodeBlock);
  else ({ txs: transactions, check, digest } = await replay!.pipeline(dir, meta.channel, meta.blocks, sampler));
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const maxRssBytes = process.resourceUsage().maxRSS * 1024; // before the digest, whose JSON is not the exporter's
  if (digest) check += `, index and counts digest ${digest()}`;
  return {
    mode,
    blocks: meta.blocks,
    transactions,
    wallSeconds,
    loadSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssBytes,
    rssAt: sampler.rss,
    heapAt: sampler.heap,
    ...(check ? { check } : {}),
  };
}

if (require.main === module) {
  replayChild(process.argv[2] as Mode, process.argv[3]!).then(
    (result) => process.stdout.write(JSON.stringify(result) + '\n'),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
