import { stringify } from 'yaml';
import { seconds } from './duration';
import { HEADER } from './promrulefiles';
import { type AlertingRule, type RuleGroup, isAlert, ruleGroups } from './rules';
import { type Thresholds, site } from './thresholds';

// promtool unit tests (`promtool test rules`) for every alert of a profile, each firing and not
// firing, as data. Inputs come from the thresholds (a latency above the threshold, an error ratio
// above the burn rate), so changing a threshold keeps the tests meaningful. Expected annotations are
// the rule's own templates rendered with the labels and the value as Prometheus prints it.

interface Case {
  readonly name: string;
  readonly interval: string;
  readonly series: Record<string, string>;
  readonly evalTime: string;
  readonly alert: string;
  /** Expected alerts: their labels (severity added) and `$value` as the templates print it. */
  readonly firing: { labels: Record<string, string>; value: string }[];
}

const { jobs } = site;
const sel = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

/** Renders `{{ $labels.x }}`, `{{ $value | f }}` and `{{ if $labels.x }}…{{ else }}…{{ end }}` the way the expected alert shows them. */
export function render(template: string, labels: Record<string, string>, value: string): string {
  return template
    .replace(/\{\{\s*if \$labels\.([a-zA-Z_]+)\s*\}\}(.*?)\{\{\s*else\s*\}\}(.*?)\{\{\s*end\s*\}\}/g, (_, k: string, yes: string, no: string) => (labels[k] ? yes : no)).replace(/\{\{\s*\$labels\.([a-zA-Z_]+)\s*\}\}/g, (_, k: string) => labels[k] ?? '').replace(/\{\{\s*\$value(\s*\|\s*[a-zA-Z]+)?\s*\}\}/g, value);
}

