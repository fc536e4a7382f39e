import { blockDataHash, blockHeaderHash } from './blockhash';

// Verifies a channel's hash chain block by block: each block's data hash matches its data, and its
// previous hash matches the header hash of the block before it (when that block was seen). A
// failure is reported, never thrown: the exporter counts it, logs it and carries on.

export type ChainCheck = 'data_hash' | 'previous_hash';

export interface Verification {
  /** True when every check that could be made passed. */
  readonly ok: boolean;
  /** The checks that failed. */
  readonly failed: readonly ChainCheck[];
  /** False when the previous block was not seen (first block after a restart), so previous_hash was not checked. */
  readonly previousChecked: boolean;
  /** This block's header hash (hex), the next block's expected previous hash. */
  readonly headerHash: string;
}

export interface BlockHeaderFields {
  readonly number: number;
  readonly previousHash: Uint8Array;
  readonly dataHash: Uint8Array;
}

export class ChainVerifier {
  private last: { number: number; headerHash: Buffer } | undefined;

  /** Starts from a known header hash (e.g. the checkpoint's), so the first block read is checked too. */
  constructor(previous?: { number: number; headerHash: string }) {
    if (previous) this.last = { number: previous.number, headerHash: Buffer.from(previous.headerHash, 'hex') };
  }

  verify(header: BlockHeaderFields, data: readonly Uint8Array[]): Verification {
    const failed: ChainCheck[] = [];
    if (!blockDataHash(data).equals(header.dataHash)) failed.push('data_hash');
    const previousChecked = this.last !== undefined && this.last.number === header.number - 1;
    if (previousChecked && !this.last!.headerHash.equals(header.previousHash)) failed.push('previous_hash');
    const headerHash = blockHeaderHash(header.number, header.previousHash, header.dataHash);
    this.last = { number: header.number, headerHash };
    return { ok: failed.length === 0, failed, previousChecked, headerHash: headerHash.toString('hex') };
  }

  /** The last verified block's number and header hash, for the checkpoint. */
  lastHeader(): { number: number; headerHash: string } | undefined {
    return this.last && { number: this.last.number, headerHash: this.last.headerHash.toString('hex') };
  }
}
