import type { Contract } from '@hyperledger/fabric-gateway';
import { evaluate, submit } from '../gateway/transact';

// The workload profiling is tested and benchmarked under: marbles with one function made CPU-heavy on
// purpose (simulateCpuWork, a plain-JavaScript busy loop), beside ordinary ones (initMarble submitted,
// getMarblesByRange evaluated), from `concurrency` clients in a closed loop. Every invocation's latency and
// outcome is kept, so a test can tell that none failed while a profile was captured.

export interface CpuWorkloadOptions {
  readonly concurrency?: number;
  /** Busy milliseconds per simulateCpuWork call. */
  readonly cpuMs?: number;
  /** Marble names start with it; it is a transaction argument, so a profile must never contain it. */
  readonly prefix: string;
}

export interface Invocation {
  readonly fn: string;
  readonly startedMs: number;
  readonly ms: number;
  readonly error?: string;
}

export class CpuWorkload {
  readonly invocations: Invocation[] = [];
  private stopping = false;
  private created = 0;

  constructor(
    private readonly contract: Contract,
    private readonly opts: CpuWorkloadOptions,
  ) {}

  get failures(): Invocation[] {
    return this.invocations.filter((i) => i.error !== undefined);
  }

  /** Runs until stop(); resolves when every client has finished its last invocation. */
  async run(): Promise<void> {
    const workers = Array.from({ length: this.opts.concurrency ?? 4 }, (_, w) => this.worker(w));
    await Promise.all(workers);
  }

  stop(): void {
    this.stopping = true;
  }

  private async worker(w: number): Promise<void> {
    for (let i = 0; !this.stopping; i++) {
      const kind = (w + i) % 3;
      if (kind === 0) await this.call('simulateCpuWork', () => evaluate(this.contract, 'simulateCpuWork', [String(this.opts.cpuMs ?? 20)]));
      else if (kind === 1) {
        const name = `${this.opts.prefix}-${w}-${this.created++}`;
        await this.call('initMarble', () => submit(this.contract, 'initMarble', [name, 'blue', '7', `${this.opts.prefix}-owner`]));
      } else await this.call('getMarblesByRange', () => evaluate(this.contract, 'getMarblesByRange', [`${this.opts.prefix}-${w}-`, `${this.opts.prefix}-${w}-~`]));
    }
  }

  private async call(fn: string, f: () => Promise<unknown>): Promise<void> {
    const startedMs = performance.now();
    try {
      await f();
      this.invocations.push({ fn, startedMs, ms: performance.now() - startedMs });
    } catch (err) {
      this.invocations.push({ fn, startedMs, ms: performance.now() - startedMs, error: (err as Error).message });
    }
  }
}
