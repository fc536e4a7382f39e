import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { isTxId, traceIdOf, txSpanContext } from '../traceidentity';
import type { Direction, InvocationEnd, InvocationObserver, InvocationStart, StateCallEnd, StateCallObserver, StateCallStart, StreamObserver } from './invocationtracker';
import { LabelLimiter } from './labellimiter';
import type { SidecarMetrics } from './sidecarmetrics';
import { bounded } from './statecall';

// Turns what the tracker sees into spans and metrics.
//
// Invocation span: kind SERVER, named for the function, child of the exporter's transaction span
// (txSpanContext: trace ID = tx ID 0..31, parent span ID = tx ID 32..47), with a fresh span ID of its
// own. State-call spans: kind CLIENT (the chaincode calls the peer), children of the invocation span,
// named for the call type. Attribute names follow OpenTelemetry's RPC and Kubernetes conventions where
// one fits (rpc.*, client.address, error.type; k8s.* on the resource) and fabric.* otherwise.

/** Who is on the other end of a stream and who the sidecar stands for. */
export interface StreamIdentity {
  /** --chaincode; when empty, the label part of the chaincode ID in the replica's REGISTER. */
  readonly chaincode: string;
  /** --peer, else the CN of the peer's TLS client certificate, else empty. */
  readonly peer: string;
  /** The peer's address as the sidecar sees it (host:port). */
  readonly clientAddress: string;
}

/** Values an exemplar label may hold must stay short (DESIGN.md: one over-long one breaks the scrape). */
const exemplar = (traceId: string | undefined) => (traceId ? { trace_id: traceId } : {});

export class Telemetry {
  private readonly functions = new LabelLimiter();
  private readonly channels = new LabelLimiter(50, 64);
  private readonly chaincodes = new LabelLimiter(20, 64);

  constructor(
    readonly metrics: SidecarMetrics,
    private readonly tracer: Tracer | undefined,
  ) {}

  /** One stream's observer; `identity` is read when each invocation starts. */
  forStream(identity: () => StreamIdentity, onRegistered: (chaincodeId: string) => void): StreamObserver {
    return {
      registered: onRegistered,
      malformed: (direction: Direction) => this.metrics.malformed.inc({ direction }),
      invocationStarted: (start) => this.invocation(start, identity()),
    };
  }

  private invocation(start: InvocationStart, who: StreamIdentity): InvocationObserver {
    const channel = this.channels.value(start.channelId);
    const chaincode = this.chaincodes.value(who.chaincode);
    const fnLabel = this.functions.value(start.fn);
    const m = this.metrics;
    m.invocationsInFlight.inc({ channel, chaincode });

    let span: Span | undefined;
    if (this.tracer) {
      const validTx = isTxId(start.txId);
      const parent = validTx ? trace.setSpanContext(ROOT_CONTEXT, txSpanContext(start.txId)) : ROOT_CONTEXT;
      const fn = bounded(start.fn);
      const attributes: Attributes = {
        'rpc.system': 'fabric',
        'rpc.service': who.chaincode,
        'rpc.method': fn,
        'fabric.channel': start.channelId,
        'fabric.chaincode': who.chaincode,
        'fabric.tx_id': bounded(start.txId),
        'fabric.function': fn,
        'fabric.invocation.kind': start.kind,
        'fabric.args.count': start.argCount,
        'fabric.request.size': start.requestSize,
        'client.address': who.clientAddress,
      };
      if (who.peer) attributes['fabric.peer'] = who.peer;
      span = this.tracer.startSpan(start.fn || start.kind, { kind: SpanKind.SERVER, startTime: start.startedAt, attributes }, parent);
    }
    const traceId = span?.spanContext().traceId ?? (isTxId(start.txId) ? traceIdOf(start.txId) : undefined);
    const spanContext = span ? trace.setSpan(ROOT_CONTEXT, span) : undefined;

    return {
      stateCallStarted: (call: StateCallStart): StateCallObserver => {
        const child = this.tracer?.startSpan(
          call.type,
          { kind: SpanKind.CLIENT, startTime: call.startedAt, attributes: { ...call.attributes, 'fabric.state.call': call.type, 'fabric.request.size': call.requestSize } },
          spanContext,
        );
        return {
          ended: (end: StateCallEnd) => {
            const labels = { channel, chaincode, type: call.type };
            m.stateCalls.inc({ ...labels, status: end.outcome });
            m.stateCallDuration.observe({ labels, value: (end.endedAt - call.startedAt) / 1000, exemplarLabels: exemplar(traceId) as never });
            if (child) {
              child.setAttribute('fabric.response.size', end.responseSize);
              finish(child, end.outcome, end.message);
              child.end(end.endedAt);
            }
          },
        };
      },
      ended: (end: InvocationEnd) => {
        const labels = { channel, chaincode, function: fnLabel, status: end.outcome };
        m.invocationsInFlight.dec({ channel, chaincode });
        m.invocations.inc(labels);
        m.invocationDuration.observe({ labels, value: (end.endedAt - start.startedAt) / 1000, exemplarLabels: exemplar(traceId) as never });
        if (span) {
          if (end.responseStatus !== undefined) span.setAttribute('fabric.response.status', end.responseStatus);
          span.setAttribute('fabric.response.size', end.responseSize);
          finish(span, end.outcome, end.message);
          span.end(end.endedAt);
        }
      },
    };
  }
}

function finish(span: Span, outcome: InvocationEnd['outcome'], message: string | undefined): void {
  if (outcome === 'ok') return;
  span.setAttribute('error.type', outcome === 'aborted' ? 'aborted' : 'chaincode_error');
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
}
