// The one place for alert thresholds, SLO targets and alert windows. Every Prometheus rule file,
// every Grafana-managed alert and the promtool tests are generated from a profile of this file:
// `production` is what ships; `test` is the same rules with windows and for-durations short enough
// for the live test (a couple of minutes), derived here, not written twice.

export interface BurnRateWindow {
  /** Long window: the budget really is burning. */
  readonly long: string;
  /** Short window (about 1/12 of the long one): it is still burning now, so the alert resolves fast. */
  readonly short: string;
  /** Burn rate: how many times faster than the SLO allows the budget is spent. */
  readonly factor: number;
}

export interface Thresholds {
  /** Profile name, used in file names and the rule groups' names. */
  readonly profile: 'production' | 'test';
  /** How often Prometheus (and Grafana) evaluates the groups. */
  readonly evaluationInterval: string;
  readonly chaincodeLatency: {
    /** Alert when a function's p95 invocation time (sidecar) is above this, in seconds. */
    readonly p95Seconds: number;
    /** Rate window of the recorded quantile. */
    readonly window: string;
    readonly for: string;
  };
  readonly successSlo: {
    /** Share of chaincode invocations that must succeed (status ok), per channel and chaincode. */
    readonly target: number;
    /** Fast burn pages: both windows above factor × (1 − target). Google SRE workbook, ch. 5. */
    readonly page: readonly BurnRateWindow[];
    /** Slow burn opens a ticket. */
    readonly ticket: readonly BurnRateWindow[];
    readonly pageFor: string;
    readonly ticketFor: string;
  };
  readonly heightStalled: { readonly window: string; readonly for: string };
  readonly peerLag: { readonly blocks: number; readonly for: string };
  readonly ordererLeader: {
    /** No Raft leader on a channel for this long. */
    readonly noLeaderFor: string;
    /** More leader changes than this within `changesWindow`. */
    readonly maxChanges: number;
    readonly changesWindow: string;
  };
  readonly exporter: {
    /** Blocks behind the peer. */
    readonly lagBlocks: number;
    readonly lagFor: string;
    /** Any decode error within this window. */
    readonly decodeErrorWindow: string;
    /** Any chain-verification failure within this window. */
    readonly chainFailureWindow: string;
  };
  readonly certificates: { readonly warningDays: number; readonly criticalDays: number; readonly for: string };
  /** A sidecar or the exporter not answering its scrape, or a chaincode replica out of its balancer, for this long. */
  readonly downFor: string;
  /** Any invocation failed by a lost replica, or any peer stream no replica could serve (the chaincode balancer), within this window. */
  readonly replicaLossWindow: string;
}

/** Where the rules and dashboards meet the outside world; the same for every profile. */
export const site = {
  /** Prometheus job names of the scrape configs (provisioner/src/observability/prometheusconfig.ts). */
  jobs: { peer: 'fabric-peer', orderer: 'fabric-orderer', sidecar: 'mictract-sidecar', exporter: 'mictract-exporter', balancer: 'mictract-balancer' },
  /** Where dashboards/runbooks/ is published: every alert's runbook_url is <this>/<alert>.md. */
  runbookBaseUrl: 'https://github.com/mictract/mictract/blob/main/dashboards/runbooks',
  /** Grafana-managed alerts: the Prometheus data source's uid and the folder the rules go in. */
  grafana: { datasourceUid: 'mictract-prometheus', folder: 'Mictract', orgId: 1 },
  /** The app plugin's id: its pages are /a/<id>/... */
  pluginId: 'mictract-app',
} as const;

export const production: Thresholds = {
  profile: 'production',
  evaluationInterval: '30s',
  chaincodeLatency: { p95Seconds: 1, window: '5m', for: '5m' },
  successSlo: {
    target: 0.99,
    // 2% of a 30-day budget in 1 h, 5% in 6 h: page
    page: [
      { long: '1h', short: '5m', factor: 14.4 },
      { long: '6h', short: '30m', factor: 6 },
    ],
    // 10% in 3 days: ticket
    ticket: [
      { long: '1d', short: '2h', factor: 3 },
      { long: '3d', short: '6h', factor: 1 },
    ],
    pageFor: '2m',
    ticketFor: '1h',
  },
  heightStalled: { window: '5m', for: '2m' },
  peerLag: { blocks: 10, for: '5m' },
  ordererLeader: { noLeaderFor: '1m', maxChanges: 3, changesWindow: '1h' },
  exporter: { lagBlocks: 20, lagFor: '5m', decodeErrorWindow: '15m', chainFailureWindow: '1h' },
  certificates: { warningDays: 30, criticalDays: 7, for: '10m' },
  downFor: '2m',
  replicaLossWindow: '15m',
};

/**
 * The same rules for the live test: thresholds as in production (except a latency threshold the
 * test's slow function crosses clearly), windows of tens of seconds. Prometheus there scrapes every
 * 5 s, so 20 s is the shortest window a rate() is still meaningful over (four samples).
 */
export const test: Thresholds = {
  ...production,
  profile: 'test',
  evaluationInterval: '5s',
  chaincodeLatency: { p95Seconds: 0.5, window: '20s', for: '10s' },
  successSlo: {
    ...production.successSlo,
    page: [
      { long: '1m', short: '20s', factor: 14.4 },
      { long: '2m', short: '30s', factor: 6 },
    ],
    ticket: [
      { long: '3m', short: '40s', factor: 3 },
      { long: '4m', short: '1m', factor: 1 },
    ],
    pageFor: '10s',
    ticketFor: '10s',
  },
  heightStalled: { window: '1m', for: '10s' },
  peerLag: { ...production.peerLag, for: '10s' },
  ordererLeader: { ...production.ordererLeader, noLeaderFor: '10s', changesWindow: '2m' },
  exporter: { ...production.exporter, lagFor: '10s', decodeErrorWindow: '1m', chainFailureWindow: '1m' },
  certificates: { ...production.certificates, for: '10s' },
  downFor: '10s',
  replicaLossWindow: '1m',
};

export const profiles = { production, test } as const;