function cases(t: Thresholds): Case[] {
  const cc = { job: jobs.sidecar, channel: 'mychannel', chaincode: 'marbles' };
  const lat = t.chaincodeLatency;
  const budget = 1 - t.successSlo.target;
  const pageRatio = Math.min(...t.successSlo.page.map((w) => w.factor)) * budget; // the lowest paging ratio, 6 %
  const ticketRatio = t.successSlo.ticket[0]!.factor * budget; // 3 %
  const slowSeconds = lat.p95Seconds * 2;
  const buckets = (fn: string, seconds: number) => {
    // every observation lands in the first bucket at or above `seconds`
    const les = [lat.p95Seconds / 2, lat.p95Seconds, slowSeconds, slowSeconds * 2];
    const out: Record<string, string> = {};
    for (const le of [...les, '+Inf'] as const) out[sel('mictract_chaincode_invocation_duration_seconds_bucket', { ...cc, function: fn, le: String(le) })] = le === '+Inf' || Number(le) >= seconds ? '0+10x60' : '0x60';
    return out;
  };
  const invocations = (ok: number, error: number) => ({
    [sel('mictract_chaincode_invocations_total', { ...cc, function: 'initMarble', status: 'ok' })]: `0+${ok}x400`,
    [sel('mictract_chaincode_invocations_total', { ...cc, function: 'initMarble', status: 'error' })]: `0+${error}x400`,
  });
  const ch = { channel: 'mychannel' };
  const peerA = { job: jobs.peer, channel: 'mychannel', instance: 'peer0-org1:9443', org: 'Org1MSP' };
  const peerB = { job: jobs.peer, channel: 'mychannel', instance: 'peer0-org2:9443', org: 'Org2MSP' };
  const ord = (i: number) => ({ job: jobs.orderer, channel: 'mychannel', instance: `orderer${i}:8443` });
  const exp = { job: jobs.exporter, instance: 'exporter:9102' };
  const cert = { ...exp, msp: 'Org1MSP', role: 'tls', subject: 'CN=peer0.org1.example.com', serial: '01ab' };
  const day = 86400;
  const hours = (d: number) => {
    const s = d * day - 15 * 60; // remaining at the 15m evaluation
    return `${Math.floor(s / day)}d ${Math.floor((s % day) / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
  };
  const counterBornAt1 = (name: string, labels: Record<string, string>) => ({ [sel(name, labels)]: '_x5 1x30' });
  const oldCounter = (name: string, labels: Record<string, string>) => ({ [sel(name, labels)]: '5x200' });
  const pct = (r: number) => `${Number((r * 100).toPrecision(4))}%`;
  const slowP95 = lat.p95Seconds + (slowSeconds - lat.p95Seconds) * 0.95;
  const bal = { job: jobs.balancer, instance: '127.0.0.1:17041', namespace: 'demo', chaincode: 'marbles', org: 'Org1MSP', slot: 'blue' };
  const replicaUp = (values: Record<string, string>, up: string) => ({
    ...Object.fromEntries(Object.entries(values).map(([replica, v]) => [sel('mictract_balancer_replica_up', { ...bal, replica }), v])),
    [sel('mictract_balancer_replicas_up', bal)]: up,
  });
  const lossMinutes = seconds(t.replicaLossWindow) / 60;
  const replicaInfo = (replica: string, pod: string, values = '1x22') => ({ [sel('mictract_balancer_replica_info', { ...bal, replica, pod })]: values });
  return [
    { name: 'p95 above the threshold fires for that function only', interval: '30s', series: { ...buckets('slow', slowSeconds), ...buckets('fast', lat.p95Seconds / 2) }, evalTime: '20m', alert: 'ChaincodeLatencyHigh', firing: [{ labels: { channel: 'mychannel', chaincode: 'marbles', function: 'slow' }, value: `${Number(slowP95.toPrecision(4))}s` }] },
    { name: 'p95 above the threshold, but not for long enough yet', interval: '30s', series: buckets('slow', slowSeconds), evalTime: '3m', alert: 'ChaincodeLatencyHigh', firing: [] },
    { name: 'p95 below the threshold does not fire', interval: '30s', series: buckets('fast', lat.p95Seconds / 2), evalTime: '20m', alert: 'ChaincodeLatencyHigh', firing: [] },
    { name: 'a third of invocations failing burns the budget fast', interval: '1m', series: invocations(200, 100), evalTime: '30m', alert: 'ChaincodeErrorBudgetFastBurn', firing: [{ labels: { channel: 'mychannel', chaincode: 'marbles' }, value: pct(1 / 3) }] },
    { name: 'an error ratio under the fast-burn threshold does not page', interval: '1m', series: invocations(100 - (pageRatio * 100) / 2, (pageRatio * 100) / 2), evalTime: '3h', alert: 'ChaincodeErrorBudgetFastBurn', firing: [] },
    { name: 'an error ratio above the slow-burn threshold opens a ticket', interval: '1m', series: invocations(100 - ticketRatio * 100 * 1.5, ticketRatio * 100 * 1.5), evalTime: '3h', alert: 'ChaincodeErrorBudgetSlowBurn', firing: [{ labels: { channel: 'mychannel', chaincode: 'marbles' }, value: pct(ticketRatio * 1.5) }] },
    { name: 'an error ratio within the SLO opens no ticket', interval: '1m', series: invocations(100 - (budget * 100) / 2, (budget * 100) / 2), evalTime: '6h', alert: 'ChaincodeErrorBudgetSlowBurn', firing: [] },
    { name: 'broadcasts without a new block', interval: '30s', series: { [sel('broadcast_processed_count', { ...ord(0), type: 'ENDORSER_TRANSACTION', status: 'SUCCESS' })]: '0+10x40', [sel('ledger_blockchain_height', peerA)]: '100x40', [sel('ledger_blockchain_height', peerB)]: '100x40' }, evalTime: '15m', alert: 'BlockHeightStalled', firing: [{ labels: ch, value: '100' }] },
    { name: 'broadcasts with new blocks', interval: '30s', series: { [sel('broadcast_processed_count', { ...ord(0), type: 'ENDORSER_TRANSACTION', status: 'SUCCESS' })]: '0+10x40', [sel('ledger_blockchain_height', peerA)]: '100+1x40', [sel('ledger_blockchain_height', peerB)]: '100+1x40' }, evalTime: '15m', alert: 'BlockHeightStalled', firing: [] },
    { name: 'no broadcasts, no blocks: idle, not stalled', interval: '30s', series: { [sel('broadcast_processed_count', { ...ord(0), type: 'ENDORSER_TRANSACTION', status: 'SUCCESS' })]: '50x40', [sel('ledger_blockchain_height', peerA)]: '100x40' }, evalTime: '15m', alert: 'BlockHeightStalled', firing: [] },
    { name: 'a peer far behind the highest', interval: '1m', series: { [sel('ledger_blockchain_height', peerA)]: `100+1x40`, [sel('ledger_blockchain_height', peerB)]: `${100 - t.peerLag.blocks * 2}+1x40` }, evalTime: '20m', alert: 'PeerLagging', firing: [{ labels: peerB, value: String(t.peerLag.blocks * 2) }] },
    { name: 'a peer a few blocks behind', interval: '1m', series: { [sel('ledger_blockchain_height', peerA)]: `100+1x40`, [sel('ledger_blockchain_height', peerB)]: `${100 - Math.floor(t.peerLag.blocks / 2)}+1x40` }, evalTime: '20m', alert: 'PeerLagging', firing: [] },
    { name: 'no orderer leads the channel', interval: '30s', series: { [sel('consensus_etcdraft_is_leader', ord(0))]: '1 1 0x20', [sel('consensus_etcdraft_is_leader', ord(1))]: '0x22' }, evalTime: '10m', alert: 'OrdererNoLeader', firing: [{ labels: ch, value: '0' }] },
    { name: 'one orderer leads the channel', interval: '30s', series: { [sel('consensus_etcdraft_is_leader', ord(0))]: '1x22', [sel('consensus_etcdraft_is_leader', ord(1))]: '0x22' }, evalTime: '10m', alert: 'OrdererNoLeader', firing: [] },
    { name: 'the leader changes every few minutes', interval: '5m', series: { [sel('consensus_etcdraft_leader_changes', ord(0))]: '1+1x30' }, evalTime: '2h', alert: 'OrdererLeaderChanges', firing: [{ labels: ch, value: '12' }] },
    { name: 'one leader change in an hour', interval: '5m', series: { [sel('consensus_etcdraft_leader_changes', ord(0))]: '1x10 2x20' }, evalTime: '2h', alert: 'OrdererLeaderChanges', firing: [] },
    { name: 'the exporter far behind its peer', interval: '1m', series: { [sel('mictract_exporter_lag_blocks', { ...exp, channel: 'mychannel' })]: `${t.exporter.lagBlocks * 2}x30` }, evalTime: '20m', alert: 'ExporterLagging', firing: [{ labels: ch, value: String(t.exporter.lagBlocks * 2) }] },
    { name: 'the exporter a few blocks behind', interval: '1m', series: { [sel('mictract_exporter_lag_blocks', { ...exp, channel: 'mychannel' })]: '2x30' }, evalTime: '20m', alert: 'ExporterLagging', firing: [] },
    { name: 'a first decode error (counter born at 1)', interval: '1m', series: counterBornAt1('mictract_exporter_decode_errors_total', { ...exp, channel: 'mychannel', kind: 'envelope' }), evalTime: '7m', alert: 'ExporterDecodeErrors', firing: [{ labels: { channel: 'mychannel', kind: 'envelope' }, value: '1' }] },
    { name: 'decode errors increasing', interval: '1m', series: { [sel('mictract_exporter_decode_errors_total', { ...exp, channel: 'mychannel', kind: 'block' })]: '0+1x100' }, evalTime: '60m', alert: 'ExporterDecodeErrors', firing: [{ labels: { channel: 'mychannel', kind: 'block' }, value: '15' }] },
    { name: 'old decode errors only', interval: '1m', series: oldCounter('mictract_exporter_decode_errors_total', { ...exp, channel: 'mychannel', kind: 'envelope' }), evalTime: '100m', alert: 'ExporterDecodeErrors', firing: [] },
    { name: 'a block fails chain verification', interval: '1m', series: counterBornAt1('mictract_exporter_chain_verification_failures_total', { ...exp, channel: 'mychannel', check: 'previous_hash' }), evalTime: '7m', alert: 'ChainVerificationFailed', firing: [{ labels: { channel: 'mychannel', check: 'previous_hash' }, value: '1' }] },
    { name: 'chain verification failures long ago', interval: '1m', series: oldCounter('mictract_exporter_chain_verification_failures_total', { ...exp, channel: 'mychannel', check: 'data_hash' }), evalTime: '190m', alert: 'ChainVerificationFailed', firing: [] },
    ...(['warning', 'critical'] as const).flatMap((level) => {
      const alert = level === 'warning' ? 'CertificateExpiringSoon' : 'CertificateExpiryCritical';
      const inside = level === 'warning' ? Math.round((t.certificates.warningDays + t.certificates.criticalDays) / 2) : Math.max(1, t.certificates.criticalDays - 4);
      const other = level === 'warning' ? Math.max(1, t.certificates.criticalDays - 4) : t.certificates.warningDays - 1;
      const expiring = (d: number) => ({ [sel('mictract_certificate_expiry_timestamp_seconds', cert)]: `${d * day}x30` });
      return [
        { name: `a certificate expiring in ${inside} days`, interval: '1m', series: expiring(inside), evalTime: '15m', alert, firing: [{ labels: cert, value: hours(inside) }] },
        { name: `a certificate expiring in ${other} days is the other alert's`, interval: '1m', series: expiring(other), evalTime: '15m', alert, firing: [] },
        { name: 'a certificate valid for a year', interval: '1m', series: expiring(365), evalTime: '15m', alert, firing: [] },
      ];
    }),
    { name: 'a replica out while the other serves', interval: '30s', series: replicaUp({ '127.0.0.1:17031': '1x22', '127.0.0.1:17033': '1 1 0x20' }, '2 2 1x20'), evalTime: '10m', alert: 'ChaincodeReplicaDown', firing: [{ labels: { ...bal, replica: '127.0.0.1:17033' }, value: '0' }] },
    { name: 'a replica out, named by its sidecar', interval: '30s', series: { ...replicaUp({ '127.0.0.1:17031': '1x22', '127.0.0.1:17033': '1 1 0x20' }, '2 2 1x20'), ...replicaInfo('127.0.0.1:17033', 'marbles-blue-org1-1') }, evalTime: '10m', alert: 'ChaincodeReplicaDown', firing: [{ labels: { ...bal, replica: '127.0.0.1:17033', pod: 'marbles-blue-org1-1' }, value: '0' }] },
    { name: 'a replica out for one scrape', interval: '30s', series: replicaUp({ '127.0.0.1:17031': '1x22', '127.0.0.1:17033': '1x10 0 1x10' }, '2x10 1 2x10'), evalTime: '5m30s', alert: 'ChaincodeReplicaDown', firing: [] },
    { name: 'an idle chaincode (no peer stream, so no replica is up) is not down', interval: '30s', series: replicaUp({ '127.0.0.1:17031': '0x22', '127.0.0.1:17033': '0x22' }, '0x22'), evalTime: '10m', alert: 'ChaincodeReplicaDown', firing: [] },
    { name: 'invocations failing with a lost replica', interval: '1m', series: { [sel('mictract_balancer_invocations_failed_total', { ...bal, replica: '127.0.0.1:17033' })]: '0+1x100' }, evalTime: '60m', alert: 'ChaincodeReplicaLost', firing: [{ labels: { chaincode: 'marbles', org: 'Org1MSP', replica: '127.0.0.1:17033' }, value: String(lossMinutes) }] },
    { name: 'invocations failing with a lost replica, named by its sidecar', interval: '1m', series: { [sel('mictract_balancer_invocations_failed_total', { ...bal, replica: '127.0.0.1:17033' })]: '0+1x100', ...replicaInfo('127.0.0.1:17033', 'marbles-blue-org1-1', '1x100'), ...replicaInfo('127.0.0.1:17031', 'marbles-blue-org1-0', '1x100') }, evalTime: '60m', alert: 'ChaincodeReplicaLost', firing: [{ labels: { chaincode: 'marbles', org: 'Org1MSP', replica: '127.0.0.1:17033', pod: 'marbles-blue-org1-1' }, value: String(lossMinutes) }] },
    { name: 'a first invocation lost with a replica (counter born at 1)', interval: '1m', series: counterBornAt1('mictract_balancer_invocations_failed_total', { ...bal, replica: '127.0.0.1:17033' }), evalTime: '7m', alert: 'ChaincodeReplicaLost', firing: [{ labels: { chaincode: 'marbles', org: 'Org1MSP', replica: '127.0.0.1:17033' }, value: '1' }] },
    { name: 'a peer stream no replica could serve', interval: '1m', series: counterBornAt1('mictract_balancer_peer_streams_ended_total', { ...bal, reason: 'no_replica' }), evalTime: '7m', alert: 'ChaincodeUnavailable', firing: [{ labels: { chaincode: 'marbles', org: 'Org1MSP' }, value: '1' }] },
    { name: 'peer streams ended by the peer are no outage', interval: '1m', series: { [sel('mictract_balancer_peer_streams_ended_total', { ...bal, reason: 'peer' })]: '0+1x100', [sel('mictract_balancer_peer_streams_ended_total', { ...bal, reason: 'no_replica' })]: '0x100' }, evalTime: '60m', alert: 'ChaincodeUnavailable', firing: [] },
    { name: 'no replica, long ago', interval: '1m', series: oldCounter('mictract_balancer_peer_streams_ended_total', { ...bal, reason: 'no_replica' }), evalTime: '100m', alert: 'ChaincodeUnavailable', firing: [] },
    { name: 'invocations lost with a replica long ago', interval: '1m', series: oldCounter('mictract_balancer_invocations_failed_total', { ...bal, replica: '127.0.0.1:17033' }), evalTime: '100m', alert: 'ChaincodeReplicaLost', firing: [] },
    ...(
      [
        ['SidecarDown', { job: jobs.sidecar, instance: '127.0.0.1:17011', pod: 'marbles-blue-org1-0' }],
        ['ExporterDown', exp],
      ] as const
    ).flatMap(([alert, labels]) => [
      { name: `${alert}: scrape failing`, interval: '30s', series: { [sel('up', labels)]: '1 1 0x20' }, evalTime: '10m', alert, firing: [{ labels, value: '0' }] },
      { name: `${alert}: scrape briefly failing`, interval: '30s', series: { [sel('up', labels)]: '1x10 0 1x10' }, evalTime: '5m30s', alert, firing: [] },
      { name: `${alert}: scrape healthy`, interval: '30s', series: { [sel('up', labels)]: '1x20' }, evalTime: '10m', alert, firing: [] },
    ]),
  ];
}

