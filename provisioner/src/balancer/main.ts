// The chaincode balancer as its own process, one per org and chaincode slot:
//   node dist/balancer/main.js --listen 127.0.0.1:17010 --tls-cert cert.pem --tls-key key.pem \
//        --replica 127.0.0.1:17012 --replica 127.0.0.1:17015 [--metrics 127.0.0.1:17020] \
//        [--chaincode marbles --org Org1MSP]   (labels on every metric it serves)
// On Kubernetes the replicas are found, not listed: --replicas-dns marbles-blue-org1-replicas:7052
// resolves the replicas' headless Service every --dns-refresh-ms (one address per Ready pod), and
// --replica-tls-ca/--replica-tls-name dial their sidecars with TLS (the hop crosses the pod network).
// Prints "listening on HOST:PORT" on stdout once the peer can connect (the line a supervisor waits
// for); logs to stderr, one line per replica state change, not per invocation. Exit codes: 0 after
// SIGTERM/SIGINT; 2 a bad flag, an unreadable file or a port that cannot be bound.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import { formatHostPort, parseHostPort } from '../endpoint/hostport';
import { startBalancer } from './balancer';
import { BalancerMetrics } from './balancermetrics';
import { startDnsDiscovery } from './dnsdiscovery';
import { replicaTls } from './replicalink';

const USAGE =
  'usage: balancer --listen HOST:PORT (--replica HOST:PORT [--replica HOST:PORT ...] | --replicas-dns NAME:PORT [--dns-refresh-ms MS])\n' +
  '                [--tls-cert FILE --tls-key FILE] [--replica-tls-ca FILE [--replica-tls-name NAME]] [--metrics HOST:PORT]\n' +
  '                [--chaincode NAME] [--org MSPID]';

class StartError extends Error {}

function hostPort(flag: string, value: string): string {
  const parsed = parseHostPort(value);
  if (typeof parsed === 'string') throw new StartError(`${flag}: ${parsed}`);
  return formatHostPort(parsed);
}

function read(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new StartError(`${flag}: ${(err as Error).message}`);
  }
}

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        listen: { type: 'string' },
        replica: { type: 'string', multiple: true },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        metrics: { type: 'string' },
        'replicas-dns': { type: 'string' },
        'dns-refresh-ms': { type: 'string' },
        'replica-tls-ca': { type: 'string' },
        'replica-tls-name': { type: 'string' },
        chaincode: { type: 'string' },
        org: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new StartError((err as Error).message);
  }
  if (values.listen === undefined) throw new StartError('--listen is required');
  const dnsTarget = values['replicas-dns'];
  if (!values.replica?.length && dnsTarget === undefined) throw new StartError('--replica is required (one per replica, its sidecar\'s address), or --replicas-dns');
  if (values.replica?.length && dnsTarget !== undefined) throw new StartError('--replica and --replicas-dns exclude each other');
  if (values['replica-tls-name'] !== undefined && values['replica-tls-ca'] === undefined) throw new StartError('--replica-tls-name needs --replica-tls-ca');
  const refresh = values['dns-refresh-ms'] === undefined ? 2000 : Number(values['dns-refresh-ms']);
  if (!Number.isInteger(refresh) || refresh < 100) throw new StartError(`--dns-refresh-ms: a whole number of milliseconds, at least 100 (got "${values['dns-refresh-ms']}")`);
  let dns;
  if (dnsTarget !== undefined) {
    dns = parseHostPort(dnsTarget);
    if (typeof dns === 'string') throw new StartError(`--replicas-dns: ${dns}`);
  }
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new StartError('--tls-cert and --tls-key go together');
  const labels: Record<string, string> = {};
  for (const flag of ['chaincode', 'org'] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(v)) throw new StartError(`--${flag}: letters, digits, '.', '_' and '-', at most 128 (got "${v}")`);
    labels[flag] = v;
  }
  return {
    listen: hostPort('--listen', values.listen),
    replicas: (values.replica ?? []).map((r) => hostPort('--replica', r)),
    dns: dns === undefined ? undefined : { target: dns, refreshMs: refresh },
    replicaTls: values['replica-tls-ca'] ? replicaTls(read('--replica-tls-ca', values['replica-tls-ca']), values['replica-tls-name']) : undefined,
    tls: values['tls-cert'] ? { cert: read('--tls-cert', values['tls-cert']), key: read('--tls-key', values['tls-key']!) } : undefined,
    metrics: values.metrics === undefined ? undefined : parseHostPort(values.metrics),
    labels,
  };
}

async function main(): Promise<void> {
  let args;
  try {
    args = parse(process.argv.slice(2));
    if (typeof args.metrics === 'string') throw new StartError(`--metrics: ${args.metrics}`);
  } catch (err) {
    if (!(err instanceof StartError)) throw err;
    process.stderr.write(`balancer: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const log = (line: string): void => void process.stderr.write(`balancer ${args.listen}: ${line}\n`);
  const metrics = new BalancerMetrics(args.replicas, args.labels);
  const balancer = await startBalancer({
    listen: args.listen,
    replicas: args.replicas,
    discovered: args.dns !== undefined,
    metrics,
    log,
    ...(args.tls ? { tls: args.tls } : {}),
    ...(args.replicaTls ? { replicaTls: args.replicaTls } : {}),
  }).catch((err: Error) => {
    process.stderr.write(`balancer: cannot listen on ${args.listen}: ${err.message}\n`);
    process.exit(2);
  });
  let metricsServer: http.Server | undefined;
  if (args.metrics && typeof args.metrics !== 'string') {
    const at = args.metrics;
    metricsServer = http.createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') return void res.writeHead(404).end('only GET /metrics here\n');
      metrics.scrape().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
      );
    });
    await new Promise<void>((resolve) => metricsServer!.once('error', (err) => {
      process.stderr.write(`balancer: --metrics ${formatHostPort(at)}: ${err.message}\n`);
      process.exit(2);
    }).listen(at.port, at.host, resolve));
  }
  const discovery = args.dns && startDnsDiscovery({ target: args.dns.target, intervalMs: args.dns.refreshMs, onChange: (a) => balancer.setReplicas(a), log });
  process.stdout.write(`listening on ${balancer.address}\n`);
  log(`replicas ${args.dns ? `from DNS ${formatHostPort(args.dns.target)} every ${args.dns.refreshMs} ms` : args.replicas.join(', ')}, TLS ${args.tls ? 'on' : 'off'} (to replicas ${args.replicaTls ? 'on' : 'off'})${args.metrics ? `, metrics on ${formatHostPort(args.metrics as { host: string; port: number })}` : ''}`);

  const stop = (signal: string): void => {
    log(`${signal}: closing`);
    discovery?.stop();
    metricsServer?.close();
    void balancer.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`balancer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
