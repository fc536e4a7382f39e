import type { CryptoSpec } from './crypto/types';
import type { Network } from './networkspec/network';

/** Users every peer org gets: Admin (channel and lifecycle operations) and User1 (the workload's client). */
export const PEER_ORG_USERS = ['Admin', 'User1'];

/** The identities a network needs, in the crypto generator's terms. */
export function cryptoSpecOf(network: Network): CryptoSpec {
  const orderer = network.ordererOrg;
  return {
    orderers: { name: orderer.name, domain: orderer.domain, mspId: orderer.mspId, hosts: orderer.nodes.map((n) => n.name), users: ['Admin'] },
    orgs: network.organizations.map((org) => ({
      name: org.name,
      domain: org.domain,
      mspId: org.mspId,
      peers: org.peers.map((p) => p.name),
      users: PEER_ORG_USERS,
      // each org serves its own chaincode replicas, with TLS from its own TLS CA
      services: network.chaincodes.map((cc) => cc.service),
    })),
  };
}
