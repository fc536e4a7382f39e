import { Endpoint, startEndpoint } from './endpoint';
import { MarblesReplica, registeredChaincodeId } from './testing';

// The real thing: two marbles chaincode servers (CCaaS, fabric-shim server
// mode) behind one endpoint, reached the way a peer reaches its chaincode:
// gRPC protos.Chaincode/Connect, whose first message is REGISTER with the
// chaincode id. The replicas get different ids so we can see who answered.

describe('endpoint in front of two marbles chaincode servers', () => {
  let r0: MarblesReplica | undefined;
  let r1: MarblesReplica | undefined;
  let endpoint: Endpoint | undefined;

  beforeAll(async () => {
    [r0, r1] = await Promise.all([MarblesReplica.start('marbles:r0'), MarblesReplica.start('marbles:r1')]);
    endpoint = await startEndpoint({ listen: { host: '127.0.0.1', port: 0 }, backends: [r0.address, r1.address] });
  }, 60_000);

  afterAll(async () => {
    await endpoint?.close();
    await Promise.all([r0?.stop(), r1?.stop()]);
  });

  it('spreads peer connections over the replicas and skips one that was killed', async () => {
    const ep = endpoint!;
    // Each call is a new channel on its own TCP connection, so each is balanced anew.
    expect(await registeredChaincodeId(ep.address)).toBe('marbles:r0');
    expect(await registeredChaincodeId(ep.address)).toBe('marbles:r1');

    await r0!.stop('SIGKILL');
    const after = [];
    for (let i = 0; i < 3; i++) after.push(await registeredChaincodeId(ep.address));
    expect(after).toEqual(['marbles:r1', 'marbles:r1', 'marbles:r1']);

    const [s0, s1] = ep.stats().backends;
    expect(s0).toMatchObject({ opened: 1, failed: 2, state: 'down', lastFailure: 'ECONNREFUSED' });
    expect(s1).toMatchObject({ opened: 4, failed: 0, state: 'up' });
    expect(ep.stats().refused).toBe(0);
  }, 60_000);
});
