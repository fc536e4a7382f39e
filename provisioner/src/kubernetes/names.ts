import type { Chaincode, ChaincodeSlot, Network, OrdererNode, Organization, PeerNode } from '../networkspec/network';

// What each part of the network is called in the cluster, and the labels every object carries.
// Names are the network's own (orderer0, peer0 of Org1, marbles' blue slot of Org1), made DNS labels:
// they double as Service names, so pods reach each other by them (and the TLS certificates carry them).

export const MANAGED_BY = 'mictract';
/** The field manager of every server-side apply. */
export const FIELD_MANAGER = 'mictract';

export const ordererName = (node: OrdererNode): string => node.name.toLowerCase();
export const peerName = (org: Organization | string, peer: PeerNode | string): string =>
  `${typeof peer === 'string' ? peer : peer.name}-${(typeof org === 'string' ? org : org.name).toLowerCase()}`.toLowerCase();
/** One org's replicas of one slot of a chaincode: the Deployment and the Service in front of it (the local target's per-org endpoint). */
export const chaincodeName = (cc: Chaincode, slot: ChaincodeSlot | string, org: Organization | string): string =>
  `${cc.service}-${typeof slot === 'string' ? slot : slot.name}-${(typeof org === 'string' ? org : org.name).toLowerCase()}`;
/** One org's chaincode balancer of one slot: its Deployment (the Service named chaincodeName selects its pods). */
export const balancerName = (cc: Chaincode, slot: ChaincodeSlot | string, org: Organization | string): string => `${chaincodeName(cc, slot, org)}-balancer`;
/** The headless Service of one org's replicas of one slot: one DNS address per Ready replica, which the balancer resolves. */
export const replicasServiceName = (cc: Chaincode, slot: ChaincodeSlot | string, org: Organization | string): string => `${chaincodeName(cc, slot, org)}-replicas`;
/** app.kubernetes.io/name of every balancer, and the scrape job the local target gives them. */
export const BALANCER_APP = 'mictract-balancer';
export const EXPORTER_NAME = 'mictract-exporter';
export const PEER_CONFIG_NAME = 'fabric-peer-config';

export type Component = 'orderer' | 'peer' | 'chaincode' | 'chaincode-balancer' | 'exporter';

/** The recommended labels (app.kubernetes.io/*) plus where in the network an object belongs. */
export interface LabelParts {
  readonly network: Network;
  /** The application: fabric-orderer, fabric-peer, the chaincode's name, mictract-balancer, mictract-exporter. */
  readonly app: string;
  /** This instance of it: the object's own name (orderer0, peer0-org1, marbles-blue-org1). */
  readonly instance: string;
  readonly component: Component;
  readonly version: string;
  readonly org?: string;
  readonly chaincode?: string;
  readonly slot?: string;
}

/**
 * A label value (at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends): a version such as
 * "2.1+rc1" becomes "2.1_rc1", an image reference its tag.
 */
export function labelValue(s: string): string {
  const tag = s.includes('/') || s.includes('@') ? (s.split('@')[0]!.split('/').pop()!.split(':')[1] ?? 'latest') : s;
  return tag.replace(/[^-_.A-Za-z0-9]/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export function labels(p: LabelParts): Record<string, string> {
  return {
    'app.kubernetes.io/name': p.app,
    'app.kubernetes.io/instance': p.instance,
    'app.kubernetes.io/version': labelValue(p.version),
    'app.kubernetes.io/component': p.component,
    'app.kubernetes.io/part-of': p.network.name,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    ...(p.org ? { 'mictract.dev/org': p.org } : {}),
    ...(p.chaincode ? { 'mictract.dev/chaincode': p.chaincode } : {}),
    ...(p.slot ? { 'mictract.dev/slot': p.slot } : {}),
  };
}

/** What a workload's pods are selected by (a subset of their labels that never changes on upgrade). */
export function selector(l: Record<string, string>): Record<string, string> {
  return { 'app.kubernetes.io/instance': l['app.kubernetes.io/instance']!, 'app.kubernetes.io/part-of': l['app.kubernetes.io/part-of']! };
}

/** Every object `up` made for a network, and nothing else: what `down` deletes. */
export function networkSelector(networkName: string): string {
  return `app.kubernetes.io/managed-by=${MANAGED_BY},app.kubernetes.io/part-of=${networkName}`;
}
