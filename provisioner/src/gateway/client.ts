import * as grpc from '@grpc/grpc-js';
import { type Contract, type Gateway, connect, hash, signers } from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { nodePaths, userPaths } from '../crypto/layout';
import type { Network, Organization, PeerNode } from '../networkspec/network';
import { UsageError } from '../statedir';

// A Fabric Gateway client for a local network: TLS to one of the org's peers, as one of the org's
// users (the workload's User1 by default). Used by invoke/query, the demo workload and the tests.

export interface GatewayConnection {
  readonly gateway: Gateway;
  readonly client: grpc.Client;
  readonly org: Organization;
  readonly peer: PeerNode;
  contract(chaincode: string): Contract;
  close(): void;
}

export interface ConnectOptions {
  readonly org?: string;
  readonly user?: string;
  /** Index of the org's peer to connect to (default 0). */
  readonly peer?: number;
}

export function findOrg(network: Network, name: string | undefined): Organization {
  if (name === undefined) return network.organizations[0]!;
  const org = network.organizations.find((o) => o.name.toLowerCase() === name.toLowerCase() || o.mspId === name);
  if (!org) throw new UsageError(`--org: no organization "${name}" in network ${network.name}; known: ${network.organizations.map((o) => o.name).join(', ')}`);
  return org;
}

export async function connectGateway(network: Network, cryptoRoot: string, opts: ConnectOptions = {}): Promise<GatewayConnection> {
  const org = findOrg(network, opts.org);
  const peer = org.peers[opts.peer ?? 0];
  if (!peer) throw new UsageError(`--peer: ${org.name} has ${org.peers.length} peer(s), numbered from 0`);
  const ref = { kind: 'peer' as const, domain: org.domain };
  const user = userPaths(cryptoRoot, ref, opts.user ?? 'User1');
  const [tlsCa, cert, key] = await Promise.all([
    readFile(nodePaths(cryptoRoot, ref, peer.name).tls.ca),
    readFile(user.msp.signcert).catch(() => {
      throw new UsageError(`--user: no identity ${opts.user ?? 'User1'} in ${org.name} (looked for ${user.msp.signcert})`);
    }),
    readFile(user.msp.key),
  ]);
  const client = new grpc.Client(`${peer.listen.host}:${peer.listen.port}`, grpc.credentials.createSsl(tlsCa), { 'grpc.ssl_target_name_override': peer.fqdn });
  const gateway = connect({
    client,
    identity: { mspId: org.mspId, credentials: cert },
    signer: signers.newPrivateKeySigner(createPrivateKey(key)),
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 10_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  return {
    gateway,
    client,
    org,
    peer,
    contract: (chaincode) => gateway.getNetwork(network.channel).getContract(chaincode),
    close: () => {
      gateway.close();
      client.close();
    },
  };
}
