// Which metric families the dashboards and rules read, and where each comes from. Mictract's own
// families must be in the metrics reference (exporter/docs/metrics.md); Fabric's own operations
// metrics are listed here (checked against a Fabric 2.5 peer's and orderer's /metrics) and in the
// README. metricsreference.test.ts holds every name used to one of the two.

/** Fabric's own operations metrics used here (peer and orderer /metrics, Prometheus provider). */
export const FABRIC_METRICS: Readonly<Record<string, string>> = {
  ledger_blockchain_height: 'peer and orderer: blocks in the channel ledger (gauge, channel)',
  ledger_transaction_count: 'peer: committed transactions (counter, channel, chaincode="name:version", transaction_type, validation_code)',
  ledger_block_processing_time: 'peer: time to validate and commit a block (histogram, channel)',
  ledger_blockstorage_commit_time: 'peer and orderer: time to write a block to storage (histogram, channel)',
  ledger_statedb_commit_time: 'peer: time to commit a block to the state database (histogram, channel)',
  endorser_proposal_duration: 'peer: proposal handling time (histogram, channel, chaincode, success)',
  endorser_proposals_received: 'peer: proposals received (counter)',
  endorser_successful_proposals: 'peer: proposals that succeeded (counter)',
  chaincode_shim_requests_completed: 'peer: state calls from chaincode (counter, channel, chaincode=package ID, type, success)',
  chaincode_shim_request_duration: 'peer: state call time (histogram, channel, chaincode, type, success)',
  gossip_membership_total_peers_known: 'peer: peers known to gossip (gauge, channel)',
  gossip_state_height: 'peer: height according to the gossip state (gauge, channel)',
  gossip_state_commit_duration: 'peer: time gossip takes to commit a block (histogram, channel)',
  deliver_blocks_sent: 'peer and orderer: blocks sent on deliver streams (counter, channel, filtered, data_type)',
  broadcast_processed_count: 'orderer: envelopes broadcast by clients (counter, channel, type, status)',
  broadcast_validate_duration: 'orderer: time to validate a broadcast envelope (histogram, channel, type, status)',
  consensus_etcdraft_is_leader: 'orderer: 1 if this node leads the channel\'s Raft cluster (gauge, channel)',
  consensus_etcdraft_leader_changes: 'orderer: Raft leader changes since start (counter, channel)',
  consensus_etcdraft_active_nodes: 'orderer: active Raft nodes (gauge, channel)',
  consensus_etcdraft_cluster_size: 'orderer: Raft cluster size (gauge, channel)',
  participation_status: 'orderer: channel participation status, 1 active (gauge, channel)',
};

/** Prometheus's own series, present for every scrape target. */
export const PROMETHEUS_SERIES = ['up'] as const;

/** The exporter's families (exporter/docs/metrics.md, section "Exporter"): absent until the exporter runs. */
export const EXPORTER_PREFIXES = ['mictract_exporter_', 'mictract_ledger_', 'mictract_transactions_', 'mictract_transaction_', 'mictract_mvcc_', 'mictract_certificate_', 'mictract_block_'];

const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'le']);

/**
 * The metric names a PromQL expression reads (recorded series, with a colon, left out). Strings,
 * label matchers, range selectors, label lists of by/on/... and function names are skipped.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\boffset\s+[0-9a-z]+/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    const word = m[0];
    if (m[1] === '(' || KEYWORDS.has(word.toLowerCase()) || word.includes(':') || word.startsWith('$')) continue;
    names.add(word);
  }
  return [...names].sort();
}

/** A histogram's series name to its family name (…_bucket → …); other names, and Fabric counters named …_count, unchanged. */
export function familyOf(name: string): string {
  return name in FABRIC_METRICS ? name : name.replace(HISTOGRAM_SUFFIX, '');
}

export type MetricSource = 'sidecar' | 'exporter' | 'fabric' | 'prometheus';

/** Where a series comes from, by its name. */
export function sourceOf(name: string): MetricSource {
  if (EXPORTER_PREFIXES.some((p) => name.startsWith(p))) return 'exporter';
  if (name.startsWith('mictract_') || name.startsWith('process_') || name.startsWith('nodejs_')) return 'sidecar';
  if ((PROMETHEUS_SERIES as readonly string[]).includes(name)) return 'prometheus';
  return 'fabric';
}
