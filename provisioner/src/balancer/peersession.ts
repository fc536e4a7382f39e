import http2, { type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { frameMessage, GrpcMessageReader } from '@mictract/exporter/dist/sidecar/grpcframes';
import type { BalancerMetrics, StreamEndReason } from './balancermetrics';
import { applicationHeaders, trailersOf, UNAVAILABLE, type GrpcStatus } from './h2';
import { InvocationTable } from './invocationtable';
import { ReplicaLink, type ReplicaCredentials } from './replicalink';
import { decodeEnvelope, endsInvocation, errorFrame, invocationKey, MessageType, startsInvocation, type Envelope } from './shimframes';

// One chaincode stream from the peer, spread over every replica. The peer sees one chaincode: the
// first replica's REGISTER is forwarded, the peer's REGISTERED and READY are taken here, and each
// replica gets REGISTERED and READY from the balancer once the peer is ready. Each invocation
// (TRANSACTION or INIT, key channel ID + tx ID) goes to the replica with the fewest in flight; every
// later message of that invocation follows the key, both ways, as raw bytes in arrival order. A replica
// whose stream breaks fails only its own invocations (an ERROR per tx ID to the peer) and is dialled
// again with backoff; when no replica is left, the peer's stream ends as a dead chaincode's would.
//
// The peer's stream is a node:http2 server stream: its DATA is cut into gRPC messages (views into the
// chunks), each read only for its type, tx ID and channel ID, and written on with a fresh 5-byte prefix.
// The response headers go out with the first message (as grpc-js's server sends them), the status as
// trailers, or alone (trailers-only) when the stream ends before any message.

export interface SessionOptions {
  readonly replicas: readonly string[];
  /** How each replica is dialled; plaintext when absent (replicas on loopback). */
  readonly replicaCredentials?: ReplicaCredentials;
  readonly metrics: BalancerMetrics;
  readonly log: (line: string) => void;
  /** How long a replica gets from connect to REGISTER. */
  readonly registerTimeoutMs: number;
  /** Reconnect backoff: first delay, doubled per failure up to the maximum. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

interface Slot {
  readonly address: string;
  /** Gone from the replica set (discovery): takes no new invocation, closed once its own are done. */
  removed: boolean;
  link: ReplicaLink | undefined;
  failures: number;
  retry: NodeJS.Timeout | undefined;
  /** The last reason logged, so a replica that stays down logs once, not per retry. */
  lastLogged: string;
  /** Its pod's name, once its sidecar has said it (response metadata). */
  pod?: string;
}

/** How logs and errors name a replica: its pod and address when the pod is known. */
const nameOf = (slot: Slot) => (slot.pod ? `${slot.pod} (${slot.address})` : slot.address);

export class PeerSession {
  private slots: Slot[];
  private readonly table = new InvocationTable<ReplicaLink>();
  private readonly metadata: OutgoingHttpHeaders;
  private responded = false;
  private chaincodeId: string | undefined;
  private peerReady = false;
  private over = false;
  private turn = 0;
  /** Links whose write buffer is full: the peer's stream is paused until all drain. */
  private readonly blocked = new Set<ReplicaLink>();
  private peerBlocked = false;
  private readonly dropLogged = new Map<string, number>();

  constructor(
    private readonly call: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    private readonly opts: SessionOptions,
    private readonly onEnd: (s: PeerSession) => void,
  ) {
    this.metadata = applicationHeaders(headers);
    this.slots = opts.replicas.map((address) => newSlot(address));
    const reader = new GrpcMessageReader((raw, compressed) => {
      if (compressed) this.opts.log('peer sent a compressed message (none was offered); dropped');
      else this.fromPeer(raw);
    });
    call.on('data', (chunk: Buffer) => reader.push(chunk));
    call.on('end', () => this.finish('peer', 'the peer ended the stream', undefined));
    call.on('error', () => undefined); // shows as 'close' as well
    call.on('close', () => this.finish('peer', 'the peer cancelled the stream', undefined));
    for (const slot of this.slots) this.dial(slot);
    // a balancer whose discovery has found no replica yet: the peer fails its launch and tries again later
    if (this.slots.length === 0) queueMicrotask(() => this.finish('no_replica', 'no replica known', { code: UNAVAILABLE, details: 'no chaincode replica known yet' }));
  }

  /**
   * The replica set changed (discovery): new addresses are dialled; an address that left takes no new
   * invocation, and its stream is closed once the invocations it holds are done (a replica being
   * rolled out finishes its work; one that died has already failed its own).
   */
  setReplicas(addresses: readonly string[]): void {
    if (this.over) return;
    const want = new Set(addresses);
    for (const slot of this.slots) {
      if (want.has(slot.address)) {
        if (slot.removed) this.opts.log(`replica ${nameOf(slot)} is back in the set`);
        slot.removed = false;
        want.delete(slot.address);
      } else if (!slot.removed) {
        slot.removed = true;
        this.opts.log(`replica ${nameOf(slot)} left the set${slot.link && this.table.inFlight(slot.link) > 0 ? `; closing after its ${this.table.inFlight(slot.link)} invocation(s) in flight` : ''}`);
        this.retire(slot);
      }
    }
    for (const address of want) {
      const slot = newSlot(address);
      this.slots.push(slot);
      this.opts.log(`replica ${address} joined the set`);
      this.dial(slot);
    }
    if (this.slots.length === 0) this.finish('no_replica', 'no replica left in the set', { code: UNAVAILABLE, details: 'no chaincode replica left' });
  }

  /** Closes a removed slot once it holds nothing. */
  private retire(slot: Slot): void {
    if (!slot.removed) return;
    if (slot.link && this.table.inFlight(slot.link) > 0) return;
    if (slot.retry) clearTimeout(slot.retry);
    slot.retry = undefined;
    if (slot.link) {
      this.blocked.delete(slot.link);
      slot.link.close();
      slot.link = undefined;
      if (this.blocked.size === 0 && !this.over) this.call.resume();
    }
    this.slots = this.slots.filter((s) => s !== slot);
  }

  /** Per replica address: invocations held now. */
  inFlight(): Map<string, number> {
    return new Map(this.slots.map((s) => [s.address, s.link ? this.table.inFlight(s.link) : 0]));
  }

  /** Replica addresses ready for invocations. */
  ready(): string[] {
    return this.slots.filter((s) => !s.removed && s.link?.state === 'ready').map((s) => s.address);
  }

  /** Ends the session from the balancer's side (shutdown). */
  close(): void {
    this.finish('shutdown', 'the balancer is shutting down', { code: UNAVAILABLE, details: 'chaincode balancer shutting down' });
  }

  // ---- replicas

  private dial(slot: Slot): void {
    slot.retry = undefined;
    if (this.over || slot.removed) return;
    slot.link = new ReplicaLink(slot.address, this.metadata, {
      registered: (link, id, raw) => this.onRegistered(slot, link, id, raw),
      message: (link, raw, m) => this.fromReplica(slot, link, raw, m),
      broken: (link, reason) => this.onBroken(slot, link, reason),
    }, this.opts.registerTimeoutMs, this.opts.replicaCredentials);
  }

  private onRegistered(slot: Slot, link: ReplicaLink, id: string, raw: Buffer): void {
    if (this.chaincodeId === undefined) {
      // The first replica speaks for all: the peer registers the chaincode once.
      this.chaincodeId = id;
      this.writeToPeer(raw);
    } else if (id !== this.chaincodeId) {
      link.close();
      this.opts.metrics.dropped.inc({ replica: slot.address, reason: 'unexpected' });
      this.onBroken(slot, link, `registered as ${id}, not ${this.chaincodeId} like the others`);
      return;
    }
    if (link.pod && link.pod !== slot.pod) {
      slot.pod = link.pod;
      this.opts.metrics.named(slot.address, link.pod);
    }
    if (slot.failures > 0 || slot.lastLogged) this.opts.log(`replica ${nameOf(slot)} registered again`);
    slot.failures = 0;
    slot.lastLogged = '';
    if (this.peerReady) link.ready();
  }

  private onBroken(slot: Slot, link: ReplicaLink, reason: string): void {
    if (slot.link !== link) return;
    slot.link = undefined;
    this.blocked.delete(link);
    if (this.blocked.size === 0) this.call.resume();
    const lost = this.table.drop(link);
    if (link.registered || slot.lastLogged !== reason) {
      this.opts.log(`replica ${nameOf(slot)} out: ${reason}${lost.length ? `; failing its ${lost.length} invocation(s) in flight` : ''}`);
      slot.lastLogged = reason;
    }
    if (link.registered) this.opts.metrics.replicaLosses.inc({ replica: slot.address });
    for (const key of lost) {
      const [channelId, txId] = splitKey(key);
      this.writeToPeer(errorFrame(channelId, txId, `chaincode replica ${nameOf(slot)} was lost while running this transaction (${reason}); retry it`));
      this.opts.metrics.failedByLoss.inc({ replica: slot.address });
    }
    if (this.over) return;
    if (slot.removed) this.retire(slot);
    if (this.slots.every((s) => s.link === undefined)) {
      this.finish('no_replica', 'no replica left', { code: UNAVAILABLE, details: `no chaincode replica left (last: ${nameOf(slot)}: ${reason})` });
      return;
    }
    if (slot.removed) return;
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryMinMs * 2 ** slot.failures);
    slot.failures++;
    slot.retry = setTimeout(() => this.dial(slot), delay);
  }

  private fromReplica(slot: Slot, link: ReplicaLink, raw: Buffer, m: Envelope | undefined): void {
    if (this.over) return;
    if (!m) return this.drop(slot, 'malformed', 'bytes that are not a ChaincodeMessage');
    if (m.type === MessageType.KEEPALIVE) return; // the balancer keeps its own streams alive
    const key = invocationKey(m);
    if (this.table.holder(key) !== link) {
      return this.drop(slot, m.txId ? 'unknown_key' : 'unexpected', `message type ${m.type} for ${m.txId ? `tx ${m.txId} on ${m.channelId || '(no channel)'}, which it does not hold` : 'no transaction'}`);
    }
    if (endsInvocation(m.type)) this.table.release(key);
    this.writeToPeer(raw);
    if (slot.removed) this.retire(slot);
  }

  private drop(slot: Slot, reason: 'malformed' | 'unknown_key' | 'unexpected', what: string): void {
    this.opts.metrics.dropped.inc({ replica: slot.address, reason });
    // Logged with a running count, at most once a second per replica: a broken replica must not flood the log.
    const now = Date.now();
    if (now - (this.dropLogged.get(slot.address) ?? 0) >= 1000) {
      this.dropLogged.set(slot.address, now);
      this.opts.log(`replica ${nameOf(slot)}: dropped ${reason} message (${what})`);
    }
  }

  // ---- the peer

  private fromPeer(raw: Buffer): void {
    if (this.over) return;
    const m = decodeEnvelope(raw);
    if (!m) return this.opts.log('peer sent bytes that are not a ChaincodeMessage; dropped');
    switch (m.type) {
      case MessageType.REGISTERED:
        return;
      case MessageType.READY:
        this.peerReady = true;
        for (const s of this.slots) if (s.link?.state === 'registered') s.link.ready();
        return;
      case MessageType.KEEPALIVE:
        this.writeToPeer(raw); // answered as the shims do, by echoing it
        return;
    }
    const key = invocationKey(m);
    let link = this.table.holder(key);
    if (!link && startsInvocation(m.type)) {
      const ready = this.slots.flatMap((s) => (!s.removed && s.link?.state === 'ready' ? [s.link] : []));
      link = this.table.leastInFlight(ready, this.turn++ % Math.max(1, ready.length));
      if (!link) {
        this.writeToPeer(errorFrame(m.channelId, m.txId, 'no chaincode replica is ready; retry it'));
        return;
      }
      this.table.assign(key, link);
      this.opts.metrics.assigned.inc({ replica: link.address });
    }
    if (!link) {
      // An answer to a state call of an invocation that was failed already (its replica was lost).
      return;
    }
    if (!link.write(raw) && !this.blocked.has(link)) {
      this.blocked.add(link);
      this.call.pause();
      link.onDrain(() => {
        this.blocked.delete(link);
        if (this.blocked.size === 0 && !this.over) this.call.resume();
      });
    }
  }

  private writeToPeer(raw: Buffer): void {
    if (this.over || this.call.destroyed) return;
    if (!this.responded) {
      this.responded = true;
      this.call.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true, sendDate: false } as http2.ServerStreamResponseOptions);
    }
    if (!this.call.write(frameMessage(raw)) && !this.peerBlocked) {
      this.peerBlocked = true;
      for (const s of this.slots) s.link?.pause();
      this.call.once('drain', () => {
        this.peerBlocked = false;
        for (const s of this.slots) s.link?.resume();
      });
    }
  }

  private finish(reason: StreamEndReason, why: string, status: GrpcStatus | undefined): void {
    if (this.over) return;
    this.opts.log(`peer stream over: ${why}`);
    this.opts.metrics.peerStreamsEnded.inc({ reason });
    for (const s of this.slots) {
      if (s.retry) clearTimeout(s.retry);
      if (!s.link) continue;
      // Shutting down with invocations in flight: each gets its ERROR before the stream ends, so the
      // peer fails them at once instead of waiting out its execute timeout.
      for (const key of this.table.drop(s.link)) {
        const [channelId, txId] = splitKey(key);
        this.writeToPeer(errorFrame(channelId, txId, `chaincode balancer stopped while this transaction ran on ${s.address} (${why}); retry it`));
      }
      s.link.close();
      s.link = undefined;
    }
    this.over = true;
    this.endPeer(status ?? { code: 0, details: '' });
    this.onEnd(this);
  }

  /** The status after every message written: as trailers, or trailers-only before any message. */
  private endPeer(status: GrpcStatus): void {
    const call = this.call;
    if (call.destroyed || call.closed) return;
    if (!this.responded) {
      this.responded = true;
      call.respond({ ':status': 200, 'content-type': 'application/grpc', ...trailersOf(status) }, { endStream: true, sendDate: false } as http2.ServerStreamResponseOptions);
      return;
    }
    call.once('wantTrailers', () => {
      try {
        call.sendTrailers(trailersOf(status));
      } catch {
        call.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      }
    });
    call.end();
  }
}

function newSlot(address: string): Slot {
  return { address, removed: false, link: undefined, failures: 0, retry: undefined, lastLogged: '' };
}

function splitKey(key: string): [string, string] {
  const i = key.lastIndexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
