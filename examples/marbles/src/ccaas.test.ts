// Starts the built chaincode the way a CCaaS deployment does and checks it
// speaks the peer protocol. Needs dist/ from `npm run build`.
import * as grpc from '@grpc/grpc-js';
import { peer } from '@hyperledger/fabric-protos';

import { MarblesReplica } from './testing/ccaasserver';

const CHAINCODE_ID = 'marbles:abc';
const DEADLINE_MS = 20_000;

describe('CCaaS server (dist/index.js via fabric-chaincode-node server)', () => {
  let server: MarblesReplica | undefined;
  let client: peer.ChaincodeClient | undefined;

  afterEach(async () => {
    client?.close();
    await server?.stop();
  });

  it('accepts a peer connection and sends REGISTER with its chaincode id first', async () => {
    // fails with "…dist/index.js is missing: run `npm run build`…" when not built
    server = await MarblesReplica.start(CHAINCODE_ID);
    const c = new peer.ChaincodeClient(`${server.address.host}:${server.address.port}`, grpc.credentials.createInsecure());
    client = c;

    const stream = c.connect();
    stream.on('error', () => undefined); // cancellation at teardown is expected
    let timer: NodeJS.Timeout | undefined;
    const firstMessage = new Promise<peer.ChaincodeMessage>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
      timer = setTimeout(() => reject(new Error(`no message within ${DEADLINE_MS} ms`)), DEADLINE_MS);
    });
    const msg = await firstMessage.finally(() => clearTimeout(timer));
    stream.cancel();

    expect(msg.getType()).toBe(peer.ChaincodeMessage.Type.REGISTER);
    expect(peer.ChaincodeID.deserializeBinary(msg.getPayload_asU8()).getName()).toBe(CHAINCODE_ID);
  }, 30_000);
});
