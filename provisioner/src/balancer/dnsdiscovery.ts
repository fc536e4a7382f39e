import { promises as dns } from 'node:dns';
import { formatHostPort, type HostPort } from '../endpoint/hostport';

// The replica set from DNS, for the balancer on Kubernetes: the replicas' headless Service
// (clusterIP: None) resolves to one address per Ready pod, so resolving it again every few seconds
// follows scaling, rollouts and pods that die or stop being Ready. getaddrinfo (dns.lookup) is used,
// not a DNS query of our own, so the pod's resolv.conf search path resolves the short Service name.
// A name that does not exist (a headless Service with no Ready pod answers NXDOMAIN) is an empty set;
// any other failure keeps the set last seen, so a DNS hiccup takes no replica out.

export type Lookup = (host: string) => Promise<readonly string[]>;

const systemLookup: Lookup = async (host) => (await dns.lookup(host, { all: true, order: 'ipv4first' })).map((a) => a.address);

/** Errors that mean "no such name now", not "cannot tell". */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

export interface DnsDiscoveryOptions {
  /** The headless Service and the replicas' chaincode port. */
  readonly target: HostPort;
  readonly intervalMs: number;
  readonly onChange: (addresses: readonly string[]) => void;
  readonly log?: (line: string) => void;
  /** Tests pass their own. */
  readonly lookup?: Lookup;
}

export interface DnsDiscovery {
  /** Resolves now and reports a change; resolves when done. */
  refresh(): Promise<readonly string[]>;
  stop(): void;
}

export function startDnsDiscovery(opts: DnsDiscoveryOptions): DnsDiscovery {
  const lookup = opts.lookup ?? systemLookup;
  const log = opts.log ?? (() => undefined);
  let current: readonly string[] | undefined;
  let lastError = '';
  let stopped = false;
  let running: Promise<readonly string[]> | undefined;

  const once = async (): Promise<readonly string[]> => {
    let found: readonly string[];
    try {
      found = await lookup(opts.target.host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!ABSENT.has(code)) {
        const why = `${code || 'error'}: ${(err as Error).message}`;
        if (why !== lastError) log(`resolving ${opts.target.host}: ${why}; keeping the ${current?.length ?? 0} replica(s) known`);
        lastError = why;
        return current ?? [];
      }
      found = [];
    }
    lastError = '';
    const next = [...new Set(found)].map((host) => formatHostPort({ host, port: opts.target.port })).sort();
    if (!stopped && (current === undefined || next.length !== current.length || next.some((a, i) => a !== current![i]))) {
      log(`${formatHostPort(opts.target)} resolves to ${next.length ? next.join(', ') : 'no replica'}`);
      current = next;
      opts.onChange(next);
    }
    return next;
  };
  const refresh = (): Promise<readonly string[]> => (running ??= once().finally(() => (running = undefined)));

  const timer = setInterval(() => void refresh(), opts.intervalMs);
  timer.unref();
  void refresh();
  return {
    refresh,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
