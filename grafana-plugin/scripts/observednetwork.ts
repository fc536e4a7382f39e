import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MarblesWorkload, startTestNetwork, type TestNetwork } from '@mictract/provisioner';

// A real Fabric network with the exporter, Prometheus and Jaeger beside it and a marbles workload on
// it (some MVCC conflicts included), for recording fixtures and for the browser test.

export interface ObservedNetwork {
  readonly net: TestNetwork;
  /** The exporter's ledger API base, …/api/v1. */
  readonly apiUrl: string;
  readonly prometheusUrl: string;
  readonly jaegerUrl: string;
  readonly channel: string;
  /** The exporter's profile token, which the app's capture route sends (the dev host adds it as Grafana would). */
  readonly profileToken: string;
  readonly workload: MarblesWorkload;
  stop(): Promise<void>;
}

const url = (e: { host: string; port: number }) => `http://${e.host}:${e.port}`;

export async function startObservedNetwork(opts: { rate?: number; replicas?: number } = {}): Promise<ObservedNetwork> {
  const net = await startTestNetwork({
    name: 'plugin',
    observability: true,
    replicas: opts.replicas ?? 2,
    batchTimeoutMs: 250,
    // the replicas run with their inspector, so the Profile page can capture them
    chaincodeExtra: ', profile: true',
  });
  const obs = net.network.observability!;
  const conn = await net.connect();
  const workload = new MarblesWorkload(conn.contract('marbles'), {
    rate: opts.rate ?? 8,
    prefix: `p${Date.now().toString(36)}`,
    maxInFlight: 16,
  });
  const running = workload.run();
  return {
    net,
    apiUrl: `${url(obs.exporter.listen)}/api/v1`,
    prometheusUrl: url(obs.prometheus),
    jaegerUrl: url(obs.jaeger.query),
    channel: net.network.channel,
    profileToken: readFileSync(path.join(net.dirs.network, 'observability', 'profile-token'), 'utf8').trim(),
    workload,
    async stop() {
      workload.stop();
      await running.catch(() => undefined);
      conn.close();
      await net.destroy();
    },
  };
}

/** Waits until `check` returns true (polling), or fails after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
}
