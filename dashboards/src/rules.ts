import { withPod } from './replicapods';
import { type BurnRateWindow, type Thresholds, site } from './thresholds';

// Mictract's Prometheus rules — recording rules for the quantiles and ratios the alerts use, and the
// alerts themselves — as data, from one Thresholds profile. promrulefiles.ts writes them as
// Prometheus rule files, grafanaalerts.ts as Grafana-managed alert provisioning.

export type Severity = 'critical' | 'warning';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: Severity } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string } & Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  /** Base name of the rule file: generated/prometheus/<file>.rules.yaml. */
  readonly file: string;
  readonly name: string;
  readonly interval: string;
  readonly rules: readonly Rule[];
}

export const isAlert = (r: Rule): r is AlertingRule => 'alert' in r;

const { jobs } = site;
const SIDECAR = `job="${jobs.sidecar}"`;
const BALANCER = `job="${jobs.balancer}"`;

function alert(name: string, severity: Severity, expr: string, forDuration: string, summary: string, description: string, extra: Record<string, string> = {}): AlertingRule {
  return {
    alert: name,
    expr,
    for: forDuration,
    labels: { severity, ...extra },
    annotations: { summary, description, runbook_url: `${site.runbookBaseUrl}/${name}.md` },
  };
}

/** Series that increased within `w`, or appeared within it already above zero (a counter born at 1). */
function increasedOrNew(metric: string, w: string, by: string): string {
  return `sum by (${by}) (increase(${metric}[${w}])) > 0 or sum by (${by}) (${metric} unless ${metric} offset ${w}) > 0`;
}

/** How an alert's text names a replica: its pod and address, or the address alone. */
const REPLICA = '{{ if $labels.pod }}{{ $labels.pod }} ({{ $labels.replica }}){{ else }}{{ $labels.replica }}{{ end }}';

/** Recorded names: the window is part of the name, so each profile's names say what they hold. */
export const recorded = {
  errorRatio: (w: string) => `mictract:chaincode_invocations:error_ratio_rate${w}`,
  p95: (w: string) => `mictract:chaincode_invocation_duration_seconds:p95_rate${w}`,
  peerLag: 'mictract:peer_height_lag:blocks',
  leaderChanges: (w: string) => `mictract:raft_leader_changes:increase${w}`,
  certRemaining: 'mictract:certificate_expiry:seconds_remaining',
};

function burnWindows(t: Thresholds): string[] {
  const all = [...t.successSlo.page, ...t.successSlo.ticket].flatMap((w) => [w.short, w.long]);
  return [...new Set(all)];
}

function burnExpr(t: Thresholds, windows: readonly BurnRateWindow[]): string {
  const budget = 1 - t.successSlo.target;
  return windows
    .map((w) => `(${recorded.errorRatio(w.long)} > ${fmt(w.factor * budget)} and ${recorded.errorRatio(w.short)} > ${fmt(w.factor * budget)})`)
    .join(' or ');
}

/** A number as PromQL reads it, without float noise (14.4 × 0.01 = 0.14400000000000002). */
const fmt = (n: number) => String(Number(n.toPrecision(10)));

const pct = (n: number) => `${fmt(n * 100)}%`;
const windowsText = (ws: readonly BurnRateWindow[]) => ws.map((w) => `${w.factor}× over ${w.long} and ${w.short}`).join(', or ');

