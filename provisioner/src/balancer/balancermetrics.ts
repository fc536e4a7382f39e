import { Counter, Gauge, Registry } from 'prom-client';

// The balancer's Prometheus families (reference: exporter/docs/metrics.md, section "Balancer").
// Labels are bounded: `replica` is a replica's address from the command line or, on Kubernetes, a
// replica pod's IP:port from discovery (counters keep a series per address ever seen, so each rollout
// adds its pods' series until the balancer restarts), `pod` (replica_info only) the pod name the
// replica's sidecar gave, `reason` a fixed set.
// In-flight and up are read from the live sessions at scrape time, so they cannot drift.

export type DropReason = 'malformed' | 'unknown_key' | 'unexpected';
/** Why a peer's stream ended: the peer ended or cancelled it, no replica could serve it, or the balancer stopped. */
export type StreamEndReason = 'peer' | 'no_replica' | 'shutdown';
const STREAM_END_REASONS: readonly StreamEndReason[] = ['peer', 'no_replica', 'shutdown'];

export interface BalancerView {
  /** Per replica address: invocations in flight, summed over the peer streams. */
  inFlight(): Map<string, number>;
  /** Per replica address: peer streams on which it is ready (0 = down). */
  readyStreams(): Map<string, number>;
}

export class BalancerMetrics {
  readonly registry = new Registry();
  readonly assigned: Counter<'replica'>;
  readonly failedByLoss: Counter<'replica'>;
  readonly dropped: Counter<'replica' | 'reason'>;
  readonly replicaLosses: Counter<'replica'>;
  readonly peerStreams: Gauge;
  readonly peerStreamsEnded: Counter<'reason'>;
  private view: BalancerView | undefined;

  private current: readonly string[];
  /** Replica address -> pod name, as the replicas' sidecars said (kept for the current replicas only). */
  private readonly pods = new Map<string, string>();

  /** The replicas now (discovery changes them); gauges report these. */
  get replicas(): readonly string[] {
    return this.current;
  }

  /** `labels` (chaincode, org) go on every series, so they need no relabelling where Prometheus finds the balancer (Kubernetes). */
  constructor(replicas: readonly string[], labels: Readonly<Record<string, string>> = {}) {
    this.current = [...replicas];
    this.registry.setDefaultLabels({ ...labels });
    const now = () => this.current;
    const registers = [this.registry];
    this.assigned = new Counter({
      name: 'mictract_balancer_invocations_assigned_total',
      help: 'Invocations (TRANSACTION or INIT) the balancer gave to a replica.',
      labelNames: ['replica'],
      registers,
    });
    this.failedByLoss = new Counter({
      name: 'mictract_balancer_invocations_failed_total',
      help: 'Invocations answered with ERROR to the peer because the replica holding them was lost.',
      labelNames: ['replica'],
      registers,
    });
    this.dropped = new Counter({
      name: 'mictract_balancer_messages_dropped_total',
      help: 'Messages from a replica the balancer dropped: malformed, for an invocation the replica does not hold, or unexpected.',
      labelNames: ['replica', 'reason'],
      registers,
    });
    this.replicaLosses = new Counter({
      name: 'mictract_balancer_replica_losses_total',
      help: 'Replica streams that broke (the replica is taken out until it registers again).',
      labelNames: ['replica'],
      registers,
    });
    this.peerStreams = new Gauge({ name: 'mictract_balancer_peer_streams', help: 'Chaincode streams open from peers.', registers });
    this.peerStreamsEnded = new Counter({
      name: 'mictract_balancer_peer_streams_ended_total',
      help: 'Chaincode streams from peers that ended, by reason: peer (ended or cancelled by the peer), no_replica (no replica could serve it: the chaincode is down for that peer), shutdown.',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of STREAM_END_REASONS) this.peerStreamsEnded.inc({ reason }, 0);
    const view = () => this.view;
    new Gauge({
      name: 'mictract_balancer_invocations_in_flight',
      help: 'Invocations a replica holds now (assigned, not yet COMPLETED or ERROR).',
      labelNames: ['replica'],
      registers,
      collect() {
        const counts = view()?.inFlight();
        this.reset();
        for (const r of now()) this.set({ replica: r }, counts?.get(r) ?? 0);
      },
    });
    new Gauge({
      name: 'mictract_balancer_replica_up',
      help: 'Per replica: 1 when it is registered and ready to take invocations on a peer stream, else 0.',
      labelNames: ['replica'],
      registers,
      collect() {
        const ready = view()?.readyStreams();
        this.reset();
        for (const r of now()) this.set({ replica: r }, (ready?.get(r) ?? 0) > 0 ? 1 : 0);
      },
    });
    new Gauge({
      name: 'mictract_balancer_replicas_up',
      help: 'Replicas ready to take invocations (on at least one peer stream).',
      registers,
      collect() {
        const ready = view()?.readyStreams();
        this.set(now().filter((r) => (ready?.get(r) ?? 0) > 0).length);
      },
    });
    const pods = this.pods;
    new Gauge({
      name: 'mictract_balancer_replica_info',
      help: 'Per replica address: 1, with the pod name its sidecar gave (joins the other families to pods).',
      labelNames: ['replica', 'pod'],
      registers,
      collect() {
        this.reset();
        for (const r of now()) {
          const pod = pods.get(r);
          if (pod) this.set({ replica: r, pod }, 1);
        }
      },
    });
    this.zero(this.current);
  }

  /** A replica's sidecar named its pod. */
  named(replica: string, pod: string): void {
    this.pods.set(replica, pod);
  }

  /** The replica set changed: gauges follow it, counters of a new replica start at 0. */
  setReplicas(replicas: readonly string[]): void {
    this.current = [...replicas];
    for (const r of this.pods.keys()) if (!replicas.includes(r)) this.pods.delete(r);
    this.zero(this.current);
  }

  private zero(replicas: readonly string[]): void {
    for (const r of replicas) {
      this.assigned.inc({ replica: r }, 0);
      this.failedByLoss.inc({ replica: r }, 0);
      this.replicaLosses.inc({ replica: r }, 0);
    }
  }

  observe(view: BalancerView): void {
    this.view = view;
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
