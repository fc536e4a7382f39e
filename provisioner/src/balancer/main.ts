// The chaincode balancer as its own process, one per org and chaincode slot:
//   node dist/balancer/main.js --listen 127.0.0.1:17010 --tls-cert cert.pem --tls-key key.pem \
//        --replica 127.0.0.1:17012 --replica 127.0.0.1:17015 [--metrics 127.0.0.1:17020]
// Prints "listening on HOST:PORT" on stdout once the peer can connect (the line a supervisor waits
// for); logs to stderr, one line per replica state change, not per invocation. Exit codes: 0 after
// SIGTERM/SIGINT; 2 a bad flag, an unreadable file or a port that cannot be bound.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import { formatHostPort, parseHostPort } from '../endpoint/hostport';
import { startBalancer } from './balancer';
import { BalancerMetrics } from './balancermetrics';

const USAGE = 'usage: balancer --listen HOST:PORT --replica HOST:PORT [--replica HOST:PORT ...] [--tls-cert FILE --tls-key FILE] [--metrics HOST:PORT]';

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
      },
    }));
  } catch (err) {
    throw new StartError((err as Error).message);
  }
  if (values.listen === undefined) throw new StartError('--listen is required');
  if (!values.replica?.length) throw new StartError('--replica is required (one per replica, its sidecar\'s address)');
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new StartError('--tls-cert and --tls-key go together');
  return {
    listen: hostPort('--listen', values.listen),
    replicas: values.replica.map((r) => hostPort('--replica', r)),
    tls: values['tls-cert'] ? { cert: read('--tls-cert', values['tls-cert']), key: read('--tls-key', values['tls-key']!) } : undefined,
    metrics: values.metrics === undefined ? undefined : parseHostPort(values.metrics),
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
  const metrics = new BalancerMetrics(args.replicas);
  const balancer = await startBalancer({ listen: args.listen, replicas: args.replicas, metrics, log, ...(args.tls ? { tls: args.tls } : {}) }).catch((err: Error) => {
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
  process.stdout.write(`listening on ${balancer.address}\n`);
  log(`replicas ${args.replicas.join(', ')}, TLS ${args.tls ? 'on' : 'off'}${args.metrics ? `, metrics on ${formatHostPort(args.metrics as { host: string; port: number })}` : ''}`);

  const stop = (signal: string): void => {
    log(`${signal}: closing`);
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
