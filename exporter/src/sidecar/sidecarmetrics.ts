import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type OpenMetricsContentType } from 'prom-client';

// The sidecar's Prometheus families (reference: exporter/docs/metrics.md, section "Sidecar").
// One registry per sidecar, in OpenMetrics format so the latency histograms carry trace_id exemplars.
// Labels are bounded: channel, chaincode, function (through a LabelLimiter), status, type, direction.

/** Latency buckets in seconds: sub-millisecond state calls up to slow endorsements. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class SidecarMetrics {
  readonly registry = new Registry<OpenMetricsContentType>();

  readonly invocations: Counter<'channel' | 'chaincode' | 'function' | 'status'>;
  readonly invocationDuration: Histogram<'channel' | 'chaincode' | 'function' | 'status'>;
  readonly invocationsInFlight: Gauge<'channel' | 'chaincode'>;
  readonly stateCalls: Counter<'channel' | 'chaincode' | 'type' | 'status'>;
  readonly stateCallDuration: Histogram<'channel' | 'chaincode' | 'type'>;
  readonly streamsOpened: Counter;
  readonly streamsBroken: Counter<'cause'>;
  readonly streamsActive: Gauge;
  readonly messages: Counter<'direction'>;
  readonly bytes: Counter<'direction'>;
  readonly malformed: Counter<'direction'>;
  readonly spansExported: Counter;
  readonly spansDropped: Counter<'reason'>;
  readonly spanQueueLength: Gauge;

  /**
   * Messages and bytes forwarded since the last scrape, by direction. Every message passes here, so they
   * are plain numbers added to the counters when the counters are read (prom-client's inc() hashes its
   * labels on every call).
   */
  private readonly pending = { to_chaincode: { messages: 0, bytes: 0 }, to_peer: { messages: 0, bytes: 0 } };

  constructor() {
    this.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const registers = [this.registry];
    const pending = this.pending;
    this.invocations = new Counter({
      name: 'mictract_chaincode_invocations_total',
      help: 'Chaincode invocations (TRANSACTION or INIT to COMPLETED or ERROR) seen by the sidecar, by outcome.',
      labelNames: ['channel', 'chaincode', 'function', 'status'],
      registers,
    });
    this.invocationDuration = new Histogram({
      name: 'mictract_chaincode_invocation_duration_seconds',
      help: 'Time from the peer sending TRANSACTION or INIT to the chaincode answering, as seen by the sidecar.',
      labelNames: ['channel', 'chaincode', 'function', 'status'],
      buckets: BUCKETS,
      enableExemplars: true,
      registers,
    });
    this.invocationsInFlight = new Gauge({
      name: 'mictract_chaincode_invocations_in_flight',
      help: 'Invocations sent to the chaincode and not yet answered.',
      labelNames: ['channel', 'chaincode'],
      registers,
    });
    this.stateCalls = new Counter({
      name: 'mictract_chaincode_state_calls_total',
      help: 'Calls the chaincode made back to the peer (GET_STATE, PUT_STATE, ...), by answer.',
      labelNames: ['channel', 'chaincode', 'type', 'status'],
      registers,
    });
    this.stateCallDuration = new Histogram({
      name: 'mictract_chaincode_state_call_duration_seconds',
      help: "Time from the chaincode's state call to the peer's answer.",
      labelNames: ['channel', 'chaincode', 'type'],
      buckets: BUCKETS,
      enableExemplars: true,
      registers,
    });
    this.streamsOpened = new Counter({
      name: 'mictract_sidecar_streams_opened_total',
      help: 'Chaincode streams the peer opened through the sidecar.',
      registers,
    });
    this.streamsBroken = new Counter({
      name: 'mictract_sidecar_streams_broken_total',
      help: 'Streams that ended with an error status; cause replica (unreachable or failed) or peer (cancelled or failed).',
      labelNames: ['cause'],
      registers,
    });
    this.streamsActive = new Gauge({
      name: 'mictract_sidecar_streams_active',
      help: 'Streams open now.',
      registers,
    });
    this.messages = new Counter({
      name: 'mictract_sidecar_messages_total',
      help: 'Shim messages forwarded, by direction (to_chaincode, to_peer).',
      labelNames: ['direction'],
      registers,
      collect() {
        for (const direction of ['to_chaincode', 'to_peer'] as const) {
          this.inc({ direction }, pending[direction].messages);
          pending[direction].messages = 0;
        }
      },
    });
    this.bytes = new Counter({
      name: 'mictract_sidecar_message_bytes_total',
      help: 'Bytes of shim messages forwarded, by direction.',
      labelNames: ['direction'],
      registers,
      collect() {
        for (const direction of ['to_chaincode', 'to_peer'] as const) {
          this.inc({ direction }, pending[direction].bytes);
          pending[direction].bytes = 0;
        }
      },
    });
    this.malformed = new Counter({
      name: 'mictract_sidecar_malformed_messages_total',
      help: 'Messages (or their payloads) the sidecar could not decode; forwarded untouched all the same.',
      labelNames: ['direction'],
      registers,
    });
    this.spansExported = new Counter({
      name: 'mictract_sidecar_spans_exported_total',
      help: 'Spans the trace backend accepted.',
      registers,
    });
    this.spansDropped = new Counter({
      name: 'mictract_sidecar_spans_dropped_total',
      help: 'Spans lost: queue_full (backend slower than traffic), export_failed (backend down or refused).',
      labelNames: ['reason'],
      registers,
    });
    this.spanQueueLength = new Gauge({
      name: 'mictract_sidecar_span_queue_length',
      help: 'Spans waiting for export (bounded by --span-queue-size).',
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** One message of `bytes` bytes forwarded (the gRPC message, without its 5-byte prefix). */
  traffic(direction: 'to_chaincode' | 'to_peer', bytes: number): void {
    const p = this.pending[direction];
    p.messages++;
    p.bytes += bytes;
  }

  /** The exposition text (OpenMetrics, with exemplars) and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
