import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { generateCrypto } from './generate';
import { readTlsMaterial, type TlsMaterial } from './identity';
import { nodePaths, userPaths, type OrgRef } from './layout';
import { tempRoot, TWO_ORG_SPEC } from './testing';

const org1: OrgRef = { kind: 'peer', domain: 'org1.example.com' };
const org2: OrgRef = { kind: 'peer', domain: 'org2.example.com' };

let cleanup: () => Promise<void>;
let peer1: TlsMaterial;
let user1: TlsMaterial;
let user2: TlsMaterial;

beforeAll(async () => {
  const t = await tempRoot();
  cleanup = t.cleanup;
  await generateCrypto(TWO_ORG_SPEC, t.dir);
  peer1 = await readTlsMaterial(nodePaths(t.dir, org1, 'peer0').tls);
  user1 = await readTlsMaterial(userPaths(t.dir, org1, 'User1').tls);
  user2 = await readTlsMaterial(userPaths(t.dir, org2, 'User1').tls);
});

afterAll(() => cleanup());

interface Outcome {
  client: { authorized: boolean; error?: string; data: string };
  server: { authorized: boolean; error?: string; peerCn?: string };
}

/**
 * Mutual TLS between a server and a client, both verifying the other side.
 * Resolves once the server has decided and the client socket has closed.
 */
async function handshake(server: TlsMaterial, client: { ca: Buffer; cert: Buffer; key: Buffer }, servername: string): Promise<Outcome> {
  const srv = tls.createServer({ cert: server.cert, key: server.key, ca: server.ca, requestCert: true, rejectUnauthorized: true });
  const serverSide = new Promise<Outcome['server']>((resolve) => {
    srv.on('secureConnection', (socket) => {
      const cn = socket.getPeerCertificate().subject?.CN;
      resolve({ authorized: socket.authorized, peerCn: Array.isArray(cn) ? cn.join() : cn });
      socket.end('hello');
    });
    srv.on('tlsClientError', (err) => resolve({ authorized: false, error: err.message }));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  try {
    const clientSide = new Promise<Outcome['client']>((resolve) => {
      const result: Outcome['client'] = { authorized: false, data: '' };
      const socket = tls.connect({ host: '127.0.0.1', port, servername, ...client, rejectUnauthorized: true });
      socket.on('secureConnect', () => (result.authorized = socket.authorized));
      socket.on('data', (d: Buffer) => (result.data += d.toString()));
      socket.on('error', (err: NodeJS.ErrnoException) => (result.error = err.code ?? err.message));
      socket.on('close', () => resolve(result));
    });
    const [clientResult, serverResult] = await Promise.all([clientSide, serverSide]);
    return { client: clientResult, server: serverResult };
  } finally {
    await new Promise((resolve) => srv.close(resolve));
  }
}

test("a user's client cert and a peer's server cert complete mutual TLS under the org's TLS CA", async () => {
  const r = await handshake(peer1, user1, 'peer0.org1.example.com');
  expect(r.server).toEqual({ authorized: true, peerCn: 'User1@org1.example.com' });
  expect(r.client).toEqual({ authorized: true, data: 'hello' });
});

test('the peer certificate is valid for its short name and localhost too', async () => {
  for (const name of ['peer0', 'localhost']) {
    const r = await handshake(peer1, user1, name);
    expect(r.client).toEqual({ authorized: true, data: 'hello' });
  }
});

test("a client trusting another org's TLS CA rejects the peer", async () => {
  const r = await handshake(peer1, user2, 'peer0.org1.example.com');
  expect(r.client.authorized).toBe(false);
  // The server sends its TLS CA along with its cert, hence "self-signed in chain".
  expect(r.client.error).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  expect(r.client.data).toBe('');
});

test("the peer rejects a client certificate from another org's TLS CA", async () => {
  // Trusts org1 (so the client accepts the peer) but presents org2's certificate.
  const r = await handshake(peer1, { ...user2, ca: user1.ca }, 'peer0.org1.example.com');
  expect(r.server.authorized).toBe(false);
  // Node's server drops the connection on a failed client verification, so the
  // reason surfaces only as a hang-up; what matters is that no session was accepted.
  expect(r.server.error).toBeDefined();
  expect(r.client.data).toBe('');
});

test('a name not in the SANs is refused', async () => {
  const r = await handshake(peer1, user1, 'peer1.org1.example.com');
  expect(r.client.error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  expect(r.client.data).toBe('');
});
