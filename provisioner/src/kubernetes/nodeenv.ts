import { FABRIC_PROGRAMS, type FabricInstall, type FabricProgram } from '../fabricbinaries';
import { ordererProcess, peerProcess } from '../fabric/nodeconfig';
import type { Network, OrdererNode, Organization, PeerNode } from '../networkspec/network';
import { ANY, clusterView } from './clusterview';
import { CONTAINER_CRYPTO_ROOT } from './material';

// The environment of each orderer and peer container: the local target's own (fabric/nodeconfig),
// computed on the cluster view of the network (so addresses are Service names), with three
// differences a pod needs: listeners bind every interface, paths are the container's (crypto tree
// under CONTAINER_CRYPTO_ROOT, ledgers on the PersistentVolume), and the image's own PATH and
// config are kept (the orderer reads the image's orderer.yaml; the peer a core.yaml without Docker).

/** Where each node's PersistentVolume is mounted: <DATA_ROOT>/<fqdn>, as the local target's data folder. */
export const DATA_ROOT = '/var/mictract';
/** Where the peer's core.yaml (ConfigMap fabric-peer-config) is mounted. */
export const PEER_CONFIG_DIR = '/etc/mictract/config';
/** The official images' own config folder (orderer.yaml, core.yaml). */
export const IMAGE_CONFIG_DIR = '/etc/hyperledger/fabric';
/** Where the official fabric-peer image keeps the CCaaS external builder (bin/detect, build, release). */
export const IMAGE_CCAAS_BUILDER = '/opt/hyperledger/ccaas_builder';

/** Variables that name an address to bind rather than to dial. */
const LISTEN_KEYS = [
  'ORDERER_GENERAL_LISTENADDRESS',
  'ORDERER_GENERAL_CLUSTER_LISTENADDRESS',
  'ORDERER_ADMIN_LISTENADDRESS',
  'ORDERER_OPERATIONS_LISTENADDRESS',
  'CORE_PEER_LISTENADDRESS',
  'CORE_PEER_CHAINCODELISTENADDRESS',
  'CORE_OPERATIONS_LISTENADDRESS',
];

/** The images' programs: only the builder folder reaches the environment. */
function imageInstall(network: Network): FabricInstall {
  const programs = Object.fromEntries(FABRIC_PROGRAMS.map((p) => [p, `/usr/local/bin/${p}`])) as Record<FabricProgram, string>;
  return { line: network.fabric, bin: '/usr/local/bin', config: IMAGE_CONFIG_DIR, builderDir: IMAGE_CCAAS_BUILDER, programs };
}

function containerEnv(env: Readonly<Record<string, string>>, cryptoRoot: string, configDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k === 'PATH') continue; // the image's own
    out[k] = v.split(cryptoRoot).join(CONTAINER_CRYPTO_ROOT);
  }
  for (const k of LISTEN_KEYS) {
    const v = out[k];
    if (v === undefined) continue;
    // host:port or a bare host (ORDERER_GENERAL_LISTENADDRESS)
    out[k] = v.includes(':') ? `${ANY}:${v.slice(v.lastIndexOf(':') + 1)}` : ANY;
  }
  out.FABRIC_CFG_PATH = configDir;
  return out;
}

const dirs = (cryptoRoot: string) => ({ crypto: cryptoRoot, config: PEER_CONFIG_DIR, data: DATA_ROOT });

/** `cryptoRoot` is the local folder the material was generated in (peers read the chaincode TLS CA from it). */
export function ordererEnv(network: Network, node: OrdererNode, cryptoRoot: string): Record<string, string> {
  const view = clusterView(network);
  const n = view.ordererOrg.nodes.find((o) => o.name === node.name)!;
  return containerEnv(ordererProcess(view, n, imageInstall(network), dirs(cryptoRoot)).env ?? {}, cryptoRoot, IMAGE_CONFIG_DIR);
}

export function peerEnv(network: Network, org: Organization, peer: PeerNode, cryptoRoot: string): Record<string, string> {
  const view = clusterView(network);
  const o = view.organizations.find((x) => x.name === org.name)!;
  const p = o.peers.find((x) => x.name === peer.name)!;
  // the builder config in the environment: a new chaincode changes the StatefulSet's pod template anyway
  return containerEnv(peerProcess(view, o, p, imageInstall(network), dirs(cryptoRoot), { builderConfig: 'env' }).env ?? {}, cryptoRoot, PEER_CONFIG_DIR);
}
