// The endpoint as its own process, one per org:
//   node dist/endpoint/main.js --listen 127.0.0.1:17010 --backend 127.0.0.1:17011 --backend 127.0.0.1:17013
// Prints "listening on HOST:PORT" on stdout once connections are accepted (the
// line a supervisor waits for); everything else goes to stderr.

import { parseArgs } from 'node:util';

import { startEndpoint } from './endpoint';
import { formatHostPort, HostPort, parseHostPort } from './hostport';

const USAGE =
  'usage: endpoint --listen HOST:PORT --backend HOST:PORT [--backend HOST:PORT ...] [--connect-timeout-ms N]';

class UsageError extends Error {}

function hostPort(flag: string, value: string): HostPort {
  const parsed = parseHostPort(value);
  if (typeof parsed === 'string') throw new UsageError(`${flag}: ${parsed}`);
  return parsed;
}

function parse(argv: string[]): { listen: HostPort; backends: HostPort[]; connectTimeoutMs?: number } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        listen: { type: 'string' },
        backend: { type: 'string', multiple: true },
        'connect-timeout-ms': { type: 'string' },
      },
    }));
  } catch (err) {
    // parseArgs names the flag: "Unknown option '--bogus'", "Option '--listen <value>' argument missing".
    throw new UsageError((err as Error).message);
  }
  if (values.listen === undefined) throw new UsageError('--listen is required');
  if (!values.backend?.length) throw new UsageError('--backend is required (one per replica)');
  const timeout = values['connect-timeout-ms'];
  const connectTimeoutMs = timeout === undefined ? undefined : Number(timeout);
  if (connectTimeoutMs !== undefined && !(Number.isInteger(connectTimeoutMs) && connectTimeoutMs > 0)) {
    throw new UsageError(`--connect-timeout-ms: expected a positive whole number of milliseconds, got "${timeout}"`);
  }
  return {
    listen: hostPort('--listen', values.listen),
    backends: values.backend.map((b) => hostPort('--backend', b)),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
  };
}

async function main(): Promise<void> {
  let opts;
  try {
    opts = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`endpoint: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const log = (line: string): void => void process.stderr.write(`endpoint ${formatHostPort(opts.listen)}: ${line}\n`);
  const endpoint = await startEndpoint({ ...opts, log }).catch((err: Error) => {
    // Port taken, address not local: something the user fixes, like a bad flag.
    process.stderr.write(`endpoint: cannot listen on ${formatHostPort(opts.listen)}: ${err.message}\n`);
    process.exit(2);
  });
  process.stdout.write(`listening on ${formatHostPort(endpoint.address)}\n`);

  const stop = (signal: string): void => {
    log(`${signal}: closing`);
    void endpoint.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`endpoint: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
