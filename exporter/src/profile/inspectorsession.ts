import { isIP } from 'node:net';

// One session on a Node.js inspector (the Chrome DevTools protocol over a WebSocket), as a profile
// capture needs it: find the target at /json/list, open its WebSocket, send commands and await their
// answers. Node's own WebSocket client (global since Node 22) does the transport. An inspector is a
// debugger, so only loopback addresses are ever dialled (on Kubernetes: a port-forward to the pod).

/** The inspector cannot be reached, or it answered something that is not the protocol. */
export class InspectorError extends Error {
  override readonly name = 'InspectorError';
}

const MAX_MESSAGE_BYTES = 64 << 20;

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts an inspector may be dialled on. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Splits "host:port" (IPv6 in brackets); throws InspectorError unless the host is loopback. */
export function loopbackAddress(address: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):([0-9]{1,5})$/.exec(address);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new InspectorError(`inspector address must be host:port, got ${JSON.stringify(address.slice(0, 80))}`);
  const host = m[1]!;
  if (!isLoopbackHost(host)) throw new InspectorError(`inspector address ${address} is not on loopback: an inspector is a debugger and is only dialled on 127.0.0.1 (on Kubernetes through kubectl port-forward)`);
  return { host, port };
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedWith: Error | undefined;

  private constructor(
    private readonly socket: WebSocket,
    readonly address: string,
  ) {
    socket.addEventListener('message', (ev: MessageEvent) => this.onMessage(ev.data));
    socket.addEventListener('close', () => this.fail(new InspectorError(`the inspector at ${address} closed the session (the replica stopped or restarted?)`)));
    socket.addEventListener('error', () => this.fail(new InspectorError(`the session with the inspector at ${address} broke`)));
  }

  /** Opens a session on the first target the inspector at `address` (loopback host:port) lists. */
  static async open(address: string, timeoutMs = 5000): Promise<InspectorSession> {
    const { host, port } = loopbackAddress(address);
    let targets: unknown;
    try {
      const res = await fetch(`http://${host}:${port}/json/list`, { signal: AbortSignal.timeout(timeoutMs) });
      targets = await res.json();
    } catch (err) {
      throw new InspectorError(`no Node.js inspector answers at ${address} (${(err as Error).message}); is the replica running, and was it started with profiling on?`);
    }
    const wsUrl = Array.isArray(targets) ? (targets[0] as { webSocketDebuggerUrl?: unknown } | undefined)?.webSocketDebuggerUrl : undefined;
    if (typeof wsUrl !== 'string') throw new InspectorError(`the inspector at ${address} lists no debuggable target`);
    // dial the address we were given (a port-forward's), with only the target's path from the answer
    const target = `ws://${host}:${port}${new URL(wsUrl).pathname}`;
    const socket = new WebSocket(target);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new InspectorError(`the inspector at ${address} did not accept a session within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.addEventListener('open', () => (clearTimeout(timer), resolve()), { once: true });
      socket.addEventListener('error', () => (clearTimeout(timer), reject(new InspectorError(`the inspector at ${address} refused a session`))), { once: true });
    });
    return new InspectorSession(socket, address);
  }

  /** Sends one protocol command and resolves with its result; rejects with the inspector's error. */
  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.fail(new InspectorError('session closed'));
    this.socket.close();
  }

  private onMessage(data: unknown): void {
    const text = typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer).toString('utf8');
    if (text.length > MAX_MESSAGE_BYTES) {
      this.fail(new InspectorError(`the inspector at ${this.address} sent a message of ${text.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte bound`));
      this.socket.close();
      return;
    }
    let msg: { id?: number; result?: unknown; error?: { message?: string } };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (msg.id === undefined) return; // an event: none is asked for
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new InspectorError(`inspector: ${msg.error.message ?? 'error'}`));
    else p.resolve(msg.result);
  }

  private fail(err: Error): void {
    this.closedWith ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
