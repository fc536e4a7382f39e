import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { labelVariable, mictractDashboard, pluginDataLink, pluginLink, query, statPanel, timeseriesPanel } from './panels';
import { withPod } from './replicapods';
import { RATE, balancer, exporterChannel, sidecar, sidecarFn, sidecarProcess } from './selectors';
import { production, site } from './thresholds';

// One chaincode, as a service: rate, errors and duration per function from the tracing sidecar
// (exemplars open the invocation's trace), its calls back to the peer, its pods' resources, and
// the commit latency the exporter sees. Variables narrow by channel, chaincode, function and pod.

const INVOCATIONS = 'mictract_chaincode_invocations_total';
const DURATION = 'mictract_chaincode_invocation_duration_seconds_bucket';

/** A per-replica balancer expression (by chaincode, org, replica) with the replica's pod where its sidecar named it. */
const perReplica = (expr: string) => withPod(expr, 'chaincode, org, replica', balancer);

export function chaincodeDashboard(): Dashboard {
  const sidecarJob = `job="${site.jobs.sidecar}"`;
  const all = `${INVOCATIONS}{${sidecarFn}}`;
  const errors = `${INVOCATIONS}{${sidecarFn},status!="ok"}`;
  const podLink = pluginDataLink('This pod', 'pods', { chaincode: '${__field.labels.chaincode}', pod: '${__field.labels.pod}' });
  const replicaPodLink = pluginDataLink('This replica\'s pod', 'pods', { chaincode: '${__field.labels.chaincode}', pod: '${__field.labels.pod}' });
  const podsLink = pluginDataLink('Chaincode pods', 'pods', { chaincode: '${__field.labels.chaincode}', channel: '${__field.labels.channel}' });
  return mictractDashboard('Chaincode', 'mictract-chaincode', 'A chaincode as a service: RED metrics per function from the tracing sidecar, exemplars to traces, state calls, pods.', ['chaincode'])
    .withVariable(labelVariable('channel', 'Channel', `${INVOCATIONS}{${sidecarJob}}`))
    .withVariable(labelVariable('chaincode', 'Chaincode', `${INVOCATIONS}{${sidecarJob},channel=~"$channel"}`))
    .withVariable(labelVariable('function', 'Function', `${INVOCATIONS}{${sidecarJob},channel=~"$channel",chaincode=~"$chaincode"}`))
    .withVariable(labelVariable('pod', 'Pod', `${INVOCATIONS}{${sidecarJob},channel=~"$channel",chaincode=~"$chaincode"}`))
    .link(pluginLink('Chaincode pods', 'pods', 'Replicas of the chaincode, their sidecars and recent invocations (Mictract app)'))
    .link(pluginLink('Ledger explorer', 'channels', 'Channels, blocks and transactions (Mictract app)'))
    .withPanel(statPanel('Invocations/s', 'Invocations per second through the sidecars (endorsements and queries).', 'reqps', [query(`sum(rate(${all}[${RATE}]))`, 'invocations/s')]))
    .withPanel(
      statPanel('Success rate', `Share of invocations answered ok; the SLO target is ${production.successSlo.target * 100}%.`, 'percentunit', [
        query(`1 - ((sum(rate(${errors}[${RATE}])) or sum(rate(${all}[${RATE}])) * 0) / sum(rate(${all}[${RATE}])))`, 'success'),
      ]),
    )
    .withPanel(
      statPanel('p95 duration', `95th percentile invocation time; alert above ${production.chaincodeLatency.p95Seconds} s.`, 's', [
        query(`histogram_quantile(0.95, sum by (le) (rate(${DURATION}{${sidecarFn}}[${RATE}])))`, 'p95'),
      ]),
    )
    .withPanel(statPanel('In flight', 'Invocations sent to the chaincode and not answered yet.', 'none', [query(`sum(mictract_chaincode_invocations_in_flight{${sidecar}})`, 'in flight')]))
    .withRow(new RowBuilder('Rate, errors, duration (sidecar)'))
    .withPanel(
      timeseriesPanel('Invocations by function', 'Invocations per second per function and outcome.', 'reqps', [query(`sum by (channel, chaincode, function, status) (rate(${all}[${RATE}]))`, '{{function}} {{status}}')]).dataLinks([podsLink]),
    )
    .withPanel(
      timeseriesPanel('Errors by function', 'Invocations per second that answered an error or were aborted (0 when none).', 'reqps', [
        query(`sum by (channel, chaincode, function) (rate(${errors}[${RATE}])) or sum by (channel, chaincode, function) (rate(${all}[${RATE}])) * 0`, '{{function}}'),
      ]).dataLinks([podsLink]),
    )
    .withPanel(
      timeseriesPanel('Duration p95 by function', 'Invocation time from the peer\'s request to the chaincode\'s answer, including state calls. Exemplars (dots) open the trace.', 's', [
        query(`histogram_quantile(0.95, sum by (function, le) (rate(${DURATION}{${sidecarFn}}[${RATE}])))`, 'p95 {{function}}', { exemplar: true }),
      ]),
    )
    .withPanel(
      timeseriesPanel('Duration p50 / p99', 'All selected functions together.', 's', [
        query(`histogram_quantile(0.5, sum by (le) (rate(${DURATION}{${sidecarFn}}[${RATE}])))`, 'p50', { exemplar: true }),
        query(`histogram_quantile(0.99, sum by (le) (rate(${DURATION}{${sidecarFn}}[${RATE}])))`, 'p99', { exemplar: true }),
      ]),
    )
    .withPanel(
      timeseriesPanel('Error budget burn rate', `Error ratio divided by the budget (1 − ${production.successSlo.target}); 1 spends the 30-day budget in 30 days, ${production.successSlo.page[0]!.factor} pages.`, 'none', [
        query(`((sum by (chaincode) (rate(mictract_chaincode_invocations_total{${sidecar},status!="ok"}[${RATE}])) or sum by (chaincode) (rate(mictract_chaincode_invocations_total{${sidecar}}[${RATE}])) * 0) / sum by (chaincode) (rate(mictract_chaincode_invocations_total{${sidecar}}[${RATE}]))) / ${Number((1 - production.successSlo.target).toPrecision(10))}`, 'burn rate {{chaincode}}'),
      ]),
    )
    .withPanel(
      timeseriesPanel('Commit latency p95 by function (exporter)', 'From the client\'s timestamp to the committed block; exemplars open the transaction\'s trace.', 's', [
        query(`histogram_quantile(0.95, sum by (function, le) (rate(mictract_transaction_commit_latency_seconds_bucket{${exporterChannel},chaincode=~"$chaincode",function=~"$function"}[${RATE}])))`, 'p95 {{function}}', { exemplar: true }),
      ]),
    )
    .withPanel(
      timeseriesPanel('Committed transactions by function and validation code (exporter)', 'What the ledger says happened to the submitted transactions: VALID, MVCC_READ_CONFLICT, ENDORSEMENT_POLICY_FAILURE, ... per function.', 'reqps', [
        query(`sum by (function, validation_code) (rate(mictract_transactions_total{${exporterChannel},chaincode=~"$chaincode",function=~"$function"}[${RATE}]))`, '{{function}} {{validation_code}}'),
      ], 24),
    )
    .withRow(new RowBuilder('State calls'))
    .withPanel(
      timeseriesPanel('State calls by type', 'Calls the chaincode made back to the peer (GET_STATE, PUT_STATE, ...) per second.', 'reqps', [query(`sum by (type, status) (rate(mictract_chaincode_state_calls_total{${sidecar}}[${RATE}]))`, '{{type}} {{status}}')]),
    )
    .withPanel(
      timeseriesPanel('State call latency p95', 'Time from the chaincode\'s request to the peer\'s answer, by type. Exemplars open the trace.', 's', [
        query(`histogram_quantile(0.95, sum by (type, le) (rate(mictract_chaincode_state_call_duration_seconds_bucket{${sidecar}}[${RATE}])))`, 'p95 {{type}}', { exemplar: true }),
      ]),
    )
    .withRow(new RowBuilder('Pods'))
    .withPanel(timeseriesPanel('In flight per pod', 'Invocations awaiting the chaincode, per replica.', 'none', [query(`sum by (chaincode, pod) (mictract_chaincode_invocations_in_flight{${sidecar}})`, '{{pod}}')], 8).dataLinks([podLink]))
    .withPanel(
      timeseriesPanel('CPU per pod (sidecar process)', 'CPU seconds per second of each replica\'s sidecar process (locally no kubelet reports the pod; on Kubernetes prefer the container metrics).', 'percentunit', [
        query(`rate(process_cpu_seconds_total{${sidecarProcess}}[${RATE}])`, '{{pod}}'),
      ], 8),
    )
    .withPanel(timeseriesPanel('Memory per pod (sidecar process)', 'Resident memory of each replica\'s sidecar process.', 'bytes', [query(`process_resident_memory_bytes{${sidecarProcess}}`, '{{pod}}')], 8))
    .withPanel(
      timeseriesPanel('Sidecar streams and spans', 'Chaincode streams open, streams broken (by cause) and spans dropped (by reason), per pod.', 'none', [
        query(`sum by (pod) (mictract_sidecar_streams_active{${sidecarProcess}})`, 'streams {{pod}}'),
        query(`sum by (pod, cause) (increase(mictract_sidecar_streams_broken_total{${sidecarProcess}}[${RATE}]))`, 'broken {{cause}} {{pod}}'),
        query(`sum by (pod, reason) (increase(mictract_sidecar_spans_dropped_total{${sidecarProcess}}[${RATE}]))`, 'spans dropped {{reason}} {{pod}}'),
      ], 24),
    )
    .withRow(new RowBuilder('Replicas (chaincode balancer)'))
    .withPanel(
      timeseriesPanel('Invocations per replica', 'Invocations each org\'s balancer gave to each replica (the one with the fewest in flight): an even spread means every replica serves.', 'reqps', [
        query(perReplica(`sum by (chaincode, org, replica) (rate(mictract_balancer_invocations_assigned_total{${balancer}}[${RATE}]))`), '{{pod}} {{replica}}'),
      ], 8).dataLinks([replicaPodLink]),
    )
    .withPanel(
      timeseriesPanel('Replicas up and in flight', 'Replicas ready to take invocations per org (0 while no peer stream is open: an idle chaincode), and invocations each replica holds now.', 'none', [
        query(`sum by (org) (mictract_balancer_replicas_up{${balancer}})`, 'up {{org}}'),
        query(perReplica(`sum by (chaincode, org, replica) (mictract_balancer_invocations_in_flight{${balancer}})`), 'in flight {{pod}} {{replica}}'),
      ], 8).dataLinks([replicaPodLink]),
    )
    .withPanel(
      timeseriesPanel('Replica losses', 'Replica streams that broke, invocations failed with them (answered to the peer with an error), messages from a replica dropped (by reason), and peer streams ended because no replica was left (the chaincode down for that org).', 'none', [
        query(perReplica(`sum by (chaincode, org, replica) (increase(mictract_balancer_replica_losses_total{${balancer}}[${RATE}]))`), 'lost {{pod}} {{replica}}'),
        query(perReplica(`sum by (chaincode, org, replica) (increase(mictract_balancer_invocations_failed_total{${balancer}}[${RATE}]))`), 'invocations failed {{pod}} {{replica}}'),
        query(`sum by (org, replica, reason) (increase(mictract_balancer_messages_dropped_total{${balancer}}[${RATE}]))`, 'dropped {{reason}} {{org}} {{replica}}'),
        query(`sum by (org) (increase(mictract_balancer_peer_streams_ended_total{${balancer},reason="no_replica"}[${RATE}]))`, 'peer streams with no replica {{org}}'),
      ], 8).dataLinks([replicaPodLink]),
    )
    .build();
}
