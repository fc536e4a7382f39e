import { performance } from 'node:perf_hooks';
import {
  decodeChaincodeName,
  decodeInvocationRequest,
  decodeInvocationResponse,
  decodeShimMessage,
  ERROR_THRESHOLD,
  MessageType,
  messageTypeName,
} from './shimmessage';
import { bounded, describeStateCall, STATE_CALL_TYPES, type StateCallAttributes } from './statecall';

// The shim protocol as the sidecar follows it, one tracker per stream. An invocation runs from the
// peer's TRANSACTION or INIT to the chaincode's COMPLETED or ERROR with the same channel ID and tx ID;
// between them the chaincode makes state calls, each answered by the peer's RESPONSE or ERROR (at most
// one outstanding per transaction). The tracker only reads copies of the messages and reports to an
// observer; it never changes what is forwarded.

const T = MessageType;

/** Which way a message travels: from the peer to the chaincode, or back. */
export type Direction = 'to_chaincode' | 'to_peer';

export interface InvocationStart {
  readonly txId: string;
  readonly channelId: string;
  /** TRANSACTION or INIT. */
  readonly kind: string;
  /** The first argument; empty when the input did not decode or had none. */
  readonly fn: string;
  readonly argCount: number;
  /** Bytes of the ChaincodeInput the peer sent. */
  readonly requestSize: number;
  /** performance.now() when the sidecar received it. */
  readonly startedAt: number;
}

/** ok and error as the chaincode answered; aborted when the stream ended before any answer. */
export type Outcome = 'ok' | 'error' | 'aborted';

export interface InvocationEnd {
  readonly outcome: Outcome;
  /** Response.status of a COMPLETED message. */
  readonly responseStatus?: number;
  readonly message?: string;
  /** Bytes of Response.payload (COMPLETED) or of the error text (ERROR). */
  readonly responseSize: number;
  readonly endedAt: number;
}

export interface StateCallStart {
  readonly type: string;
  readonly attributes: StateCallAttributes;
  readonly requestSize: number;
  readonly startedAt: number;
}

export interface StateCallEnd {
  readonly outcome: Outcome;
  readonly message?: string;
  readonly responseSize: number;
  readonly endedAt: number;
}

export interface StateCallObserver {
  ended(end: StateCallEnd): void;
}

export interface InvocationObserver {
  stateCallStarted(start: StateCallStart): StateCallObserver;
  ended(end: InvocationEnd): void;
}

/** What one stream's tracker reports to. */
export interface StreamObserver {
  /** The chaincode's REGISTER: the chaincode ID it runs as (the package ID with CCaaS). */
  registered(chaincodeId: string): void;
  invocationStarted(start: InvocationStart): InvocationObserver;
  /** A message, or the payload of one, that did not decode. It was forwarded all the same. */
  malformed(direction: Direction): void;
}

interface Running {
  readonly observer: InvocationObserver;
  call?: StateCallObserver;
}

const keyOf = (channelId: string, txId: string) => `${channelId}\u0000${txId}`;
const text = (payload: Uint8Array) => bounded(Buffer.from(payload).toString('utf8'));

export class InvocationTracker {
  private readonly running = new Map<string, Running>();

  constructor(private readonly observer: StreamObserver) {}

  /** Invocations started and not yet answered. */
  get inFlight(): number {
    return this.running.size;
  }

  /** A message the peer sent towards the chaincode. */
  fromPeer(raw: Uint8Array): void {
    const now = performance.now();
    const msg = decodeShimMessage(raw);
    if (!msg) return this.observer.malformed('to_chaincode');
    switch (msg.type) {
      case T.TRANSACTION:
      case T.INIT: {
        let request = { fn: '', argCount: 0 };
        try {
          request = decodeInvocationRequest(msg.payload);
        } catch {
          this.observer.malformed('to_chaincode');
        }
        const key = keyOf(msg.channelId, msg.txId);
        this.abort(key, now, 'the peer sent the same transaction again');
        const observer = this.observer.invocationStarted({
          txId: msg.txId,
          channelId: msg.channelId,
          kind: messageTypeName(msg.type),
          fn: request.fn,
          argCount: request.argCount,
          requestSize: msg.payload.length,
          startedAt: now,
        });
        this.running.set(key, { observer });
        return;
      }
      case T.RESPONSE:
      case T.ERROR: {
        const running = this.running.get(keyOf(msg.channelId, msg.txId));
        const call = running?.call;
        if (!running || !call) return;
        running.call = undefined;
        const ok = msg.type === T.RESPONSE;
        call.ended({ outcome: ok ? 'ok' : 'error', ...(ok ? {} : { message: text(msg.payload) }), responseSize: msg.payload.length, endedAt: now });
        return;
      }
    }
  }

  /** A message the chaincode sent towards the peer. */
  fromChaincode(raw: Uint8Array): void {
    const now = performance.now();
    const msg = decodeShimMessage(raw);
    if (!msg) return this.observer.malformed('to_peer');
    if (msg.type === T.REGISTER) {
      try {
        this.observer.registered(decodeChaincodeName(msg.payload));
      } catch {
        this.observer.malformed('to_peer');
      }
      return;
    }
    const key = keyOf(msg.channelId, msg.txId);
    const running = this.running.get(key);
    if (!running) return;
    if (msg.type === T.COMPLETED || msg.type === T.ERROR) {
      this.running.delete(key);
      this.endCall(running, now, 'the invocation ended first');
      running.observer.ended(msg.type === T.ERROR ? { outcome: 'error', message: text(msg.payload), responseSize: msg.payload.length, endedAt: now } : this.completed(msg.payload, now));
      return;
    }
    if (STATE_CALL_TYPES.has(msg.type)) {
      this.endCall(running, now, 'a second call started before the first was answered');
      let attributes: StateCallAttributes = {};
      try {
        attributes = describeStateCall(msg.type, msg.payload);
      } catch {
        this.observer.malformed('to_peer');
      }
      running.call = running.observer.stateCallStarted({ type: messageTypeName(msg.type), attributes, requestSize: msg.payload.length, startedAt: now });
    }
  }

  /** The stream is over: what is still running ends as aborted. */
  close(reason: string): void {
    const now = performance.now();
    for (const key of [...this.running.keys()]) this.abort(key, now, reason);
  }

  private completed(payload: Uint8Array, now: number): InvocationEnd {
    try {
      const res = decodeInvocationResponse(payload);
      const ok = res.status < ERROR_THRESHOLD;
      return { outcome: ok ? 'ok' : 'error', responseStatus: res.status, ...(res.message ? { message: bounded(res.message) } : {}), responseSize: res.payloadSize, endedAt: now };
    } catch {
      // The chaincode said COMPLETED; what it completed with is unreadable, which is not the chaincode's error.
      this.observer.malformed('to_peer');
      return { outcome: 'ok', responseSize: payload.length, endedAt: now };
    }
  }

  private endCall(running: Running, now: number, reason: string): void {
    const call = running.call;
    if (!call) return;
    running.call = undefined;
    call.ended({ outcome: 'aborted', message: reason, responseSize: 0, endedAt: now });
  }

  private abort(key: string, now: number, reason: string): void {
    const running = this.running.get(key);
    if (!running) return;
    this.running.delete(key);
    this.endCall(running, now, reason);
    running.observer.ended({ outcome: 'aborted', message: reason, responseSize: 0, endedAt: now });
  }
}
