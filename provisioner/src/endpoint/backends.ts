// The replicas behind one endpoint: whose turn it is, what each one did, and
// log lines only when a replica's state changes (a dead replica would
// otherwise log once per incoming connection).

import { formatHostPort, HostPort } from './hostport';

export interface BackendStats {
  address: string;
  /** Connections that reached this replica. */
  opened: number;
  /** Of those, the ones still open. */
  active: number;
  /** Connect attempts that were refused or timed out. */
  failed: number;
  /** up: the latest attempt connected; down: it failed; unknown: not tried yet. */
  state: 'unknown' | 'up' | 'down';
  /** Why the latest failed attempt failed (kept after the replica recovers). */
  lastFailure?: string;
}

/** One replica as handed out by turn(); by index, so a backend listed twice stays two. */
export interface BackendRef extends HostPort {
  index: number;
}

interface Backend extends HostPort {
  stats: BackendStats;
}

export class Backends {
  private readonly list: Backend[];
  private next = 0;
  private refusing = false;
  refused = 0;

  constructor(
    backends: HostPort[],
    private readonly log: (line: string) => void,
  ) {
    if (backends.length === 0) throw new Error('an endpoint needs at least one backend');
    this.list = backends.map((b) => ({
      ...b,
      stats: { address: formatHostPort(b), state: 'unknown', opened: 0, active: 0, failed: 0 },
    }));
  }

  /** Every replica, starting with the one whose turn it is: try them in this order. */
  turn(): BackendRef[] {
    const start = this.next;
    this.next = (this.next + 1) % this.list.length;
    return this.list.map((_, k) => {
      const index = (start + k) % this.list.length;
      const { host, port } = this.at(index);
      return { index, host, port };
    });
  }

  connected(b: BackendRef): void {
    const it = this.at(b.index);
    it.stats.opened++;
    it.stats.active++;
    if (it.stats.state === 'down') this.log(`backend ${it.stats.address} answers again`);
    it.stats.state = 'up';
    this.refusing = false;
  }

  disconnected(b: BackendRef): void {
    this.at(b.index).stats.active--;
  }

  failed(b: BackendRef, reason: string): void {
    const it = this.at(b.index);
    it.stats.failed++;
    it.stats.lastFailure = reason;
    if (it.stats.state !== 'down') this.log(`backend ${it.stats.address} skipped: ${reason}`);
    it.stats.state = 'down';
  }

  /** No replica answered: the client connection is dropped. */
  refuse(): void {
    this.refused++;
    if (!this.refusing) {
      const why = this.list.map((b) => `${b.stats.address} ${b.stats.lastFailure ?? b.stats.state}`).join('; ');
      this.log(`no backend answered, closing client connections until one does (${why})`);
    }
    this.refusing = true;
  }

  stats(): BackendStats[] {
    return this.list.map((b) => ({ ...b.stats }));
  }

  private at(index: number): Backend {
    const it = this.list[index];
    if (!it) throw new Error(`no backend #${index}`);
    return it;
  }
}
