import type { Contract } from '@hyperledger/fabric-gateway';
import { TxFailure, evaluate, submit } from '../gateway/transact';

// A mixed marbles workload at a steady rate: every function of the sample, and now and then two
// concurrent transfers of one marble, so some transactions fail with MVCC_READ_CONFLICT as they do
// in production. Used by the demo, the tests and the benchmarks; it keeps its own counts so they
// can be compared with what the exporter and the peers report.

export type MarblesFunction = 'initMarble' | 'transferMarble' | 'transferMarblesBasedOnColor' | 'delete' | 'readMarble' | 'getMarblesByRange' | 'getHistoryForMarble';

export interface WorkloadStats {
  /** Submitted transactions that committed as VALID, by function. */
  readonly committed: Record<string, number>;
  /** Evaluated (query) transactions that answered, by function. */
  readonly evaluated: Record<string, number>;
  /** Failures by reason: a validation code (MVCC_READ_CONFLICT) or the stage that failed. */
  readonly failed: Record<string, number>;
  /** Every tx ID submitted with its function and outcome, for tests that compare counts. */
  readonly txs: { txId: string; fn: MarblesFunction; outcome: string }[];
  /** The first failures' messages (at most 200), to tell an allowed failure from a broken network. */
  readonly failures: { reason: string; message: string; startedAt: number }[];
}

export interface WorkloadOptions {
  /** Transactions started per second. */
  readonly rate: number;
  /** Prefix of marble names, so runs do not collide. */
  readonly prefix?: string;
  /** Upper bound of transactions in flight (a slow network makes the rate drop, not the queue grow). */
  readonly maxInFlight?: number;
  /** Stop after this many transactions (unbounded when absent). */
  readonly count?: number;
  /** Keep every tx in stats.txs (tests); off for a long demo so memory stays flat. */
  readonly recordTxs?: boolean;
}

const COLORS = ['blue', 'red', 'green', 'yellow', 'purple'];
const OWNERS = ['tom', 'alice', 'bob', 'carol'];

export class MarblesWorkload {
  readonly stats: WorkloadStats = { committed: {}, evaluated: {}, failed: {}, txs: [], failures: [] };
  private readonly marbles: string[] = [];
  private seq = 0;
  private inFlight = 0;
  private stopped = false;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly contract: Contract,
    private readonly opts: WorkloadOptions,
  ) {}

  get started(): number {
    return this.seq;
  }

  /** Runs until stop() (or `count` transactions); resolves when every transaction has finished. */
  async run(): Promise<WorkloadStats> {
    const interval = 1000 / this.opts.rate;
    const t0 = Date.now();
    let tick = 0;
    while (!this.stopped && (this.opts.count === undefined || this.seq < this.opts.count)) {
      if (this.inFlight < (this.opts.maxInFlight ?? 64)) this.track(this.next());
      tick++;
      const wait = t0 + tick * interval - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    while (this.running.size > 0) await Promise.race(this.running);
    return this.stats;
  }

  stop(): void {
    this.stopped = true;
  }

  private track(p: Promise<void>): void {
    this.inFlight++;
    const done = p.finally(() => {
      this.inFlight--;
      this.running.delete(done);
    });
    this.running.add(done);
  }

  private name(): string {
    return `${this.opts.prefix ?? 'm'}-${this.seq}`;
  }

  /** Picks the next operation; creation first, so there is always something to read and transfer. */
  private async next(): Promise<void> {
    const r = (this.seq * 7919) % 100; // a fixed spread over the mix, not random: runs are comparable
    const pick = <T>(xs: readonly T[]) => xs[this.seq % xs.length]!;
    const any = () => this.marbles[(this.seq * 31) % this.marbles.length]!;
    this.seq++;
    if (this.marbles.length < 3 || r < 30) {
      const name = this.name();
      const ok = await this.submit('initMarble', [name, pick(COLORS), String(10 + (this.seq % 50)), pick(OWNERS)]);
      if (ok) this.marbles.push(name);
    } else if (r < 48) await this.submit('transferMarble', [any(), pick(OWNERS)]);
    else if (r < 54) {
      // two transfers of one marble at once: one commits, the other reads a stale version
      const contested = any();
      this.seq++;
      await Promise.all([this.submit('transferMarble', [contested, 'alice']), this.submit('transferMarble', [contested, 'bob'])]);
    } else if (r < 58) await this.submit('transferMarblesBasedOnColor', [pick(COLORS), pick(OWNERS)]);
    else if (r < 62) {
      const victim = this.marbles.shift()!;
      await this.submit('delete', [victim]);
    } else if (r < 82) await this.evaluate('readMarble', [any()]);
    else if (r < 92) await this.evaluate('getMarblesByRange', [`${this.opts.prefix ?? 'm'}-`, `${this.opts.prefix ?? 'm'}-~`]);
    else await this.evaluate('getHistoryForMarble', [any()]);
  }

  private async submit(fn: MarblesFunction, args: string[]): Promise<boolean> {
    const startedAt = Date.now();
    try {
      const { txId } = await submit(this.contract, fn, args);
      inc(this.stats.committed, fn);
      this.record(txId, fn, 'VALID');
      return true;
    } catch (err) {
      const reason = failureReason(err);
      this.fail(reason, err, startedAt);
      if (err instanceof TxFailure) this.record(err.txId, fn, reason);
      return false;
    }
  }

  private async evaluate(fn: MarblesFunction, args: string[]): Promise<void> {
    const startedAt = Date.now();
    try {
      const { txId } = await evaluate(this.contract, fn, args);
      inc(this.stats.evaluated, fn);
      this.record(txId, fn, 'EVALUATED');
    } catch (err) {
      this.fail(failureReason(err), err, startedAt);
    }
  }

  private fail(reason: string, err: unknown, startedAt: number): void {
    inc(this.stats.failed, reason);
    if (this.stats.failures.length < 200) this.stats.failures.push({ reason, message: (err as Error).message, startedAt });
  }

  private record(txId: string, fn: MarblesFunction, outcome: string): void {
    if (this.opts.recordTxs) this.stats.txs.push({ txId, fn, outcome });
  }
}

/** A short reason to count failures by: the validation code, else what the endorsement said. */
function failureReason(err: unknown): string {
  if (!(err instanceof TxFailure)) return 'client error';
  if (err.validationCode) return err.validationCode;
  const m = err.message;
  // endorsers at different heights read different versions: the gateway cannot assemble one transaction
  if (m.includes('ProposalResponsePayloads do not match')) return 'endorsements differ';
  if (m.includes('changed during invoke')) return 'definition changed';
  if (/chaincode response 500/.test(m)) return 'chaincode error';
  return `${err.stage} failed`;
}

function inc(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** One status line: rate, committed, evaluated, failures by reason. */
export function statusLine(stats: WorkloadStats, elapsedMs: number): string {
  const done = total(stats.committed) + total(stats.evaluated) + total(stats.failed);
  const failed = Object.entries(stats.failed)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${((done * 1000) / Math.max(1, elapsedMs)).toFixed(1)} tx/s | committed ${total(stats.committed)} | queries ${total(stats.evaluated)} | failed ${total(stats.failed)}${failed ? ` (${failed})` : ''}`;
}
