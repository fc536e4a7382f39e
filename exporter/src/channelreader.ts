import type { common } from '@hyperledger/fabric-protos';
import type { ChannelProcessor } from './blockprocessor';
import type { ChannelCheckpoint, CheckpointFile } from './checkpointfile';
import type { ExporterMetrics } from './exportermetrics';
import type { Logger } from './log';

// Reads every block of one channel, in order, from the checkpoint on, for as long as it runs. On a
// stream error or end it reconnects with exponential backoff, to the next peer of the list (failover),
// from the block after the last one processed, so nothing is missed or seen twice. After a restart it
// first reads up to `warmBlocks` blocks before the checkpoint again, only to rebuild the ledger API's
// in-memory index (they are not counted). Its lag is the peer's height (qscc GetChainInfo, polled, or
// any block received) minus the blocks processed.

export interface CloseableBlocks extends AsyncIterable<common.Block> {
  close(): void;
}

/** Where blocks come from: one peer (PeerConnection through the Fabric Gateway), or a test double. */
export interface BlockSource {
  readonly name: string;
  blocks(channel: string, startBlock: number): Promise<CloseableBlocks>;
  chainHeight(channel: string): Promise<number>;
}

export interface ReaderOptions {
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly heightPollMs: number;
  /** Blocks before the checkpoint read again after a restart, for the index only. */
  readonly warmBlocks: number;
}

export const DEFAULT_READER_OPTIONS: ReaderOptions = { backoffMinMs: 200, backoffMaxMs: 15_000, heightPollMs: 5_000, warmBlocks: 500 };

export class ChannelReader {
  private stopped = false;
  private running: Promise<void> | undefined;
  private stream: CloseableBlocks | undefined;
  private wake: (() => void) | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private peerHeight = 0;
  private sourceIndex = 0;
  private warmNext: number;
  private readonly warmEnd: number;
  /** Blocks numbered from here are new since the stream opened: their latency and spans are meaningful. */
  private liveFrom: number | undefined;
  private waiters: { height: number; resolve: () => void }[] = [];

  constructor(
    readonly channel: string,
    private readonly processor: ChannelProcessor,
    private readonly checkpoints: CheckpointFile<unknown> | undefined,
    private readonly sources: readonly BlockSource[],
    private readonly metrics: ExporterMetrics,
    private readonly log: Logger,
    private readonly options: ReaderOptions = DEFAULT_READER_OPTIONS,
  ) {
    if (sources.length === 0) throw new Error('a channel reader needs at least one peer');
    this.warmEnd = processor.nextBlock;
    this.warmNext = Math.max(0, processor.nextBlock - options.warmBlocks);
  }

  /** Starts reading in the background. */
  start(): void {
    if (this.running) return;
    this.metrics.connected.set({ channel: this.channel }, 0);
    this.running = this.loop();
    this.pollTimer = setInterval(() => void this.pollHeight(), this.options.heightPollMs);
    this.pollTimer.unref();
  }

  /** Stops reading, then writes the last checkpoint. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.stream?.close();
    this.wake?.();
    await this.running;
    await this.checkpoints?.flush();
  }

  /** Resolves once the blocks below `height` are processed (for tests and an orderly hand-over). */
  whenProcessed(height: number): Promise<void> {
    if (this.processor.nextBlock >= height) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ height, resolve }));
  }

  /** The peer height last seen (0 when unknown). */
  get height(): number {
    return this.peerHeight;
  }

  private source(): BlockSource {
    return this.sources[this.sourceIndex % this.sources.length]!;
  }

  private async loop(): Promise<void> {
    let backoff = this.options.backoffMinMs;
    let first = true;
    while (!this.stopped) {
      const source = this.source();
      const start = this.warmNext < this.warmEnd ? this.warmNext : this.processor.nextBlock;
      if (!first) this.metrics.reconnects.inc({ channel: this.channel });
      first = false;
      try {
        const height = await source.chainHeight(this.channel).catch(() => undefined);
        if (height !== undefined) this.seeHeight(height);
        if (height !== undefined && start > height) {
          // a checkpoint ahead of the peer: another network's state folder, or a peer that lost its ledger
          this.log.log('warn', 'checkpoint is ahead of the peer; waiting for the peer to reach it', { channel: this.channel, peer: source.name, from: start, peer_height: height });
        }
        this.liveFrom = height;
        this.stream = await source.blocks(this.channel, start);
        if (this.stopped) break;
        this.metrics.connected.set({ channel: this.channel }, 1);
        this.log.log('info', 'block stream open', { channel: this.channel, peer: source.name, from: start, peer_height: height });
        for await (const block of this.stream) {
          if (this.stopped) break;
          this.handle(block);
          backoff = this.options.backoffMinMs;
        }
        if (!this.stopped) this.log.log('warn', 'block stream ended', { channel: this.channel, peer: source.name });
      } catch (err) {
        if (!this.stopped) this.log.log('warn', 'block stream failed', { channel: this.channel, peer: source.name, reason: (err as Error).message?.split('\n')[0] });
      } finally {
        this.stream?.close();
        this.stream = undefined;
        this.metrics.connected.set({ channel: this.channel }, 0);
      }
      if (this.stopped) break;
      this.sourceIndex++;
      await this.pause(backoff);
      backoff = Math.min(this.options.backoffMaxMs, backoff * 2);
    }
  }

  private handle(block: common.Block): void {
    const number = block.getHeader()?.getNumber();
    const receivedAtMs = Date.now();
    if (number !== undefined && number < this.warmEnd) {
      if (number === this.warmNext) {
        this.processor.process(block, receivedAtMs, { count: false, live: false });
        this.warmNext = number + 1;
      }
      return;
    }
    const expected = this.processor.nextBlock;
    if (number !== undefined && number < expected) return; // already counted (a peer replaying)
    if (number !== undefined && number > expected) {
      this.log.log('error', 'block stream skipped blocks', { channel: this.channel, expected, got: number });
    }
    // without the peer's height at connect time (qscc refused or failed) no block counts as live
    const live = number !== undefined && this.liveFrom !== undefined && number >= this.liveFrom;
    this.processor.process(block, receivedAtMs, { count: true, live });
    this.warmNext = this.warmEnd;
    if (number !== undefined) this.seeHeight(number + 1);
    this.updateLag();
    void this.checkpoints?.save(this.processor.checkpoint() as ChannelCheckpoint<unknown>);
    if (this.waiters.length > 0) {
      const next = this.processor.nextBlock;
      const ready = this.waiters.filter((w) => w.height <= next);
      this.waiters = this.waiters.filter((w) => w.height > next);
      for (const w of ready) w.resolve();
    }
  }

  private seeHeight(height: number): void {
    if (height > this.peerHeight) this.peerHeight = height;
    this.metrics.peerHeight.set({ channel: this.channel }, this.peerHeight);
    this.updateLag();
  }

  private updateLag(): void {
    this.metrics.lag.set({ channel: this.channel }, Math.max(0, this.peerHeight - this.processor.nextBlock));
  }

  private async pollHeight(): Promise<void> {
    try {
      this.seeHeight(await this.source().chainHeight(this.channel));
    } catch {
      // the stream's own error handling reconnects; the last height stays
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