export function ruleGroups(t: Thresholds): RuleGroup[] {
  const suffix = t.profile === 'production' ? '' : `-${t.profile}`;
  const lat = t.chaincodeLatency;
  const slo = t.successSlo;
  const invocations = `mictract_chaincode_invocations_total{${SIDECAR}}`;
  const days = (d: number) => d * 86400;

  const chaincode: RuleGroup = {
    file: 'chaincode',
    name: `mictract-chaincode${suffix}`,
    interval: t.evaluationInterval,
    rules: [
      {
        record: recorded.p95(lat.window),
        expr: `histogram_quantile(0.95, sum by (channel, chaincode, function, le) (rate(mictract_chaincode_invocation_duration_seconds_bucket{${SIDECAR}}[${lat.window}])))`,
      },
      ...burnWindows(t).map((w) => ({
        record: recorded.errorRatio(w),
        // the `or … * 0` keeps a 0 series for chaincodes without errors, so the ratio is never absent while there is traffic
        expr: `(sum by (channel, chaincode) (rate(mictract_chaincode_invocations_total{${SIDECAR},status!="ok"}[${w}])) or sum by (channel, chaincode) (rate(${invocations}[${w}])) * 0) / sum by (channel, chaincode) (rate(${invocations}[${w}]))`,
      })),
      alert(
        'ChaincodeLatencyHigh',
        'warning',
        `${recorded.p95(lat.window)} > ${fmt(lat.p95Seconds)}`,
        lat.for,
        'Chaincode {{ $labels.chaincode }} function {{ $labels.function }} is slow on {{ $labels.channel }}',
        `The 95th percentile of {{ $labels.chaincode }}.{{ $labels.function }} invocations (sidecar, over ${lat.window}) is {{ $value | humanizeDuration }}, above ${lat.p95Seconds} s.`,
      ),
      alert(
        'ChaincodeErrorBudgetFastBurn',
        'critical',
        burnExpr(t, slo.page),
        slo.pageFor,
        'Chaincode {{ $labels.chaincode }} on {{ $labels.channel }} is burning its error budget fast',
        `{{ $labels.chaincode }} fails {{ $value | humanizePercentage }} of its invocations; the SLO allows ${pct(1 - slo.target)} (target ${pct(slo.target)}). Burn rate ${windowsText(slo.page)}: at this pace the 30-day budget is gone within days.`,
      ),
      alert(
        'ChaincodeErrorBudgetSlowBurn',
        'warning',
        burnExpr(t, slo.ticket),
        slo.ticketFor,
        'Chaincode {{ $labels.chaincode }} on {{ $labels.channel }} is slowly burning its error budget',
        `{{ $labels.chaincode }} fails {{ $value | humanizePercentage }} of its invocations; the SLO allows ${pct(1 - slo.target)} (target ${pct(slo.target)}). Burn rate ${windowsText(slo.ticket)}: the 30-day budget will not last the month.`,
      ),
      alert(
        'ChaincodeReplicaDown',
        'warning',
        // only while another replica of the same balancer serves: with a peer stream open (no stream,
        // no replica is "up", which is an idle chaincode, not a down one)
        withPod(`mictract_balancer_replica_up{${BALANCER}} == 0 and on (instance) mictract_balancer_replicas_up{${BALANCER}} > 0`, 'instance, replica', BALANCER),
        t.downFor,
        `Replica ${REPLICA} of chaincode {{ $labels.chaincode }} ({{ $labels.org }}) takes no invocations`,
        `The chaincode balancer of {{ $labels.chaincode }} for {{ $labels.org }} has had no ready stream to replica ${REPLICA} for ${t.downFor} while other replicas serve: its share of the invocations goes to them, and one more loss leaves fewer replicas than planned.`,
      ),
      alert(
        'ChaincodeReplicaLost',
        'warning',
        withPod(increasedOrNew(`mictract_balancer_invocations_failed_total{${BALANCER}}`, t.replicaLossWindow, 'chaincode, org, replica'), 'chaincode, org, replica', BALANCER),
        '0s',
        `Invocations of {{ $labels.chaincode }} ({{ $labels.org }}) failed with replica ${REPLICA}`,
        `{{ $value | humanize }} invocation(s) of {{ $labels.chaincode }} for {{ $labels.org }} in the last ${t.replicaLossWindow} were in flight on replica ${REPLICA} when its stream broke: the balancer answered each with an error, and their transactions failed.`,
      ),
      alert(
        'ChaincodeUnavailable',
        'critical',
        increasedOrNew(`mictract_balancer_peer_streams_ended_total{${BALANCER},reason="no_replica"}`, t.replicaLossWindow, 'chaincode, org'),
        '0s',
        'Chaincode {{ $labels.chaincode }} has no replica left for {{ $labels.org }}',
        `{{ $value | humanize }} time(s) in the last ${t.replicaLossWindow} the chaincode balancer of {{ $labels.chaincode }} for {{ $labels.org }} ended a peer's chaincode stream because no replica could serve it: every invocation of {{ $labels.chaincode }} through {{ $labels.org }}'s peers fails until a replica is back.`,
      ),
    ],
  };

  const stalled = t.heightStalled;
  const leader = t.ordererLeader;
  const fabric: RuleGroup = {
    file: 'fabric',
    name: `mictract-fabric${suffix}`,
    interval: t.evaluationInterval,
    rules: [
      {
        record: recorded.peerLag,
        expr: `max by (channel) (ledger_blockchain_height{job="${jobs.peer}"}) - on (channel) group_right ledger_blockchain_height{job="${jobs.peer}"}`,
      },
      { record: recorded.leaderChanges(leader.changesWindow), expr: `max by (channel) (increase(consensus_etcdraft_leader_changes{job="${jobs.orderer}"}[${leader.changesWindow}]))` },
      alert(
        'BlockHeightStalled',
        'critical',
        `(sum by (channel) (increase(broadcast_processed_count{job="${jobs.orderer}",type="ENDORSER_TRANSACTION"}[${stalled.window}])) > 0) and on (channel) (max by (channel) (changes(ledger_blockchain_height{job="${jobs.peer}"}[${stalled.window}])) == 0)`,
        stalled.for,
        'No new block on {{ $labels.channel }} while transactions are being submitted',
        `The orderers received {{ $value | humanize }} transactions for {{ $labels.channel }} in the last ${stalled.window}, and no peer's ledger height changed in that time: transactions are not being committed.`,
      ),
      alert(
        'PeerLagging',
        'warning',
        `${recorded.peerLag} > ${t.peerLag.blocks}`,
        t.peerLag.for,
        'Peer {{ $labels.instance }} is {{ $value }} blocks behind on {{ $labels.channel }}',
        `Peer {{ $labels.instance }} ({{ $labels.org }}) is {{ $value }} blocks behind the highest peer on {{ $labels.channel }} (more than ${t.peerLag.blocks} for ${t.peerLag.for}); it serves stale reads and its endorsements will conflict.`,
      ),
      alert(
        'OrdererNoLeader',
        'critical',
        `max by (channel) (consensus_etcdraft_is_leader{job="${jobs.orderer}"}) == 0`,
        leader.noLeaderFor,
        'The ordering service of {{ $labels.channel }} has no Raft leader',
        `No orderer reports itself Raft leader of {{ $labels.channel }} for ${leader.noLeaderFor}: no block can be cut and every submit fails.`,
      ),
      alert(
        'OrdererLeaderChanges',
        'warning',
        `${recorded.leaderChanges(leader.changesWindow)} > ${leader.maxChanges}`,
        '0s',
        'The Raft leader of {{ $labels.channel }} changes often',
        `The Raft leader of {{ $labels.channel }} changed {{ $value | humanize }} times in ${leader.changesWindow} (more than ${leader.maxChanges}); each change stalls ordering for an election.`,
      ),
    ],
  };

  const ex = t.exporter;
  const c = t.certificates;
  const mictract: RuleGroup = {
    file: 'mictract',
    name: `mictract-suite${suffix}`,
    interval: t.evaluationInterval,
    rules: [
      { record: recorded.certRemaining, expr: 'mictract_certificate_expiry_timestamp_seconds - time()' },
      alert(
        'ExporterLagging',
        'warning',
        `max by (channel) (mictract_exporter_lag_blocks{job="${jobs.exporter}"}) > ${ex.lagBlocks}`,
        ex.lagFor,
        'The exporter is {{ $value }} blocks behind the peer on {{ $labels.channel }}',
        `The block exporter is {{ $value }} blocks behind its peer on {{ $labels.channel }} (more than ${ex.lagBlocks} for ${ex.lagFor}): ledger metrics, the explorer and transaction spans are late.`,
      ),
      alert(
        'ExporterDecodeErrors',
        'warning',
        increasedOrNew(`mictract_exporter_decode_errors_total{job="${jobs.exporter}"}`, ex.decodeErrorWindow, 'channel, kind'),
        '0s',
        'The exporter could not decode {{ $labels.kind }}s on {{ $labels.channel }}',
        `{{ $value | humanize }} malformed {{ $labels.kind }}(s) on {{ $labels.channel }} in the last ${ex.decodeErrorWindow}, counted and skipped: they are missing from the metrics and the explorer.`,
      ),
      alert(
        'ChainVerificationFailed',
        'critical',
        increasedOrNew(`mictract_exporter_chain_verification_failures_total{job="${jobs.exporter}"}`, ex.chainFailureWindow, 'channel, check'),
        '0s',
        'A block of {{ $labels.channel }} failed hash-chain verification ({{ $labels.check }})',
        `{{ $value | humanize }} block(s) of {{ $labels.channel }} in the last ${ex.chainFailureWindow} fail the ${'{{ $labels.check }}'} check: the ledger the exporter reads may have been tampered with or corrupted.`,
      ),
      alert(
        'CertificateExpiringSoon',
        'warning',
        `${recorded.certRemaining} < ${days(c.warningDays)} and ${recorded.certRemaining} >= ${days(c.criticalDays)}`,
        c.for,
        'Certificate of {{ $labels.msp }} ({{ $labels.role }}) expires in {{ $value | humanizeDuration }}',
        `The ${'{{ $labels.role }}'} certificate {{ $labels.subject }} (serial {{ $labels.serial }}) of {{ $labels.msp }} expires within ${c.warningDays} days.`,
      ),
      alert(
        'CertificateExpiryCritical',
        'critical',
        `${recorded.certRemaining} < ${days(c.criticalDays)}`,
        c.for,
        'Certificate of {{ $labels.msp }} ({{ $labels.role }}) expires in {{ $value | humanizeDuration }}',
        `The ${'{{ $labels.role }}'} certificate {{ $labels.subject }} (serial {{ $labels.serial }}) of {{ $labels.msp }} expires within ${c.criticalDays} days (or has expired): renew it now.`,
      ),
      alert(
        'SidecarDown',
        'warning',
        `up{${SIDECAR}} == 0`,
        t.downFor,
        'Sidecar of chaincode pod {{ $labels.pod }} is down',
        `Prometheus cannot scrape the tracing sidecar {{ $labels.instance }} of {{ $labels.pod }} for ${t.downFor}. The sidecar sits in front of its chaincode replica: that replica is unreachable, and its invocations are neither traced nor counted.`,
      ),
      alert(
        'ExporterDown',
        'warning',
        `up{job="${jobs.exporter}"} == 0`,
        t.downFor,
        'The block exporter {{ $labels.instance }} is down',
        `Prometheus cannot scrape the exporter {{ $labels.instance }} for ${t.downFor}: ledger metrics, the ledger explorer and transaction spans stop, and the exporter alerts cannot fire.`,
      ),
    ],
  };
  return [chaincode, fabric, mictract];
}

/** Every alert name, in the order of the rule files. */
export const alertNames = (t: Thresholds) => ruleGroups(t).flatMap((g) => g.rules.filter(isAlert).map((r) => r.alert));