/** The promtool test file of one rule group; rule files are found relative to it (../<file>.rules.yaml). */
export function promtoolTests(t: Thresholds, group: RuleGroup, ruleFilePath: string): string {
  const alerts = new Map(group.rules.filter(isAlert).map((r) => [r.alert, r] as const));
  const mine = cases(t).filter((c) => alerts.has(c.alert));
  const tests = mine.map((c) => {
    const rule = alerts.get(c.alert) as AlertingRule;
    return {
      name: c.name,
      interval: c.interval,
      input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
      alert_rule_test: [
        {
          eval_time: c.evalTime,
          alertname: c.alert,
          exp_alerts: c.firing.map((f) => {
            const labels = { ...f.labels, ...rule.labels };
            return { exp_labels: labels, exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v, labels, f.value)])) };
          }),
        },
      ],
    };
  });
  return HEADER + stringify({ rule_files: [ruleFilePath], evaluation_interval: t.evaluationInterval, tests }, { lineWidth: 0 });
}

/** Alerts of a profile that have no firing case or no non-firing case (should be none). */
export function untestedAlerts(t: Thresholds): string[] {
  const all = cases(t);
  return ruleGroups(t)
    .flatMap((g) => g.rules.filter(isAlert).map((r) => r.alert))
    .filter((a) => !all.some((c) => c.alert === a && c.firing.length > 0) || !all.some((c) => c.alert === a && c.firing.length === 0));
}
