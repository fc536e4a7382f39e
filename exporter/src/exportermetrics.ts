import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type OpenMetricsContentType } from 'prom-client';

// The exporter's Prometheus families (reference: docs/metrics.md, section "Exporter"). One
// OpenMetrics registry, so the commit-latency histogram carries trace_id exemplars; /metrics turns it
// into the classic text format for scrapers that do not ask for OpenMetrics (metricsformat.ts).
// Labels are bounded: channel and chaincode come from the configuration and the ledger, function
// through a LabelLimiter, validation_code is one of Fabric's ~30 codes; never a tx ID or a key.

/** Commit latency buckets in seconds: a batch timeout of 250 ms up to a congested orderer. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];
const BLOCK_BYTES_BUCKETS = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 104857600];
const BLOCK_TX_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

export class ExporterMetrics {
  readonly registry = new Registry<OpenMetricsContentType>();

  readonly height: Gauge<'channel'>;
  readonly blocks: Counter<'channel'>;
  readonly envelopes: Counter<'channel' | 'type'>;
  readonly transactions: Counter<'channel' | 'chaincode' | 'function' | 'validation_code'>;
  readonly mvccConflicts: Counter<'channel' | 'chaincode'>;
  readonly commitLatency: Histogram<'channel' | 'chaincode' | 'function'>;
  readonly blockSize: Histogram<'channel'>;
  readonly blockTransactions: Histogram<'channel'>;
  readonly certificateExpiry: Gauge<'msp' | 'role' | 'subject' | 'serial'>;
  readonly peerHeight: Gauge<'channel'>;
  readonly lag: Gauge<'channel'>;
  readonly connected: Gauge<'channel'>;
  readonly lastBlockTime: Gauge<'channel'>;
  readonly decodeErrors: Counter<'channel' | 'kind'>;
  readonly chainFailures: Counter<'channel' | 'check'>;
  readonly reconnects: Counter<'channel'>;
  readonly checkpointErrors: Counter<'channel'>;
  readonly spansExported: Counter;
  readonly spansDropped: Counter<'reason'>;
  readonly spanQueueLength: Gauge;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const registers = [this.registry];
    this.height = new Gauge({ name: 'mictract_ledger_height', help: 'Blocks the exporter has processed on the channel: the last block number + 1.', labelNames: ['channel'], registers });
    this.blocks = new Counter({ name: 'mictract_exporter_blocks_processed_total', help: 'Blocks processed (decoded, verified, counted).', labelNames: ['channel'], registers });
    this.envelopes = new Counter({ name: 'mictract_exporter_transactions_processed_total', help: 'Envelopes processed, by channel header type (ENDORSER_TRANSACTION, CONFIG, ...).', labelNames: ['channel', 'type'], registers });
    this.transactions = new Counter({
      name: 'mictract_transactions_total',
      help: 'Committed endorser transactions by chaincode, function and validation code (VALID, MVCC_READ_CONFLICT, ...).',
      labelNames: ['channel', 'chaincode', 'function', 'validation_code'],
      registers,
    });
    this.mvccConflicts = new Counter({ name: 'mictract_mvcc_read_conflicts_total', help: 'Transactions invalidated with MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT.', labelNames: ['channel', 'chaincode'], registers });
    this.commitLatency = new Histogram({
      name: 'mictract_transaction_commit_latency_seconds',
      help: "From the client's timestamp in the channel header to the exporter receiving the block; live blocks only (not while catching up).",
      labelNames: ['channel', 'chaincode', 'function'],
      buckets: LATENCY_BUCKETS,
      enableExemplars: true,
      registers,
    });
    this.blockSize = new Histogram({ name: 'mictract_block_size_bytes', help: "Size of a block's data (its envelopes).", labelNames: ['channel'], buckets: BLOCK_BYTES_BUCKETS, registers });
    this.blockTransactions = new Histogram({ name: 'mictract_block_transactions', help: 'Envelopes per block.', labelNames: ['channel'], buckets: BLOCK_TX_BUCKETS, registers });
    this.certificateExpiry = new Gauge({
      name: 'mictract_certificate_expiry_timestamp_seconds',
      help: 'Not-after time of a certificate seen in a channel configuration (CA, intermediate, TLS CA, admin) or as a creator or endorser.',
      labelNames: ['msp', 'role', 'subject', 'serial'],
      registers,
    });
    this.peerHeight = new Gauge({ name: 'mictract_exporter_peer_height', help: "The peer's ledger height (qscc GetChainInfo, or a block received).", labelNames: ['channel'], registers });
    this.lag = new Gauge({ name: 'mictract_exporter_lag_blocks', help: "Blocks the exporter is behind the peer: peer height minus the exporter's height.", labelNames: ['channel'], registers });
    this.connected = new Gauge({ name: 'mictract_exporter_connected', help: '1 while the block stream of the channel is open, else 0.', labelNames: ['channel'], registers });
    this.lastBlockTime = new Gauge({ name: 'mictract_exporter_last_block_timestamp_seconds', help: 'When the exporter last processed a block of the channel.', labelNames: ['channel'], registers });
    this.decodeErrors = new Counter({ name: 'mictract_exporter_decode_errors_total', help: 'Malformed envelopes (kind envelope) or blocks (kind block) counted and skipped.', labelNames: ['channel', 'kind'], registers });
    this.chainFailures = new Counter({
      name: 'mictract_exporter_chain_verification_failures_total',
      help: "Blocks whose data hash does not match their data (check data_hash) or whose previous hash is not the prior block's header hash (check previous_hash).",
      labelNames: ['channel', 'check'],
      registers,
    });
    this.reconnects = new Counter({ name: 'mictract_exporter_reconnects_total', help: 'Block stream reconnections after an error or the end of the stream.', labelNames: ['channel'], registers });
    this.checkpointErrors = new Counter({ name: 'mictract_exporter_checkpoint_errors_total', help: 'Checkpoint writes that failed (the next one retries).', labelNames: ['channel'], registers });
    this.spansExported = new Counter({ name: 'mictract_exporter_spans_exported_total', help: 'Transaction spans the trace backend accepted.', registers });
    this.spansDropped = new Counter({ name: 'mictract_exporter_spans_dropped_total', help: 'Spans lost: queue_full (backend slower than blocks) or export_failed (backend down, refusing, or too slow).', labelNames: ['reason'], registers });
    this.spanQueueLength = new Gauge({ name: 'mictract_exporter_span_queue_length', help: 'Spans waiting for export.', registers });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Span processor counters for BoundedSpanProcessor. */
  spanCounters() {
    return {
      exported: (n: number) => this.spansExported.inc(n),
      dropped: (reason: 'queue_full' | 'export_failed', n: number) => this.spansDropped.inc({ reason }, n),
      queueLength: (n: number) => this.spanQueueLength.set(n),
    };
  }
}
