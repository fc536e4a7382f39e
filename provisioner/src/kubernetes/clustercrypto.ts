import path from 'node:path';
import { generateCrypto } from '../crypto';
import type { CryptoSummary } from '../crypto/types';
import { cryptoSpecOf } from '../networkcrypto';
import type { Network } from '../networkspec/network';
import { networkDir } from '../statedir';
import { chaincodeName, ordererName, peerName } from './names';

// The crypto material of a network on Kubernetes: the same identities as the local target
// (cryptoSpecOf), in their own folder, with each TLS server certificate also naming the Service
// that reaches it in the cluster (peer0-org1, marbles-blue-org1), since pods dial those names.
// Kept apart from the local target's folder so neither re-issues the other's certificates.

export function clusterCryptoDir(network: Network, home?: string): string {
  return path.join(networkDir(network.name, home), 'kubernetes', 'crypto');
}

/** The Service names each TLS server certificate must carry, by the certificate's CN. */
export function clusterSans(network: Network): Record<string, string[]> {
  const sans: Record<string, string[]> = {};
  for (const o of network.ordererOrg.nodes) sans[o.fqdn] = [ordererName(o)];
  for (const org of network.organizations) {
    for (const p of org.peers) sans[p.fqdn] = [peerName(org, p)];
    for (const cc of network.chaincodes) sans[`${cc.service}.${org.domain}`] = cc.slots.map((slot) => chaincodeName(cc, slot, org));
  }
  return sans;
}

/** Creates what is missing under `dir` and keeps the rest (as `mictract crypto` does). */
export function ensureClusterCrypto(network: Network, dir: string): Promise<CryptoSummary> {
  return generateCrypto(cryptoSpecOf(network), dir, { extraSans: clusterSans(network) });
}
