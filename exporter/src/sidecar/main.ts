#!/usr/bin/env -S node --max-semi-space-size=4
// mictract-sidecar: one per chaincode replica. Flags in exporter/README.md (section "Sidecar").
// Run it as `node --max-semi-space-size=4 dist/sidecar/main.js …` (the bin's shebang does): V8's young
// generation otherwise grows to tens of MB under the sidecar's allocation rate, and RSS with it
// (measured over 18,000 invocations: 210 MB without, a steady 105-115 MB with; old space stays ~30 MB).
// Prints "listening on HOST:PORT" on stdout once the peer can connect (then "metrics on HOST:PORT"
// when --metrics is set); logs go to stderr. Exit codes: 0 stopped by SIGTERM/SIGINT; 1 a bug;
// 2 a command-line mistake, a file that cannot be read or a port that cannot be bound.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { CommanderError } from 'commander';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import { startMetricsServer, type MetricsServer } from './metricsserver';
import { startSidecar } from './sidecar';
import { parseSidecarArgs, SidecarArgsError, type SidecarArgs } from './sidecarargs';
import { SidecarMetrics } from './sidecarmetrics';
import { createSidecarTracerProvider, SIDECAR_SERVICE_NAME } from './sidecartracing';
import { Telemetry } from './telemetry';

const VERSION: string = (require('../../package.json') as { version: string }).version;

class StartError extends Error {}

function read(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new StartError(`${flag}: ${(err as Error).message}`);
  }
}

function tracerProvider(args: SidecarArgs, metrics: SidecarMetrics): TracerProvider | undefined {
  if (!args.otlpUrl) return undefined;
  const resource: Record<string, string> = { 'service.instance.id': args.podName || `${os.hostname()}/${process.pid}` };
  if (args.podName) resource['k8s.pod.name'] = args.podName;
  if (args.namespace) resource['k8s.namespace.name'] = args.namespace;
  if (args.chaincode) resource['fabric.chaincode'] = args.chaincode;
  return createSidecarTracerProvider(
    { otlpUrl: args.otlpUrl, serviceVersion: VERSION, resource, maxQueueSize: args.spanQueueSize, exportTimeoutMs: 5_000 },
    {
      exported: (n) => metrics.spansExported.inc(n),
      dropped: (reason, n) => metrics.spansDropped.inc({ reason }, n),
      queueLength: (n) => metrics.spanQueueLength.set(n),
    },
  );
}

async function main(): Promise<void> {
  let args: SidecarArgs;
  try {
    args = parseSidecarArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) process.exit(0); // --help
    throw err;
  }
  const tls = args.tlsCert
    ? { cert: read('--tls-cert', args.tlsCert), key: read('--tls-key', args.tlsKey!), ...(args.clientCa ? { clientCa: read('--client-ca', args.clientCa) } : {}) }
    : undefined;
  const metrics = new SidecarMetrics();
  const provider = tracerProvider(args, metrics);
  const telemetry = new Telemetry(metrics, provider?.getTracer(SIDECAR_SERVICE_NAME, VERSION));
  let name = args.listen;
  const log = (line: string) => void process.stderr.write(`mictract-sidecar ${name}: ${line}\n`);

  let metricsServer: MetricsServer | undefined;
  if (args.metrics) {
    metricsServer = await startMetricsServer(args.metrics, metrics).catch((err: Error) => {
      throw new StartError(`--metrics ${args.metrics}: ${err.message}`);
    });
  }
  const sidecar = await startSidecar({ listen: args.listen, replica: args.replica, chaincode: args.chaincode, peer: args.peer, ...(args.podName ? { pod: args.podName } : {}), ...(tls ? { tls } : {}) }, telemetry).catch(
    (err: Error) => {
      throw new StartError(`--listen ${args.listen}: ${err.message}`);
    },
  );
  name = sidecar.address;
  process.stdout.write(`listening on ${sidecar.address}\n`);
  if (metricsServer) process.stdout.write(`metrics on ${metricsServer.address}\n`);
  log(`replica ${args.replica}, tracing ${args.otlpUrl || 'off'}, TLS ${tls ? (tls.clientCa ? 'with client auth' : 'on') : 'off'}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: closing`);
    // Spans still queued get one flush; a down or hung backend holds the exit 5 s at most.
    const flushed = provider ? Promise.race([provider.shutdown(), new Promise((r) => setTimeout(r, 5_000).unref())]) : undefined;
    void Promise.allSettled([sidecar.close(), metricsServer?.close(), flushed]).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof SidecarArgsError || err instanceof StartError) {
    process.stderr.write(`mictract-sidecar: ${err.message}\nrun mictract-sidecar --help for the flags\n`);
    process.exit(2);
  }
  process.stderr.write(`mictract-sidecar: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
