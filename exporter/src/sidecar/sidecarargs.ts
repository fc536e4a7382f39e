import { Command, CommanderError, Option } from 'commander';

// The sidecar's command line: the same flags on the local target and on Kubernetes, where the pod
// name and namespace come from the downward API as POD_NAME and POD_NAMESPACE.

export interface SidecarArgs {
  readonly listen: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly clientCa?: string;
  readonly replica: string;
  readonly metrics?: string;
  /** Empty: no tracing. */
  readonly otlpUrl: string;
  readonly chaincode: string;
  readonly podName: string;
  readonly namespace: string;
  readonly peer: string;
  readonly spanQueueSize: number;
}

/** A mistake in the command line, for the user to fix (exit code 2). */
export class SidecarArgsError extends Error {
  override readonly name = 'SidecarArgsError';
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

function hostPort(flag: string, value: string): string {
  const m = HOST_PORT.exec(value);
  if (!m || Number(m[2]) > 65535) throw new SidecarArgsError(`${flag}: expected HOST:PORT, got "${value}"`);
  return value;
}

export function sidecarCommand(env: NodeJS.ProcessEnv): Command {
  return new Command('mictract-sidecar')
    .description('Tracing sidecar for one chaincode replica: proxies the peer\'s chaincode stream, emitting a span and RED metrics per invocation.')
    .requiredOption('--listen <host:port>', 'where the peer connects (the address in the chaincode\'s connection.json)')
    .requiredOption('--replica <host:port>', "the replica's plaintext chaincode server, on loopback")
    .option('--tls-cert <file>', 'server certificate (PEM) presented to the peer; with --tls-key, else plaintext')
    .option('--tls-key <file>', 'its private key (PEM)')
    .option('--client-ca <file>', "CA certificate(s) (PEM) the peer's client certificate must chain to; requires TLS")
    .option('--metrics <host:port>', 'serve Prometheus metrics (OpenMetrics, with exemplars) on http://HOST:PORT/metrics')
    .option('--otlp-url <url>', 'OTLP/HTTP base URL of the trace store (spans go to URL/v1/traces); empty: no tracing', '')
    .option('--chaincode <name>', 'chaincode name for labels and spans (default: the label of the chaincode ID the replica registers)', '')
    .option('--pod-name <name>', 'replica pod name (k8s.pod.name)', env.POD_NAME ?? '')
    .option('--namespace <name>', 'Kubernetes namespace (k8s.namespace.name)', env.POD_NAMESPACE ?? '')
    .option('--peer <label>', "the peer's name for spans (default: its client certificate's CN)", '')
    .addOption(new Option('--span-queue-size <n>', 'spans held for export at most; beyond it they are dropped and counted').default('2048'))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: (s) => process.stdout.write(s) });
}

/** Parses argv (without node and script); throws SidecarArgsError, or CommanderError for --help. */
export function parseSidecarArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SidecarArgs {
  const cmd = sidecarCommand(env);
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version')) throw err;
    throw new SidecarArgsError(err instanceof Error ? err.message.replace(/^error: /, '') : String(err));
  }
  const o = cmd.opts<Record<string, string | undefined>>();
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new SidecarArgsError('--tls-cert and --tls-key go together');
  if (o.clientCa && !o.tlsCert) throw new SidecarArgsError('--client-ca needs --tls-cert and --tls-key');
  const spanQueueSize = Number(o.spanQueueSize);
  if (!Number.isInteger(spanQueueSize) || spanQueueSize < 1) throw new SidecarArgsError(`--span-queue-size: expected a positive whole number, got "${o.spanQueueSize}"`);
  const otlpUrl = o.otlpUrl ?? '';
  if (otlpUrl && !/^https?:\/\/[^\s]+$/.test(otlpUrl)) throw new SidecarArgsError(`--otlp-url: expected http(s)://HOST:PORT, got "${otlpUrl}"`);
  return {
    listen: hostPort('--listen', o.listen!),
    replica: hostPort('--replica', o.replica!),
    ...(o.tlsCert ? { tlsCert: o.tlsCert, tlsKey: o.tlsKey! } : {}),
    ...(o.clientCa ? { clientCa: o.clientCa } : {}),
    ...(o.metrics ? { metrics: hostPort('--metrics', o.metrics) } : {}),
    otlpUrl,
    chaincode: o.chaincode ?? '',
    podName: o.podName ?? '',
    namespace: o.namespace ?? '',
    peer: o.peer ?? '',
    spanQueueSize,
  };
}
