import type { Contract } from '@hyperledger/fabric-gateway';
import { MarblesWorkload, evaluate, statusLine, submit, total } from '@mictract/provisioner';

// The marbles workload (provisioner MarblesWorkload) for as long as a benchmark needs it, in rounds of
// `roundOps` operations, each with a marble prefix of its own; the marbles a round leaves are deleted
// after it. transferMarblesBasedOnColor writes every marble of a colour and getMarblesByRange reads
// every marble of the prefix, so an unbounded population would make them ever larger transactions
// and queries (megabytes, seconds each) and the benchmark would measure that instead.

export interface RoundsOptions {
  readonly rate: number;
  readonly maxInFlight: number;
  readonly roundOps: number;
}

export class RoundsWorkload {
  readonly committed: Record<string, number> = {};
  readonly evaluated: Record<string, number> = {};
  readonly failed: Record<string, number> = {};
  cleanupDeletes = 0;
  private current: MarblesWorkload | undefined;
  private roundStart = Date.now();
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly contract: Contract,
    readonly options: RoundsOptions,
  ) {}

  start(): void {
    this.running ??= this.loop();
    this.running.catch(() => undefined); // stop() reports it
  }

  /** Stops after the transactions in flight; resolves when they are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.stop();
    await this.running;
  }

  /** The current round's status line. */
  status(): string {
    return this.current ? statusLine(this.current.stats, Date.now() - this.roundStart) : '';
  }

  summary(): string {
    return `committed ${total(this.committed)}, evaluated ${total(this.evaluated)}, failed ${JSON.stringify(this.failed)}; ${this.cleanupDeletes} clean-up deletes`;
  }

  private async loop(): Promise<void> {
    const o = this.options;
    for (let round = 0; !this.stopped; round++) {
      const prefix = `r${round}`;
      this.roundStart = Date.now();
      this.current = new MarblesWorkload(this.contract, { rate: o.rate, prefix, count: o.roundOps, maxInFlight: o.maxInFlight });
      const s = await this.current.run();
      add(this.committed, s.committed);
      add(this.evaluated, s.evaluated);
      add(this.failed, s.failed);
      if (this.stopped) break;
      const left = JSON.parse((await evaluate(this.contract, 'getMarblesByRange', [`${prefix}-`, `${prefix}-~`])).result) as { Key: string }[];
      await pool(left, o.maxInFlight, async (m) => {
        if (this.stopped) return;
        await submit(this.contract, 'delete', [m.Key]);
        this.cleanupDeletes++;
      });
    }
  }
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!).catch(() => undefined);
    }),
  );
}
