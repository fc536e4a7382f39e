import * as grpc from '@grpc/grpc-js';
import type { Readable, Writable } from 'node:stream';
import type { RawPeerStream, RawReplicaStream } from './rawchaincodeservice';

// Joins the peer's Connect stream to the replica's, byte for byte and in order, both ways.
//
// Flow control: when one side's write returns false (its HTTP/2 window or send buffer is full), the
// other side's reading pauses until 'drain'. grpc-js reads from HTTP/2 only when asked, so a paused
// side stops reading its socket and HTTP/2 flow control pushes back on its sender: nothing is buffered
// without bound.
//
// Endings: the peer half-closing ends the replica's side; the replica's status (OK or not, with its
// details and trailers) is what the peer gets, once every message before it has been forwarded; a peer
// that cancels cancels the replica's call. Observers run after each write and any error of theirs is
// swallowed: observation never touches the traffic.

export interface BridgeHooks {
  /** A message the peer sent, after it was passed on to the replica. */
  fromPeer(message: Buffer): void;
  /** A message the replica sent, after it was passed on to the peer. */
  fromChaincode(message: Buffer): void;
  /** The stream is over: the status the peer was given, and which side ended it if not OK. */
  ended(status: grpc.StatusObject, cause: 'replica' | 'peer' | undefined): void;
}

function forward(from: Readable, to: Writable, observe: (message: Buffer) => void, isOpen: () => boolean): void {
  from.on('data', (message: Buffer) => {
    if (!isOpen()) return;
    const more = to.write(message);
    try {
      observe(message);
    } catch {
      // never let observation break forwarding
    }
    if (!more) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
}

export function bridge(peerCall: RawPeerStream, replica: RawReplicaStream, hooks: BridgeHooks): void {
  let over = false;
  let replicaStatus: grpc.StatusObject | undefined;
  let replicaDrained = false;

  const finish = (status: grpc.StatusObject, cause: 'replica' | 'peer' | undefined) => {
    if (over) return;
    over = true;
    try {
      hooks.ended(status, cause);
    } catch {
      // as above
    }
  };

  // The peer gets the replica's status only after every message the replica sent before it.
  const settle = () => {
    if (over || !replicaStatus || !replicaDrained) return;
    const status = replicaStatus;
    if (status.code === grpc.status.OK) peerCall.end(status.metadata);
    else peerCall.emit('error', { code: status.code, details: status.details, metadata: status.metadata });
    finish(status, status.code === grpc.status.OK ? undefined : 'replica');
  };

  forward(peerCall, replica, hooks.fromPeer, () => !over && !replicaStatus);
  forward(replica, peerCall, hooks.fromChaincode, () => !over);

  peerCall.on('end', () => {
    if (!replicaStatus) replica.end();
  });
  peerCall.on('error', () => undefined); // a broken peer connection shows as 'cancelled' too
  peerCall.on('cancelled', () => {
    if (over) return;
    replica.cancel();
    finish({ code: grpc.status.CANCELLED, details: 'the peer cancelled the stream', metadata: new grpc.Metadata() }, 'peer');
  });

  replica.on('metadata', (md: grpc.Metadata) => {
    if (!over) peerCall.sendMetadata(md);
  });
  replica.on('error', () => undefined); // the 'status' event carries the same code and details
  replica.on('end', () => {
    replicaDrained = true;
    settle();
  });
  replica.on('status', (status: grpc.StatusObject) => {
    replicaStatus = status;
    // An errored call may never emit 'end'; then nothing is left to drain once it is not flowing.
    if (replica.readableEnded || replica.destroyed || replica.readableLength === 0) replicaDrained = true;
    settle();
  });
}
