import type { common } from '@hyperledger/fabric-protos';
import type { BlockSource, CloseableBlocks } from './channelreader';

// Test support: a peer stand-in that serves a growing chain of blocks like Deliver does (from a start
// block, then each new block as it is appended, until closed), and can break its stream after a
// number of blocks, or refuse to connect, the way a peer that goes down does.

export class TestBlockSource implements BlockSource {
  readonly chain: common.Block[] = [];
  /** Start blocks asked for, one per connection. */
  readonly starts: number[] = [];
  /** The next stream fails after delivering this many blocks. */
  failAfter: number | undefined;
  /** Connections fail while this is true. */
  down = false;
  /** When the stream breaks (failAfter), the peer goes down too. */
  downWhenBroken = false;
  private listeners = new Set<() => void>();

  constructor(readonly name = 'test-peer') {}

  append(...blocks: common.Block[]): void {
    this.chain.push(...blocks);
    for (const l of this.listeners) l();
  }

  async chainHeight(): Promise<number> {
    if (this.down) throw new Error('peer down');
    return this.chain.length;
  }

  async blocks(_channel: string, startBlock: number): Promise<CloseableBlocks> {
    if (this.down) throw new Error('peer down');
    this.starts.push(startBlock);
    const failAfter = this.failAfter;
    this.failAfter = undefined;
    let closed = false;
    let wake: (() => void) | undefined;
    const listener = () => wake?.();
    this.listeners.add(listener);
    const chain = this.chain;
    const listeners = this.listeners;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const source = this;
    return {
      close() {
        closed = true;
        listeners.delete(listener);
        wake?.();
      },
      async *[Symbol.asyncIterator]() {
        let next = startBlock;
        let delivered = 0;
        try {
          while (!closed) {
            if (failAfter !== undefined && delivered >= failAfter) {
              if (source.downWhenBroken) source.down = true;
              throw new Error('stream broken (test)');
            }
            if (next < chain.length) {
              delivered++;
              yield chain[next++]!;
              continue;
            }
            await new Promise<void>((resolve) => (wake = resolve));
          }
        } finally {
          listeners.delete(listener);
        }
      },
    };
  }
}
