import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

// The exporter's position in a channel and the ledger counts up to it, in one file per channel,
// replaced atomically (write a temporary file, fsync, rename, fsync the folder), so after a crash
// the file holds either the previous state or the new one, and the counts always match the
// position: a restart resumes at `nextBlock` with the counts of blocks 0..nextBlock-1, so no block is
// missed or counted twice. Saves are coalesced: while one write runs, only the latest state waits.

export interface ChannelCheckpoint<Counts = unknown> {
  readonly version: 1;
  readonly channel: string;
  /** The next block to process. */
  readonly nextBlock: number;
  /** Header hash (hex) of block nextBlock-1, so the chain check goes on across a restart. */
  readonly lastHeaderHash?: string;
  readonly counts: Counts;
}

/** Channel names are Fabric's ([a-z][a-z0-9.-]*, at most 249); checked again here since they make a file name. */
const CHANNEL = /^[a-z][a-z0-9.-]{0,248}$/;

export class CheckpointFile<Counts = unknown> {
  readonly file: string;
  private pending: ChannelCheckpoint<Counts> | undefined;
  private writing: Promise<void> | undefined;
  private lastError: Error | undefined;

  constructor(
    readonly dir: string,
    readonly channel: string,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    if (!CHANNEL.test(channel)) throw new Error(`not a Fabric channel name: ${JSON.stringify(channel)}`);
    this.file = path.join(dir, `${channel}.checkpoint.json`);
  }

  /** The saved checkpoint, or undefined when there is none. A file that does not parse is an error. */
  async load(): Promise<ChannelCheckpoint<Counts> | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const cp = JSON.parse(text) as ChannelCheckpoint<Counts>;
    if (cp.version !== 1 || cp.channel !== this.channel || !Number.isSafeInteger(cp.nextBlock) || cp.nextBlock < 0) {
      throw new Error(`${this.file}: not a checkpoint of channel ${this.channel}`);
    }
    return cp;
  }

  /** Queues a state to be written; returns once it (or a later one) is on disk. */
  save(checkpoint: ChannelCheckpoint<Counts>): Promise<void> {
    this.pending = checkpoint;
    if (!this.writing) this.writing = this.drain().finally(() => (this.writing = undefined));
    return this.writing;
  }

  /** Waits for every queued state to be written. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** The last write's error, if the last write failed. */
  get error(): Error | undefined {
    return this.lastError;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const cp = this.pending;
      this.pending = undefined;
      try {
        await this.write(cp);
        this.lastError = undefined;
      } catch (err) {
        this.lastError = err as Error;
        this.onError(err as Error);
      }
    }
  }

  private async write(cp: ChannelCheckpoint<Counts>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(cp));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(tmp, this.file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
