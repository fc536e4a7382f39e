#!/usr/bin/env -S node --max-semi-space-size=16
// --max-semi-space-size=16 (as `mictract up` and the image run it): see provisioner/src/observability/exporterprocess.ts
import { Command } from 'commander';
import { Exporter } from './exporter';
import { ConfigError, DEFAULT_LISTEN, loadExporterConfig, type ExporterFlags } from './exporterconfig';
import { stderrLogger } from './log';

// mictract-exporter: reads the blocks of Fabric channels from a peer and serves metrics, traces and
// the ledger API. Configuration: a YAML file (--config) and flags that override it; see README.md.
// Exit codes: 0 after SIGTERM/SIGINT, 2 for a bad configuration, 1 for anything else at start.

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function main(argv: string[]): Promise<void> {
  const program = new Command('mictract-exporter')
    .description('Fabric block and transaction exporter: Prometheus metrics, a span per transaction, and a read-only ledger API')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--peer <host:port>', 'peer gateway endpoint; repeat for failover peers (replaces the file\'s peers)', collect)
    .option('--tls-ca-cert <file>', "PEM of the CA of the peers' TLS certificates")
    .option('--hostname-override <name>', "name in the peer's TLS certificate, if not the host dialled")
    .option('--msp-id <id>', 'MSP ID of the identity the exporter reads as')
    .option('--cert <file>', "the identity's PEM certificate")
    .option('--key <file>', "the identity's PEM private key")
    .option('--channel <name>', 'channel to export; repeat for more', collect)
    .option('--checkpoint-dir <dir>', 'folder for the per-channel checkpoint files')
    .option('--listen <host:port>', `address of /metrics and the ledger API (default ${DEFAULT_LISTEN})`)
    .option('--otlp-url <url>', 'OTLP/HTTP base URL for transaction spans, e.g. http://127.0.0.1:4318 (no spans without it)')
    .option('--pods-file <file>', 'JSON file listing the chaincode pods (written by the local target)')
    .option('--profile-token-file <file>', "file holding the token the Mictract app's route sends to capture a profile (POST /api/v1/profiles); capture is off without it")
    .option('--log-level <level>', 'debug, info, warn or error')
    .showHelpAfterError();
  program.parse(argv);
  const flags = program.opts<ExporterFlags>();
  let config;
  try {
    config = await loadExporterConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mictract-exporter: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = stderrLogger(config.logLevel);
  const exporter = await Exporter.start(config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log('info', 'stopping', { signal });
    exporter.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.log('error', 'stop failed', { reason: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`mictract-exporter: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
