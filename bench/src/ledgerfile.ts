import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// A stored ledger for the replay benchmark: the raw serialized common.Block of every block from 0, each
// behind a 4-byte big-endian length, in one file (blocks.bin), with what made it in meta.json. It lives
// outside the repository, in a cache folder keyed by what produced it, so later runs reuse it.

export interface LedgerMeta {
  readonly key: string;
  readonly fabric: string;
  readonly workload: string;
  readonly channel: string;
  readonly blocks: number;
  /** Envelopes in all blocks (endorser transactions, valid or not, and config). */
  readonly transactions: number;
  readonly endorserTransactions: number;
  readonly bytes: number;
  readonly createdAt: string;
  readonly createSeconds: number;
  /** Transactions by validation code, as the peer committed them. */
  readonly validation: Record<string, number>;
  /** Transactions by function. */
  readonly functions: Record<string, number>;
  readonly notes: string;
}

export function benchCache(): string {
  const cache = process.env.MICTRACT_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'mictract');
  return path.join(cache, 'bench');
}

export function ledgerDir(key: string): string {
  return path.join(benchCache(), `ledger-${key}`);
}

export async function readMeta(dir: string): Promise<LedgerMeta | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')) as LedgerMeta;
  } catch {
    return undefined;
  }
}

/** Appends blocks to `<dir>.tmp/blocks.bin`; `finish` writes meta.json and renames the folder into place. */
export class LedgerWriter {
  private readonly tmp: string;
  private fd: number | undefined;
  bytes = 0;
  blocks = 0;

  private constructor(readonly dir: string) {
    this.tmp = `${dir}.tmp-${process.pid}`;
  }

  static async create(dir: string): Promise<LedgerWriter> {
    const w = new LedgerWriter(dir);
    await rm(w.tmp, { recursive: true, force: true });
    await mkdir(w.tmp, { recursive: true });
    w.fd = openSync(path.join(w.tmp, 'blocks.bin'), 'w');
    return w;
  }

  append(block: Uint8Array): void {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(block.length);
    writeSync(this.fd!, len);
    writeSync(this.fd!, block);
    this.bytes += 4 + block.length;
    this.blocks++;
  }

  async finish(meta: LedgerMeta): Promise<void> {
    closeSync(this.fd!);
    this.fd = undefined;
    await writeFile(path.join(this.tmp, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
    await rm(this.dir, { recursive: true, force: true });
    await rename(this.tmp, this.dir);
  }

  async abandon(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    await rm(this.tmp, { recursive: true, force: true });
  }
}

/**
 * The blocks of a stored ledger in order, each in a Buffer of its own (as a gRPC stream hands each
 * message over), read through a 4 MB window so memory does not grow with the file.
 */
export function* readBlocks(dir: string): Generator<Buffer> {
  const fd = openSync(path.join(dir, 'blocks.bin'), 'r');
  const window = Buffer.allocUnsafe(4 << 20);
  let start = 0; // unread bytes are window[start, end)
  let end = 0;
  let eof = false;
  const fill = (need: number): boolean => {
    while (end - start < need && !eof) {
      if (start > 0) {
        window.copy(window, 0, start, end);
        end -= start;
        start = 0;
      }
      const n = readSync(fd, window, end, window.length - end, null);
      if (n === 0) eof = true;
      end += n;
    }
    return end - start >= need;
  };
  try {
    while (fill(4)) {
      const length = window.readUInt32BE(start);
      start += 4;
      let block: Buffer;
      if (length <= window.length) {
        if (!fill(length)) throw new Error('blocks.bin: truncated block');
        block = Buffer.from(window.subarray(start, start + length)); // a copy: the window is reused
        start += length;
      } else {
        block = Buffer.allocUnsafe(length);
        const have = end - start;
        window.copy(block, 0, start, end);
        start = end = 0;
        for (let off = have; off < length; ) {
          const n = readSync(fd, block, off, length - off, null);
          if (n === 0) throw new Error('blocks.bin: truncated block');
          off += n;
        }
      }
      yield block;
    }
    if (end > start) throw new Error('blocks.bin: trailing bytes');
  } finally {
    closeSync(fd);
  }
}
