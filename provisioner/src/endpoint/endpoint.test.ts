import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';

import { Endpoint, startEndpoint } from './endpoint';
import { Conversation, EchoReplica, StalledReplica, until, within } from './testing';

// The endpoint in front of two echo replicas, as a peer would use it: real
// sockets on loopback, each replica greeting with its name so we see who answered.

describe('endpoint (TCP, per-connection round robin)', () => {
  let a: EchoReplica;
  let b: EchoReplica;
  let endpoint: Endpoint;
  let logs: string[];
  const open: Conversation[] = [];

  const connect = async (): Promise<Conversation> => {
    const c = await Conversation.open(endpoint.address);
    open.push(c);
    return c;
  };
  const replicasOf = async (n: number): Promise<string[]> => {
    const names: string[] = [];
    for (let i = 0; i < n; i++) names.push(await (await connect()).replica());
    return names;
  };

  beforeEach(async () => {
    a = await EchoReplica.start('a');
    b = await EchoReplica.start('b');
    logs = [];
    endpoint = await startEndpoint({
      listen: { host: '127.0.0.1', port: 0 },
      backends: [a.address, b.address],
      log: (line) => logs.push(line),
    });
  });

  afterEach(async () => {
    for (const c of open.splice(0)) c.socket.destroy();
    await endpoint.close();
    await a.close();
    await b.close();
  });

  it('listens on the given host only, on the port it reports', async () => {
    expect(endpoint.address.host).toBe('127.0.0.1');
    expect(endpoint.address.port).toBeGreaterThan(0);
  });

  it('spreads connections round-robin over the replicas, bytes flowing both ways', async () => {
    const conversations = [await connect(), await connect(), await connect(), await connect()];
    const names = await Promise.all(conversations.map((c) => c.replica()));
    expect(names).toEqual(['a', 'b', 'a', 'b']);
    for (const [i, c] of conversations.entries()) {
      expect((await c.echo(Buffer.from(`hello ${i}`))).toString()).toBe(`hello ${i}`);
    }
    const stats = endpoint.stats();
    expect(stats.backends.map((s) => [s.opened, s.active, s.failed, s.state])).toEqual([
      [2, 2, 0, 'up'],
      [2, 2, 0, 'up'],
    ]);
    expect(stats.refused).toBe(0);
    expect(logs).toEqual([]); // nothing worth saying when all is well
  });

  it('carries a 5 MB payload through and back intact (backpressure both ways)', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    const c = await connect();
    const back = await c.echo(payload);
    expect(back.length).toBe(payload.length);
    expect(back.equals(payload)).toBe(true);
  }, 30_000);

  it('skips a replica that is down, counts its failed connects, and says so once', async () => {
    await b.close();
    expect(await replicasOf(4)).toEqual(['a', 'a', 'a', 'a']);

    const [sa, sb] = endpoint.stats().backends;
    expect(sa).toMatchObject({ opened: 4, failed: 0, state: 'up' });
    // Connections 2 and 4 started with b, were refused, and went on to a.
    expect(sb).toMatchObject({ opened: 0, failed: 2, state: 'down', lastFailure: 'ECONNREFUSED' });
    expect(endpoint.stats().refused).toBe(0);
    expect(logs).toEqual([`backend ${sb?.address} skipped: ECONNREFUSED`]);
  });

  it('sends connections to a replica again once it is back on its port', async () => {
    await b.close();
    expect(await replicasOf(2)).toEqual(['a', 'a']);
    await b.listen();
    expect(await replicasOf(2)).toEqual(['a', 'b']);
    expect(endpoint.stats().backends[1]).toMatchObject({
      opened: 1,
      failed: 1,
      state: 'up',
      lastFailure: 'ECONNREFUSED', // kept: the last failure, not the current state
    });
    const name = `127.0.0.1:${b.port}`;
    expect(logs).toEqual([`backend ${name} skipped: ECONNREFUSED`, `backend ${name} answers again`]);
  });

  it('closes the client connection promptly when no replica answers, and counts it refused', async () => {
    await a.close();
    await b.close();
    for (const expected of [1, 2, 3]) {
      const c = await connect();
      await within(c.closed, 'client connection closed by the endpoint', 5_000);
      expect(endpoint.stats().refused).toBe(expected);
    }
    expect(endpoint.stats().backends.map((s) => s.failed)).toEqual([3, 3]);
    // One line when refusing starts (plus one per replica going down), not one per connection.
    expect(logs.filter((l) => l.startsWith('no backend answered'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('skipped'))).toHaveLength(2);

    await a.listen();
    expect(await replicasOf(1)).toEqual(['a']);
  });

  it('tears the pair down when the client half-closes; what it sent still reaches the replica', async () => {
    // A replica that keeps its side open after the client's FIN and records what it got.
    let heard!: Promise<string>;
    let replicaSide: net.Socket | undefined;
    const sink = net.createServer({ allowHalfOpen: true }, (s) => {
      replicaSide = s;
      s.on('error', () => undefined);
      heard = new Promise((resolve) => {
        let got = '';
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.once('end', () => resolve(got));
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const ep = await startEndpoint({
      listen: { host: '127.0.0.1', port: 0 },
      backends: [{ host: '127.0.0.1', port: (sink.address() as net.AddressInfo).port }],
    });
    try {
      const c = await Conversation.open(ep.address);
      c.socket.end('last words');
      await within(c.closed, 'client connection closed after its FIN');
      expect(await within(heard, 'replica sees the FIN')).toBe('last words');
      await until(() => ep.stats().backends[0]?.active === 0, 'pair counted closed');
    } finally {
      await ep.close();
      replicaSide?.destroy(); // it kept its half open on purpose
      await new Promise((resolve) => sink.close(resolve));
    }
  });

  it('tears the pair down when the replica drops the connection', async () => {
    const c = await connect();
    await c.replica();
    await a.close(); // destroys a's live connections
    await within(c.closed, 'client connection closed after the replica went away');
    await until(() => endpoint.stats().backends[0]?.active === 0, 'pair counted closed');
  });

  it('close() stops accepting and drops live connections', async () => {
    const c = await connect();
    await c.replica();
    await endpoint.close();
    await within(c.closed, 'live connection dropped by close()');
    const refused = net.connect(endpoint.address.port, endpoint.address.host);
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });
});

describe('endpoint with a replica that does not answer', () => {
  it('gives it connectTimeoutMs, then passes the connection to the next replica', async () => {
    const stalled = await StalledReplica.start();
    const a = await EchoReplica.start('a');
    const logs: string[] = [];
    const ep = await startEndpoint({
      listen: { host: '127.0.0.1', port: 0 },
      backends: [stalled.address, a.address],
      connectTimeoutMs: 200,
      log: (line) => logs.push(line),
    });
    try {
      const c = await Conversation.open(ep.address);
      expect(await c.replica()).toBe('a');
      c.socket.destroy();
      const lastFailure = 'no answer within 200 ms';
      expect(ep.stats().backends[0]).toMatchObject({ failed: 1, state: 'down', lastFailure });
      expect(logs).toEqual([`backend 127.0.0.1:${stalled.address.port} skipped: no answer within 200 ms`]);
    } finally {
      await ep.close();
      await a.close();
      await stalled.close();
    }
  });
});

describe('startEndpoint', () => {
  it('rejects when the port is taken, naming why', async () => {
    const replica = await EchoReplica.start('a');
    try {
      await expect(
        startEndpoint({ listen: { host: '127.0.0.1', port: replica.port }, backends: [replica.address] }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await replica.close();
    }
  });
});
