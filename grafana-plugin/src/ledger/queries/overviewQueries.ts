import { selector } from '../../prometheus/promql';

// PromQL for the channel overview. Names from exporter/docs/metrics.md (exporter: mictract_*) and
// Fabric's peer operations metrics (ledger_blockchain_height).

export function overviewQueries(channel: string) {
  const ch = selector([['channel', '=', channel]]);
  return {
    /** Each peer's ledger height (Fabric's own metric; instance_name is the peer's FQDN locally). */
    peerHeights: `max by (instance_name, instance, org) (ledger_blockchain_height${ch})`,
    /** Committed transactions per second over the last minute. */
    txRate: `sum(rate(mictract_transactions_total${ch}[1m]))`,
    /** Every committed transaction the exporter has counted, by validation code. */
    validationCodes: `sum by (validation_code) (mictract_transactions_total${ch})`,
    /** p95 commit latency (client timestamp to block) over 5 minutes. */
    commitLatencyP95: `histogram_quantile(0.95, sum by (le) (rate(mictract_transaction_commit_latency_seconds_bucket${ch}[5m])))`,
    /** Blocks the exporter is behind its peer. */
    exporterLag: `max(mictract_exporter_lag_blocks${ch})`,
  };
}
