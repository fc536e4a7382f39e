import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { labelVariable, mictractDashboard, pluginDataLink, pluginLink, query, statPanel, tablePanel, timeseriesPanel } from './panels';
import { RATE, exporter, exporterChannel, peer } from './selectors';
import { site } from './thresholds';

// Network overview: is the ledger moving, are transactions valid, how long do they take to commit,
// which certificates expire first, and is the exporter keeping up. The first dashboard on call.

/** Per-peer rates reduced to one peer's view (every peer commits every block). */
const onePeer = (by: string, inner: string) => `max by (${by}) (${inner})`;

export function overviewDashboard(): Dashboard {
  const txs = `ledger_transaction_count{${peer},transaction_type="ENDORSER_TRANSACTION"}`;
  return mictractDashboard('Network overview', 'mictract-overview', 'Hyperledger Fabric network health: ledger height and rate, validation codes, commit latency, certificates, exporter.', ['fabric'])
    .withVariable(labelVariable('channel', 'Channel', `ledger_blockchain_height{job="${site.jobs.peer}"}`))
    .link(pluginLink('Ledger explorer', 'channels', 'Channels, blocks and transactions (Mictract app)'))
    .link(pluginLink('Chaincode pods', 'pods', 'Chaincode replicas and their sidecars (Mictract app)'))
    .link(pluginLink('Certificates', 'certificates', 'Every certificate seen on the channels, by expiry (Mictract app)'))
    .withPanel(statPanel('Block height', 'Highest ledger height of any peer.', 'none', [query(`max(ledger_blockchain_height{${peer}})`, 'height', { instant: true })]))
    .withPanel(statPanel('Committed tx/s', 'Endorser transactions committed per second (any validation code), as one peer sees them.', 'reqps', [query(`max(sum by (instance) (rate(${txs}[${RATE}])))`, 'tx/s')]))
    .withPanel(
      statPanel('Invalid transactions', 'Share of committed endorser transactions whose validation code is not VALID.', 'percentunit', [
        query(`max(sum by (instance) (rate(ledger_transaction_count{${peer},transaction_type="ENDORSER_TRANSACTION",validation_code!="VALID"}[${RATE}])) or sum by (instance) (rate(${txs}[${RATE}])) * 0) / max(sum by (instance) (rate(${txs}[${RATE}])))`, 'invalid'),
      ]),
    )
    .withPanel(statPanel('Exporter lag', 'Blocks the exporter is behind its peer.', 'none', [query(`max(mictract_exporter_lag_blocks{${exporterChannel}})`, 'blocks', { instant: true })]))
    .withRow(new RowBuilder('Ledger'))
    .withPanel(timeseriesPanel('Height per peer', 'Ledger height of every peer, and of the exporter; a line that falls behind is a lagging peer (or exporter).', 'none', [query(`ledger_blockchain_height{${peer}}`, '{{instance}} {{channel}}'), query(`mictract_ledger_height{${exporterChannel}}`, 'exporter {{channel}}')]).dataLinks([pluginDataLink('Channel overview', 'channels/${__field.labels.channel}', {})]))
    .withPanel(
      timeseriesPanel('Blocks and transactions per second', 'Blocks committed and endorser transactions in them, per second (one peer\'s view).', 'reqps', [
        query(onePeer('channel', `rate(ledger_block_processing_time_count{${peer}}[${RATE}])`), 'blocks/s {{channel}}'),
        query(onePeer('channel', `sum by (channel, instance) (rate(${txs}[${RATE}]))`), 'tx/s {{channel}}'),
      ]),
    )
    .withPanel(
      timeseriesPanel('Transactions by validation code', 'Committed endorser transactions per second by validation code (VALID, MVCC_READ_CONFLICT, ENDORSEMENT_POLICY_FAILURE, ...).', 'reqps', [
        query(onePeer('validation_code', `sum by (instance, validation_code) (rate(${txs}[${RATE}]))`), '{{validation_code}}'),
      ]),
    )
    .withPanel(
      timeseriesPanel('Commit latency p50 / p95 / p99', "From the client's timestamp to the block reaching the exporter; exemplars open the transaction's trace.", 's', [
        ...[0.5, 0.95, 0.99].map((q) =>
          query(`histogram_quantile(${q}, sum by (le) (rate(mictract_transaction_commit_latency_seconds_bucket{${exporterChannel}}[${RATE}])))`, `p${q * 100}`, { exemplar: true }),
        ),
      ]),
    )
    .withPanel(
      timeseriesPanel('Endorsement failures and MVCC conflicts', 'Proposals the peers failed to endorse, and transactions invalidated by a read conflict (concurrent writes to the same keys).', 'reqps', [
        query(`sum by (chaincode) (rate(endorser_proposal_duration_count{${peer},success="false"}[${RATE}]))`, 'endorsement failed {{chaincode}}'),
        query(onePeer('chaincode', `sum by (instance, chaincode) (rate(ledger_transaction_count{${peer},validation_code=~"MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT"}[${RATE}]))`), 'MVCC {{chaincode}}'),
        query(`sum by (channel, chaincode) (rate(mictract_mvcc_read_conflicts_total{${exporterChannel}}[${RATE}]))`, 'MVCC (exporter) {{chaincode}}'),
      ]).dataLinks([pluginDataLink('Conflicting keys', 'channels/${__field.labels.channel}/conflicts', {})]),
    )
    .withPanel(
      tablePanel('Certificates nearest expiry', 'The 10 certificates (channel configuration, creators, endorsers) that expire first; alerts at 30 and 7 days.', 's', [
        query(`bottomk(10, mictract_certificate_expiry_timestamp_seconds{${exporter}} - time())`, '{{msp}} {{role}} {{subject}}', { instant: true }),
      ]).dataLinks([pluginDataLink('All certificates', 'certificates', {})]),
    )
    .withRow(new RowBuilder('Exporter'))
    .withPanel(
      timeseriesPanel('Exporter: up, connected, lag', 'Scrape health, block stream state (1 open) and blocks behind the peer, per channel.', 'none', [
        query(`up{${exporter}}`, 'up {{instance}}'),
        query(`mictract_exporter_connected{${exporterChannel}}`, 'connected {{channel}}'),
        query(`mictract_exporter_lag_blocks{${exporterChannel}}`, 'lag {{channel}}'),
      ]),
    )
    .withPanel(
      timeseriesPanel('Exporter: errors', 'Decode errors, chain-verification failures, reconnects and dropped spans per second (0 when healthy).', 'reqps', [
        query(`sum by (kind) (rate(mictract_exporter_decode_errors_total{${exporterChannel}}[${RATE}])) or sum(rate(mictract_exporter_blocks_processed_total{${exporterChannel}}[${RATE}])) * 0`, 'decode errors {{kind}}'),
        query(`sum by (check) (rate(mictract_exporter_chain_verification_failures_total{${exporterChannel}}[${RATE}])) or sum(rate(mictract_exporter_blocks_processed_total{${exporterChannel}}[${RATE}])) * 0`, 'chain verification {{check}}'),
        query(`sum(rate(mictract_exporter_reconnects_total{${exporterChannel}}[${RATE}]))`, 'reconnects'),
        query(`sum by (reason) (rate(mictract_exporter_spans_dropped_total{${exporter}}[${RATE}]))`, 'spans dropped {{reason}}'),
      ]),
    )
    .build();
}
