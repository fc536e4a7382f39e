import { randomBytes } from 'node:crypto';
import type { HeapProfiler, Profiler } from 'node:inspector';
import { InspectorError, InspectorSession } from './inspectorsession';

// A CPU profile (and, if asked, a sampling heap profile) of a running Node.js process through its
// inspector, while it keeps serving: V8's sampling profiler records stacks every `samplingIntervalUs`,
// the heap sampler one allocation per `heapSamplingBytes`. Neither records a value: a profile holds
// function names, script URLs, line numbers, times and sizes, never a transaction's arguments.
//
// One capture at a time per process, whoever asks (the CLI, the exporter, two of either): a lock
// taken inside the profiled process with one atomic evaluation on its main thread, keyed by a
// Symbol.for() no chaincode uses, with a deadline so a capturer that dies never holds it for good.

export const PROFILE_LIMITS = {
  minSeconds: 1,
  maxSeconds: 60,
  defaultSeconds: 10,
  /** A profile's JSON text above this is refused (60 s at 1 ms is about 1-2 MB). */
  maxProfileBytes: 32 << 20,
} as const;

/** A capture that may not run now: one is running on that process already. */
export class CaptureBusyError extends Error {
  override readonly name = 'CaptureBusyError';
}

/** A capture request out of bounds (duration). */
export class CaptureRequestError extends Error {
  override readonly name = 'CaptureRequestError';
}

export interface CaptureOptions {
  readonly seconds: number;
  readonly heap?: boolean;
  /** Who captures, shown to a second capturer that is refused (e.g. "mictract profile (pid 123)"). */
  readonly by?: string;
  readonly samplingIntervalUs?: number;
  readonly heapSamplingBytes?: number;
  /** Stops the capture early; what was recorded so far is kept. */
  readonly signal?: AbortSignal;
  /** Called once the profiler runs (the lock is held). */
  readonly onStarted?: () => void;
}

export interface CapturedProfile {
  readonly cpu: Profiler.Profile;
  readonly heap?: HeapProfiler.SamplingHeapProfile;
  readonly startedAt: string;
  readonly seconds: number;
}

/** Throws CaptureRequestError unless `seconds` is a whole number within PROFILE_LIMITS. */
export function checkSeconds(seconds: number): number {
  const { minSeconds, maxSeconds } = PROFILE_LIMITS;
  if (!Number.isInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
    throw new CaptureRequestError(`the capture's duration must be a whole number of seconds from ${minSeconds} to ${maxSeconds} (got ${String(seconds).slice(0, 20)}): a profiler slows the replica while it runs, so captures are kept short`);
  }
  return seconds;
}

const LOCK_KEY = 'mictract.profile';

function lockExpression(token: string, by: string, untilMs: number): string {
  return `(() => { const k = Symbol.for(${JSON.stringify(LOCK_KEY)}); const now = Date.now(); const cur = globalThis[k];
    if (cur && cur.until > now) return JSON.stringify({ held: true, by: cur.by, until: cur.until });
    globalThis[k] = { token: ${JSON.stringify(token)}, by: ${JSON.stringify(by)}, until: ${untilMs} }; return JSON.stringify({ held: false }); })()`;
}

function unlockExpression(token: string): string {
  return `(() => { const k = Symbol.for(${JSON.stringify(LOCK_KEY)}); if (globalThis[k] && globalThis[k].token === ${JSON.stringify(token)}) delete globalThis[k]; })()`;
}

async function evaluate(session: InspectorSession, expression: string): Promise<unknown> {
  const r = await session.send<{ result: { value?: unknown }; exceptionDetails?: { text?: string } }>('Runtime.evaluate', { expression, returnByValue: true, silent: true });
  if (r.exceptionDetails) throw new InspectorError(`inspector evaluation failed: ${r.exceptionDetails.text ?? 'exception'}`);
  return r.result.value;
}

function sizeChecked<T>(what: string, profile: T): T {
  const bytes = JSON.stringify(profile).length;
  if (bytes > PROFILE_LIMITS.maxProfileBytes) throw new InspectorError(`the ${what} profile is ${bytes} bytes, over the ${PROFILE_LIMITS.maxProfileBytes}-byte bound; capture fewer seconds`);
  return profile;
}

/** Records a CPU profile (and a heap profile with `heap`) of the process whose inspector is at `address` (loopback). */
export async function captureProfile(address: string, opts: CaptureOptions): Promise<CapturedProfile> {
  const seconds = checkSeconds(opts.seconds);
  const session = await InspectorSession.open(address);
  const token = randomBytes(16).toString('hex');
  let locked = false;
  try {
    // the lock outlives a normal capture by a margin, and a dead capturer's by no more than that
    const untilMs = Date.now() + (seconds + 30) * 1000;
    const by = (opts.by ?? 'a capture').replace(/[^\w .:()@/-]/g, '').slice(0, 120);
    const lock = JSON.parse(String(await evaluate(session, lockExpression(token, by, untilMs)))) as { held: boolean; by?: string; until?: number };
    if (lock.held) {
      throw new CaptureBusyError(`a profile of this replica is being captured already (by ${lock.by ?? 'another capturer'}, until ${new Date(lock.until ?? 0).toISOString()} at the latest); one capture at a time per replica: wait for it to finish`);
    }
    locked = true;
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: opts.samplingIntervalUs ?? 1000 });
    if (opts.heap) {
      await session.send('HeapProfiler.enable');
      // every sampled allocation of the capture's window, also those the garbage collector has freed
      // since: what allocates (the cost of GC) rather than what happens to be live when it stops
      await session.send('HeapProfiler.startSampling', { samplingInterval: opts.heapSamplingBytes ?? 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    await session.send('Profiler.start');
    opts.onStarted?.();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      opts.signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    const { profile: cpu } = await session.send<{ profile: Profiler.Profile }>('Profiler.stop');
    const elapsed = (performance.now() - t0) / 1000;
    const heap = opts.heap ? (await session.send<{ profile: HeapProfiler.SamplingHeapProfile }>('HeapProfiler.stopSampling')).profile : undefined;
    await session.send('Profiler.disable').catch(() => undefined);
    if (opts.heap) await session.send('HeapProfiler.disable').catch(() => undefined);
    return { cpu: sizeChecked('CPU', cpu), ...(heap ? { heap: sizeChecked('heap', heap) } : {}), startedAt, seconds: Math.round(elapsed * 1000) / 1000 };
  } finally {
    if (locked) await evaluate(session, unlockExpression(token)).catch(() => undefined);
    session.close();
  }
}
