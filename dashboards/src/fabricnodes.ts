import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { labelVariable, mictractDashboard, pluginLink, query, statPanel, timeseriesPanel } from './panels';
import { RATE, orderer, peer } from './selectors';
import { site } from './thresholds';

// Peers and orderers on Fabric's own operations metrics only (no Mictract component needed):
// endorsement, the chaincode shim, block commit, gossip, deliver, broadcast and Raft.

const p95 = (family: string, sel: string, by: string) => `histogram_quantile(0.95, sum by (${by}, le) (rate(${family}_bucket{${sel}}[${RATE}])))`;

export function fabricNodesDashboard(): Dashboard {
  const peerCc = `${peer},chaincode=~"$chaincode"`;
  return mictractDashboard('Peers and orderers', 'mictract-fabric', "Fabric's own operations metrics: endorser, chaincode shim, ledger commit, gossip, deliver, broadcast, Raft.", ['fabric'])
    .withVariable(labelVariable('channel', 'Channel', `ledger_blockchain_height{job="${site.jobs.peer}"}`))
    .withVariable(labelVariable('chaincode', 'Chaincode', `endorser_proposal_duration_count{job="${site.jobs.peer}",channel=~"$channel"}`))
    .link(pluginLink('Ledger explorer', 'channels', 'Channels, blocks and transactions (Mictract app)'))
    .withPanel(statPanel('Raft leader', 'Orderers that report themselves leader of the channel (1 expected).', 'none', [query(`sum(consensus_etcdraft_is_leader{${orderer}})`, 'leaders', { instant: true })]))
    .withPanel(statPanel('Active Raft nodes', 'Active nodes of the channel\'s Raft cluster, as the leader sees them.', 'none', [query(`max(consensus_etcdraft_active_nodes{${orderer}})`, 'active', { instant: true })]))
    .withPanel(statPanel('Peers known to gossip', 'Fewest peers any peer knows on the channel.', 'none', [query(`min(gossip_membership_total_peers_known{${peer}})`, 'known', { instant: true })]))
    .withPanel(statPanel('Proposals/s', 'Proposals received by all peers per second.', 'reqps', [query(`sum(rate(endorser_proposals_received{job="${site.jobs.peer}"}[${RATE}]))`, 'proposals/s')]))
    .withRow(new RowBuilder('Peers: endorsement and chaincode'))
    .withPanel(
      timeseriesPanel('Endorser proposal duration p95', 'Proposal handling time per chaincode (the chaincode label is its name), successful and failed.', 's', [
        query(p95('endorser_proposal_duration', peerCc, 'chaincode, success'), '{{chaincode}} success={{success}}'),
      ]),
    )
    .withPanel(
      timeseriesPanel('Proposals per second', 'Proposals received and succeeded, per peer.', 'reqps', [
        query(`rate(endorser_proposals_received{job="${site.jobs.peer}"}[${RATE}])`, 'received {{instance}}'),
        query(`rate(endorser_successful_proposals{job="${site.jobs.peer}"}[${RATE}])`, 'succeeded {{instance}}'),
      ]),
    )
    .withPanel(
      timeseriesPanel('Chaincode shim requests', 'State calls completed per second by type (the chaincode label is the package ID).', 'reqps', [
        query(`sum by (type, success) (rate(chaincode_shim_requests_completed{${peer}}[${RATE}]))`, '{{type}} success={{success}}'),
      ]),
    )
    .withPanel(timeseriesPanel('Chaincode shim request duration p95', 'State call handling time in the peer, by type.', 's', [query(p95('chaincode_shim_request_duration', peer, 'type'), '{{type}}')]))
    .withRow(new RowBuilder('Peers: ledger and gossip'))
    .withPanel(
      timeseriesPanel('Block processing and commit time p95', 'Validate and commit a block; the block storage and state database parts.', 's', [
        query(p95('ledger_block_processing_time', peer, 'instance'), 'processing {{instance}}'),
        query(p95('ledger_blockstorage_commit_time', peer, 'instance'), 'block storage {{instance}}'),
        query(p95('ledger_statedb_commit_time', peer, 'instance'), 'state db {{instance}}'),
      ]),
    )
    .withPanel(
      timeseriesPanel('Gossip', 'Peers known and gossip state height per peer.', 'none', [
        query(`gossip_membership_total_peers_known{${peer}}`, 'peers known {{instance}}'),
        query(`gossip_state_height{${peer}}`, 'state height {{instance}}'),
      ]),
    )
    .withPanel(timeseriesPanel('Gossip commit duration p95', 'Time gossip state transfer takes to commit a block, per peer.', 's', [query(p95('gossip_state_commit_duration', peer, 'instance'), '{{instance}}')]))
    .withPanel(
      timeseriesPanel('Deliver: blocks sent', 'Blocks sent on deliver streams per second (peers to clients and the exporter; orderers to peers).', 'reqps', [
        query(`sum by (job, instance) (rate(deliver_blocks_sent{channel=~"$channel"}[${RATE}]))`, '{{job}} {{instance}}'),
      ]),
    )
    .withRow(new RowBuilder('Orderers'))
    .withPanel(
      timeseriesPanel('Broadcast', 'Envelopes clients broadcast to the orderers per second, by type and status.', 'reqps', [
        query(`sum by (type, status) (rate(broadcast_processed_count{${orderer}}[${RATE}]))`, '{{type}} {{status}}'),
      ]),
    )
    .withPanel(timeseriesPanel('Broadcast validate duration p95', 'Time to validate a broadcast envelope.', 's', [query(p95('broadcast_validate_duration', orderer, 'instance'), '{{instance}}')]))
    .withPanel(
      timeseriesPanel('Raft leader', 'Which orderer leads the channel (1) and leader changes in the interval.', 'none', [
        query(`consensus_etcdraft_is_leader{${orderer}}`, 'leader {{instance}}'),
        query(`max(increase(consensus_etcdraft_leader_changes{${orderer}}[${RATE}]))`, 'leader changes'),
      ]),
    )
    .withPanel(
      timeseriesPanel('Raft cluster and participation', 'Active nodes against cluster size, and channel participation status (1 active).', 'none', [
        query(`max(consensus_etcdraft_active_nodes{${orderer}})`, 'active nodes'),
        query(`max(consensus_etcdraft_cluster_size{${orderer}})`, 'cluster size'),
        query(`participation_status{${orderer}}`, 'participation {{instance}}'),
      ]),
    )
    .build();
}
