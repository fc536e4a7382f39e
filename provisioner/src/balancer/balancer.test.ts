import * as grpc from '@grpc/grpc-js';
import { RawChaincodeService, type RawPeerStream } from '@mictract/exporter/dist/sidecar/rawchaincodeservice';
import { makeTestCerts, type TestCerts } from '@mictract/exporter/dist/sidecar/testcerts';
import { TestPeer, type InvokeResult } from '@mictract/exporter/dist/sidecar/testpeer';
import { MarblesServer } from '@mictract/exporter/dist/sidecar/testreplica';
import { freePort, until } from '../testing/wait';
import { startBalancer, type Balancer } from './balancer';
import { decodeShimMessage, encodeFields, frame, MessageType } from './shimframes';

// The balancer between a stand-in peer (exporter's TestPeer: real shim protocol, world state in
// memory) and real marbles replicas (fabric-shim server mode) on loopback; the real-peer test is
// balancer.e2e.test.ts.

const ID = 'marbles_1.0:balancertest';

// 300 invocations through real replicas took 58 s once, with a Fabric network starting beside it on 2 cores
jest.setTimeout(180_000);

async function metric(b: Balancer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await b.metrics.registry.getSingleMetric(name)!.get();
  return m.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

/** A replica speaking raw Connect: registers as `id`, answers each TRANSACTION with COMPLETED 200, and can misbehave. */
class RawReplica {
  server = new grpc.Server();
  port = 0;
  misbehave = false;
  /** Sent as response metadata `mictract-pod`, as a sidecar does. */
  constructor(private readonly pod?: string) {}
  async start(id: string): Promise<this> {
    this.server.addService(RawChaincodeService, {
      connect: (call: RawPeerStream) => {
        call.on('error', () => undefined);
        if (this.pod) {
          const md = new grpc.Metadata();
          md.set('mictract-pod', this.pod);
          call.sendMetadata(md);
        }
        call.write(frame(MessageType.REGISTER, '', '', encodeFields([[2, id]])));
        call.on('data', (raw: Buffer) => {
          const m = decodeShimMessage(raw)!;
          if (m.type !== MessageType.TRANSACTION) return;
          if (this.misbehave) {
            this.misbehave = false;
            call.write(Buffer.from([0xff, 0xff, 0xff, 0xff])); // not a ChaincodeMessage
            call.write(frame(MessageType.COMPLETED, 'f'.repeat(64), m.channelId, okResponse('stray'))); // a tx it does not hold
          }
          call.write(frame(MessageType.COMPLETED, m.txId, m.channelId, okResponse('raw')));
        });
      },
    });
    this.port = await new Promise((res, rej) => this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    return this;
  }
}

/** A Fabric Response { status = 1; message = 2; payload = 3 } with status 200. */
function okResponse(payload: string): Uint8Array {
  return encodeFields([[1, 200], [3, Buffer.from(payload)]]);
}

describe('chaincode balancer (stand-in peer, real marbles replicas)', () => {
  let certs: TestCerts;
  const replicas: MarblesServer[] = [];
  let balancer: Balancer;
  let testPeer: TestPeer;
  const logs: string[] = [];

  beforeAll(async () => {
    certs = makeTestCerts();
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    replicas.push(...(await Promise.all(ports.map((p) => MarblesServer.start(ID, p)))));
    balancer = await startBalancer({
      listen: '127.0.0.1:0',
      tls: { cert: certs.serverCert, key: certs.serverKey },
      replicas: replicas.map((r) => r.address),
      log: (l) => logs.push(l),
      retryMinMs: 50,
      retryMaxMs: 300,
    });
    testPeer = await TestPeer.connect(balancer.address, { tls: { rootCert: certs.caCert }, creatorCert: certs.creatorCert });
  }, 60_000);

  afterAll(async () => {
    testPeer?.close();
    await balancer?.close();
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    certs?.remove();
  });

  const ready = async (n: number) => until(async () => (await metric(balancer, 'mictract_balancer_replicas_up')) === n, `${n} replicas up`, 20_000);

  it('registers once with the peer and spreads invocations over every replica, with correct results', async () => {
    expect(testPeer.registeredAs).toBe(ID);
    await ready(3);
    const created = await Promise.all(Array.from({ length: 150 }, (_, i) => testPeer.invoke('initMarble', [`m${i}`, 'red', String(i + 1), 'tom']).result));
    expect(created.filter((r) => r.type !== 'COMPLETED' || r.status !== 200)).toEqual([]);
    const read = await Promise.all(Array.from({ length: 150 }, (_, i) => testPeer.invoke('readMarble', [`m${i}`]).result));
    expect(read.map((r) => JSON.parse(r.payload).size)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    for (const r of replicas) expect(await metric(balancer, 'mictract_balancer_invocations_assigned_total', { replica: r.address })).toBeGreaterThanOrEqual(60); // of 300
    expect(await metric(balancer, 'mictract_balancer_invocations_in_flight')).toBe(0);
  });

  it('fails only the invocations in flight on a killed replica, serves the rest, and takes the replica back', async () => {
    const victim = replicas[1]!;
    const before = await metric(balancer, 'mictract_balancer_invocations_assigned_total', { replica: victim.address });
    // simulateWork holds each invocation 1.5 s on its replica, so 60 are in flight when the kill lands
    const slow = Array.from({ length: 60 }, () => testPeer.invoke('simulateWork', ['1500']).result);
    await until(async () => (await metric(balancer, 'mictract_balancer_invocations_in_flight', { replica: victim.address })) === 20, 'victim holds 20');
    await victim.stop('SIGKILL');
    const results: InvokeResult[] = await Promise.all(slow);
    const failed = results.filter((r) => r.type === 'ERROR');
    expect(failed).toHaveLength(20);
    expect(failed[0]!.message).toMatch(/replica .* was lost/);
    expect(results.filter((r) => r.type === 'COMPLETED' && r.status === 200)).toHaveLength(40);
    expect(await metric(balancer, 'mictract_balancer_invocations_failed_total', { replica: victim.address })).toBe(20);
    expect(await metric(balancer, 'mictract_balancer_replicas_up')).toBe(2);
    const after = await Promise.all(Array.from({ length: 40 }, (_, i) => testPeer.invoke('readMarble', [`m${i}`]).result));
    expect(after.every((r) => r.type === 'COMPLETED' && r.status === 200)).toBe(true);
    expect(await metric(balancer, 'mictract_balancer_invocations_assigned_total', { replica: victim.address })).toBe(before + 20);

    replicas[1] = await MarblesServer.start(ID, victim.port);
    await ready(3);
    await Promise.all(Array.from({ length: 30 }, (_, i) => testPeer.invoke('readMarble', [`m${i}`]).result));
    expect(await metric(balancer, 'mictract_balancer_invocations_assigned_total', { replica: victim.address })).toBeGreaterThanOrEqual(before + 25);
    expect(balancer.sessions()).toBe(1); // the peer's stream was never replaced
  });

  it('drops a malformed message and a response for a tx the replica does not hold, counting both; the stream survives', async () => {
    const raw = await new RawReplica().start(ID);
    const b = await startBalancer({ listen: '127.0.0.1:0', replicas: [replicas[0]!.address, `127.0.0.1:${raw.port}`], log: (l) => logs.push(l) });
    const p = await TestPeer.connect(b.address, { creatorCert: certs.creatorCert });
    try {
      await until(async () => (await metric(b, 'mictract_balancer_replicas_up')) === 2, 'both up');
      raw.misbehave = true;
      const results = await Promise.all(Array.from({ length: 20 }, () => p.invoke('readMarble', ['none']).result));
      expect(results.every((r) => r.type === 'COMPLETED')).toBe(true);
      expect(results.filter((r) => r.payload === 'raw').length).toBeGreaterThan(0);
      const rawAddr = `127.0.0.1:${raw.port}`;
      expect(await metric(b, 'mictract_balancer_messages_dropped_total', { replica: rawAddr, reason: 'malformed' })).toBe(1);
      expect(await metric(b, 'mictract_balancer_messages_dropped_total', { replica: rawAddr, reason: 'unknown_key' })).toBe(1);
      expect(logs.some((l) => l.includes(`replica ${rawAddr}: dropped`))).toBe(true);
      const again = await Promise.all(Array.from({ length: 4 }, () => p.invoke('readMarble', ['none']).result));
      expect(again.every((r) => r.type === 'COMPLETED')).toBe(true);
      expect(b.sessions()).toBe(1);
    } finally {
      p.close();
      await b.close();
      raw.server.forceShutdown();
    }
  });

  it('names a replica by the pod its sidecar gives (a valid name only), in replica_info and in its log lines', async () => {
    const named = await new RawReplica('marbles-blue-org1-0').start(ID);
    const odd = await new RawReplica('Not a pod!').start(ID);
    const [namedAddr, oddAddr] = [`127.0.0.1:${named.port}`, `127.0.0.1:${odd.port}`];
    const b = await startBalancer({ listen: '127.0.0.1:0', replicas: [namedAddr, oddAddr], log: (l) => logs.push(l) });
    const p = await TestPeer.connect(b.address, { creatorCert: certs.creatorCert });
    try {
      await until(async () => (await metric(b, 'mictract_balancer_replicas_up')) === 2, 'both up');
      const info = (await b.metrics.registry.getSingleMetric('mictract_balancer_replica_info')!.get()).values;
      expect(info.map((v) => [v.labels.replica, v.labels.pod, v.value])).toEqual([[namedAddr, 'marbles-blue-org1-0', 1]]);
      named.server.forceShutdown();
      await until(async () => logs.some((l) => l.startsWith(`replica marbles-blue-org1-0 (${namedAddr}) out:`)), 'the loss logged with the pod name');
      const results = await Promise.all(Array.from({ length: 4 }, () => p.invoke('readMarble', ['none']).result));
      expect(results.every((r) => r.type === 'COMPLETED' && r.payload === 'raw')).toBe(true);
    } finally {
      p.close();
      await b.close();
      odd.server.forceShutdown();
    }
  });

  it('ends the peer stream when no replica is left', async () => {
    const lone = await MarblesServer.start(ID, await freePort());
    const b = await startBalancer({ listen: '127.0.0.1:0', replicas: [lone.address] });
    const p = await TestPeer.connect(b.address, { creatorCert: certs.creatorCert });
    await lone.stop('SIGKILL');
    const status = await p.closed;
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    expect(status.details).toMatch(/no chaincode replica left/);
    expect(await metric(b, 'mictract_balancer_peer_streams_ended_total', { reason: 'no_replica' })).toBe(1);
    expect(await metric(b, 'mictract_balancer_peer_streams_ended_total', { reason: 'peer' })).toBe(0);
    p.close();
    await b.close();
  });
});
