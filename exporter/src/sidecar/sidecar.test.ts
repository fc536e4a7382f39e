import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';
import { connectRaw, RawChaincodeService, type RawPeerStream, type RawReplicaStream } from './rawchaincodeservice';
import { startSidecar, type Sidecar } from './sidecar';
import { SidecarMetrics } from './sidecarmetrics';
import { Telemetry } from './telemetry';

// The proxy on its own, with raw gRPC ends on both sides: a "peer" client calling Connect through
// the sidecar and a "replica" server that records what arrives, so every byte can be compared.

/** A replica stand-in speaking raw Connect; restartable on the same port. */
class RawReplica {
  readonly streams: RawPeerStream[] = [];
  private server: grpc.Server | undefined;
  private waiters: Array<() => void> = [];
  port = 0;

  async start(): Promise<this> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
    server.addService(RawChaincodeService, {
      connect: (call: RawPeerStream) => {
        this.streams.push(call);
        call.on('error', () => undefined);
        for (const w of this.waiters.splice(0)) w();
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${this.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    return this;
  }

  /** The n-th stream (0-based) once it has arrived. */
  async stream(n: number): Promise<RawPeerStream> {
    while (this.streams.length <= n) await new Promise<void>((r) => this.waiters.push(r));
    return this.streams[n]!;
  }

  stop(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}

/** Collects every message of a readable side until it ends. */
function collect(stream: NodeJS.ReadableStream): Buffer[] {
  const got: Buffer[] = [];
  stream.on('data', (b: Buffer) => got.push(b));
  return got;
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const statusOf = (stream: RawReplicaStream) => new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));

function chaincodeMessage(type: number, txId: string, payload: Uint8Array = new Uint8Array()): Buffer {
  const m = new peer.ChaincodeMessage();
  m.setType(type as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
  m.setTxid(txId);
  m.setChannelId('mychannel');
  m.setPayload(payload);
  return Buffer.from(m.serializeBinary());
}

/** A valid message followed by field 99 (a string), which this version of the protos does not know. */
const withUnknownField = Buffer.concat([chaincodeMessage(peer.ChaincodeMessage.Type.KEEPALIVE, ''), Buffer.from([0x9a, 0x06, 0x03, 0x6e, 0x65, 0x77])]);

describe('sidecar proxy', () => {
  let replica: RawReplica;
  let metrics: SidecarMetrics;
  let sidecar: Sidecar;
  let client: grpc.Client;

  const open = () => {
    const call = connectRaw(client, new grpc.Metadata());
    call.on('error', () => undefined);
    return call;
  };
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const m = await metrics.registry.getSingleMetric(name)!.get();
    return m.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
  };

  beforeEach(async () => {
    replica = await new RawReplica().start();
    metrics = new SidecarMetrics();
    sidecar = await startSidecar({ listen: '127.0.0.1:0', replica: `127.0.0.1:${replica.port}`, chaincode: 'marbles', peer: 'peer0' }, new Telemetry(metrics, undefined));
    client = new grpc.Client(sidecar.address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1, 'grpc.max_receive_message_length': -1 });
  });

  afterEach(async () => {
    client.close();
    await sidecar.close();
    replica.stop();
  });

  it('forwards a corpus of malformed, unknown and large messages byte for byte both ways, counting the malformed', async () => {
    const corpus = [
      Buffer.from([0x0a, 0xff, 0xff]), // length past the end: malformed
      Buffer.from([0x08]), // unterminated varint: malformed
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // bad tag: malformed
      Buffer.alloc(0), // an empty message is a valid (all-default) ChaincodeMessage
      withUnknownField, // re-encoding would drop field 99
      chaincodeMessage(99, 'tx-unknown-type'), // a type this version does not know
      chaincodeMessage(peer.ChaincodeMessage.Type.TRANSACTION, 'tx-big', Buffer.alloc(5 * 1024 * 1024, 7)), // above gRPC's 4 MB default
    ];
    const malformed = 3 + 1; // and the big TRANSACTION's payload is no ChaincodeInput
    const call = open();
    const toPeer = collect(call);
    const up = await replica.stream(0);
    const toReplica = collect(up);
    for (const m of corpus) call.write(m);
    for (const m of corpus) up.write(m);
    await until('the corpus both ways', () => toReplica.length === corpus.length && toPeer.length === corpus.length);

    expect(toReplica.map((b) => b.toString('hex'))).toEqual(corpus.map((b) => b.toString('hex')));
    expect(toPeer.map((b) => b.toString('hex'))).toEqual(corpus.map((b) => b.toString('hex')));
    expect(await value('mictract_sidecar_malformed_messages_total', { direction: 'to_chaincode' })).toBe(malformed);
    expect(await value('mictract_sidecar_malformed_messages_total', { direction: 'to_peer' })).toBe(3);
    expect(await value('mictract_sidecar_messages_total', { direction: 'to_chaincode' })).toBe(corpus.length);

    const status = statusOf(call);
    call.end();
    await once(up, 'end');
    up.end();
    expect((await status).code).toBe(grpc.status.OK);
  }, 30_000);

  it('passes the replica status, details and trailers to the peer after the last message', async () => {
    const call = open();
    const got = collect(call);
    const up = await replica.stream(0);
    up.write(Buffer.from('last words'));
    const trailers = new grpc.Metadata();
    trailers.set('x-why', 'testing');
    up.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'replica says no', metadata: trailers });
    const status = await statusOf(call);
    expect(got.map(String)).toEqual(['last words']);
    expect(status).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'replica says no' });
    expect(status.metadata.get('x-why')).toEqual(['testing']);
    expect(await value('mictract_sidecar_streams_broken_total', { cause: 'replica' })).toBe(1);
  }, 30_000);

  it('pauses the peer while the replica does not read, and delivers everything in order once it does', async () => {
    const call = open();
    const up = await replica.stream(0);
    up.pause();
    const size = 256 * 1024;
    const total = 200; // 50 MB: far more than the buffers between peer and replica
    let written = 0;
    let blocked = false;
    const writeMore = () => {
      while (written < total) {
        const more = call.write(Buffer.alloc(size, written % 256));
        written++;
        if (!more) {
          blocked = true;
          call.once('drain', () => {
            blocked = false;
            writeMore();
          });
          return;
        }
      }
    };
    writeMore();
    // Wait until the peer is blocked and the sidecar's count stops moving: it stopped reading.
    let last = -1;
    let steady = 0;
    await until('the sidecar to stop forwarding', () => {
      void value('mictract_sidecar_messages_total', { direction: 'to_chaincode' }).then((n) => {
        steady = n === last && blocked ? steady + 1 : 0;
        last = n;
      });
      return steady >= 5;
    });
    expect(last).toBeLessThan(total);
    expect(written).toBeLessThan(total);

    const got: Buffer[] = [];
    up.on('data', (b: Buffer) => got.push(b));
    up.resume();
    await until('all messages at the replica', () => got.length === total, 60_000);
    expect(got.every((b, i) => b.length === size && b[0] === i % 256 && b[size - 1] === i % 256)).toBe(true);
  }, 90_000);

  it('ends the stream as a dead replica would (UNAVAILABLE) and serves the next stream once the replica is back', async () => {
    replica.stop();
    const direct = new grpc.Client(`127.0.0.1:${replica.port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    const withoutSidecar = connectRaw(direct, new grpc.Metadata());
    withoutSidecar.on('error', () => undefined);
    const throughSidecar = open();
    const [a, b] = await Promise.all([statusOf(withoutSidecar), statusOf(throughSidecar)]);
    direct.close();
    expect(a.code).toBe(grpc.status.UNAVAILABLE);
    expect(b.code).toBe(a.code);
    expect(b.details).toBe(a.details);
    expect(await value('mictract_sidecar_streams_broken_total', { cause: 'replica' })).toBe(1);

    await replica.start(); // the same port
    const call = open();
    const got = collect(call);
    const up = await replica.stream(0);
    up.write(Buffer.from('hello again'));
    await until('the first message of the new stream', () => got.length === 1);
    expect(String(got[0])).toBe('hello again');
  }, 30_000);

  it('cancels the replica stream when the peer cancels', async () => {
    const call = open();
    const up = await replica.stream(0);
    const cancelled = once(up, 'cancelled');
    call.cancel();
    await cancelled;
    expect(await value('mictract_sidecar_streams_broken_total', { cause: 'peer' })).toBe(1);
    expect(await value('mictract_sidecar_streams_active')).toBe(0);
  }, 30_000);
});
