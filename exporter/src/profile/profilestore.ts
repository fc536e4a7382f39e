import type { HeapProfiler, Profiler } from 'node:inspector';
import type { ProfileReport } from './profilereport';

// The profiles the exporter captured, in memory and bounded: at most `maxProfiles` and `maxBytes` of
// profile JSON; the oldest finished ones go first. A capture in progress is never evicted.

export type ProfileState = 'capturing' | 'done' | 'failed';

export interface ProfileMeta {
  readonly id: string;
  readonly pod: string;
  readonly chaincode: string;
  readonly org: string;
  readonly seconds: number;
  readonly heap: boolean;
  readonly requestedAt: string;
  state: ProfileState;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  bytes: number;
}

export interface StoredProfile {
  readonly meta: ProfileMeta;
  cpu?: Profiler.Profile;
  heapProfile?: HeapProfiler.SamplingHeapProfile;
  report?: ProfileReport;
}

export class ProfileStore {
  private readonly entries = new Map<string, StoredProfile>(); // insertion order = age

  constructor(
    readonly maxProfiles = 20,
    readonly maxBytes = 64 << 20,
  ) {}

  add(meta: ProfileMeta): StoredProfile {
    const entry: StoredProfile = { meta };
    this.entries.set(meta.id, entry);
    this.evict();
    return entry;
  }

  /** Records a finished capture and evicts what the bounds no longer allow. */
  finish(id: string, result: Pick<StoredProfile, 'cpu' | 'heapProfile' | 'report'>, bytes: number, at: Date): void {
    const e = this.entries.get(id);
    if (!e) return;
    Object.assign(e, result);
    e.meta.state = 'done';
    e.meta.bytes = bytes;
    e.meta.finishedAt = at.toISOString();
    this.evict();
  }

  fail(id: string, error: string, at: Date): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.meta.state = 'failed';
    e.meta.error = error;
    e.meta.finishedAt = at.toISOString();
  }

  get(id: string): StoredProfile | undefined {
    return this.entries.get(id);
  }

  /** Newest first. */
  list(): ProfileMeta[] {
    return [...this.entries.values()].map((e) => e.meta).reverse();
  }

  get totalBytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.meta.bytes;
    return n;
  }

  private evict(): void {
    for (const [id, e] of this.entries) {
      if (this.entries.size <= this.maxProfiles && this.totalBytes <= this.maxBytes) return;
      if (e.meta.state !== 'capturing') this.entries.delete(id);
    }
  }
}
