// Joins two sockets into one connection, byte for byte. pipe() gives the
// backpressure: a side whose peer reads slowly pauses the other side, so the
// endpoint never buffers more than a stream highWaterMark per direction.

import type { Socket } from 'node:net';

/** If a closing side's last bytes cannot be flushed for this long, stop trying. */
const FLUSH_GRACE_MS = 10_000;

/**
 * Pipes `a` and `b` into each other and calls `onClosed` once both are closed.
 * An error on either side destroys both. A FIN on either side ends the other
 * (after what is already buffered is written), and because the sockets do not
 * allow half-open connections each side then ends itself too: a half-close
 * tears the pair down. What the closing side sent still arrives; what the
 * other side sends after the FIN is dropped (gRPC never half-closes TCP).
 */
export function splice(a: Socket, b: Socket, onClosed: () => void): void {
  const destroyBoth = (): void => {
    a.destroy();
    b.destroy();
  };
  // ECONNRESET, EPIPE, write-after-end: all mean this connection is over.
  a.on('error', destroyBoth);
  b.on('error', destroyBoth);
  a.once('close', () => closeAfterFlush(b));
  b.once('close', () => closeAfterFlush(a));

  let open = 2;
  const closed = (): void => {
    if (--open === 0) onClosed();
  };
  a.once('close', closed);
  b.once('close', closed);

  // gRPC sets TCP_NODELAY on its own sockets; a proxy between them must too, or Nagle holds each
  // small shim message back until the previous one is acknowledged (delayed ACKs: up to 40 ms).
  a.setNoDelay(true);
  b.setNoDelay(true);
  a.pipe(b);
  b.pipe(a);
}

/** The other side is gone: let `s` write out what it was handed, then close it. */
function closeAfterFlush(s: Socket): void {
  if (s.destroyed) return;
  if (!s.writableEnded || s.writableFinished) {
    s.destroy();
    return;
  }
  s.setTimeout(FLUSH_GRACE_MS, () => s.destroy());
  s.once('finish', () => s.destroy());
}
