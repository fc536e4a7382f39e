import path from 'node:path';
import { genesisBlock, joinOrderers, joinPeers, waitRaftLeader } from '../fabric/channel';
import { approveForOrgs, commitDefinition, installEverywhere, queryCommitted, wantedDefinition, writePackage } from '../fabric/lifecycle';
import { writeNodeConfig } from '../fabric/nodeconfig';
import { waitPeersAtSameHeight } from '../fabric/readiness';
import { type FabricInstall, fabricInstall } from '../fabricbinaries';
import { type Chaincode, type Network, slotOf } from '../networkspec/network';
import type { Progress } from '../progress';
import { networkDir } from '../statedir';
import { until } from '../until';
import { clusterCryptoDir } from './clustercrypto';
import { clusterView } from './clusterview';
import type { Cluster } from './cluster';
import { type ForwardedNetwork, forwardNetwork } from './portforward';

// The channel and the chaincode lifecycle on the Kubernetes target, by the local target's own code
// (src/fabric/) run on this machine: the Fabric CLIs reach the orderers' admin and the peers' gRPC
// and operations ports through port-forwards to their pods (the certificates name 127.0.0.1 too).
// Everything else stays inside the cluster at the Service names: the genesis block is made on the
// cluster view, so Raft, deliver and gossip use those. Each step asks Fabric what is done first,
// as on the local target, so a second `up` joins, installs and approves nothing.

export interface ClusterDirs {
  /** The cluster's crypto material (apart from the local target's). */
  readonly crypto: string;
  /** core.yaml for the peer CLI. */
  readonly config: string;
  /** configtx.yaml and the genesis block. */
  readonly channel: string;
  readonly packages: string;
}

export function clusterDirs(network: Network, home?: string): ClusterDirs {
  const dir = path.join(networkDir(network.name, home), 'kubernetes');
  return { crypto: clusterCryptoDir(network, home), config: path.join(dir, 'config'), channel: path.join(dir, 'channel'), packages: path.join(dir, 'packages') };
}

/** The channel opened through the forwards: what the chaincode steps then run on. */
export interface ClusterChannel {
  readonly fabric: FabricInstall;
  readonly dirs: ClusterDirs;
  /** The genesis block was made now: nothing is joined, installed or approved yet. */
  readonly fresh: boolean;
  readonly orderersJoined: number;
  readonly peersJoined: number;
  readonly forwarded: ForwardedNetwork;
}

/**
 * Forwards the nodes' ports, makes the genesis block (once), joins every orderer, waits for a Raft
 * leader, joins every peer. The caller closes `forwarded` when its chaincode steps are done.
 */
export async function openClusterChannel(c: Cluster, namespace: string, network: Network, progress: Progress, opts: { home?: string } = {}): Promise<ClusterChannel> {
  const dirs = clusterDirs(network, opts.home);
  const fabric = await progress.step(`Fabric ${network.fabric} CLIs`, () => fabricInstall(network.fabric), (f) => f.bin);
  await writeNodeConfig(fabric, dirs.config);
  const block = await progress.step(`channel ${network.channel} genesis block (cluster addresses)`, () => genesisBlock(clusterView(network), fabric, dirs), (b) => (b.created ? 'created' : 'kept'));
  const forwarded = await progress.step('port-forwards to the orderers and peers', () => forwardNetwork(c.kc, namespace, network), () => `${network.ordererOrg.nodes.length * 3 + network.organizations.reduce((n, o) => n + o.peers.length * 2, 0)} ports (${c.where})`);
  try {
    const fwd = forwarded.network;
    const orderersJoined = await progress.step('orderers join the channel', () => joinThroughForwards(block.created, (fresh) => joinOrderers(fwd, fabric, dirs, block.file, fresh), 'osnadmin'), (n) => `${n} joined`);
    await progress.step('Raft leader', () => waitRaftLeader(fwd), (l) => l);
    const peersJoined = await progress.step('peers join the channel', () => joinThroughForwards(block.created, (fresh) => joinPeers(fwd, fabric, dirs, block.file, fresh), 'the peer CLI'), (n) => `${n} joined`);
    return { fabric, dirs, fresh: block.created, orderersJoined, peersJoined, forwarded };
  } catch (err) {
    await forwarded.close();
    throw err;
  }
}

export interface ClusterChaincodePlan {
  readonly cc: Chaincode;
  readonly current: boolean;
  readonly sequence: number;
  readonly slot: string;
  /** The slot running the committed definition, when a new one replaces it. */
  readonly replaces?: { readonly slot: string; readonly version: string; readonly sequence: number };
}

/** What the spec asks of each chaincode against what the channel has committed. */
export async function planClusterChaincode(ch: ClusterChannel, cc: Chaincode, progress: Progress): Promise<ClusterChaincodePlan> {
  const net = ch.forwarded.network;
  const committed = ch.fresh ? undefined : await progress.step(`${cc.name}: committed definition`, () => queryCommitted(net, ch.fabric, ch.dirs, cc), (d) => (d ? `version ${d.version}, sequence ${d.sequence}` : 'none'));
  const { current, sequence, slot } = wantedDefinition(net, cc, committed);
  const replaces = committed && !current ? { slot: slotOf(cc, committed.sequence).name, version: committed.version, sequence: committed.sequence } : undefined;
  return { cc, current, sequence, slot: slot.name, ...(replaces ? { replaces } : {}) };
}

/**
 * Installs the slot's package on every peer that lacks it and, for a new definition, approves it for
 * every org and commits it, then waits until every peer has the block. The slot's Deployments must be
 * Ready before: peers switch to the new package at the commit block.
 */
export async function commitClusterChaincode(ch: ClusterChannel, plan: ClusterChaincodePlan, progress: Progress): Promise<{ packageId: string; installed: number; approved: string[] }> {
  const net = ch.forwarded.network;
  const { cc, sequence } = plan;
  const pkg = await writePackage(cc, cc.version, plan.slot, ch.dirs.packages);
  const fresh = ch.fresh;
  const installed = await progress.step(`${cc.name} ${cc.version}: install ${pkg.label} on every peer`, () => installEverywhere(net, ch.fabric, ch.dirs, pkg, fresh), (n) => `${n} installed now`);
  if (plan.current) return { packageId: pkg.packageId, installed, approved: [] };
  const approved = await progress.step(`${cc.name} ${cc.version}: approve sequence ${sequence}`, () => approveForOrgs(net, ch.fabric, ch.dirs, cc, cc.version, sequence, pkg.packageId, fresh), (orgs) => (orgs.length ? orgs.join(', ') : 'already approved'));
  await progress.step(`${cc.name} ${cc.version}: commit sequence ${sequence}`, () => commitDefinition(net, ch.fabric, ch.dirs, cc, cc.version, sequence));
  await progress.step(`${cc.name} ${cc.version}: every peer has the definition`, () => waitPeersAtSameHeight(net), (h) => `height ${h}`);
  return { packageId: pkg.packageId, installed, approved };
}

/**
 * A forward can refuse a connection while the node's side is still coming up (a pod just Ready, or
 * kwok still learning of its PortForward): tries the join again for a while. Only the first try may
 * skip asking Fabric what is joined already, so nothing is joined twice.
 */
async function joinThroughForwards(fresh: boolean, join: (fresh: boolean) => Promise<number>, cli: string): Promise<number> {
  let first = fresh;
  let joined = 0;
  let last: unknown;
  await until(
    async () => {
      try {
        joined = await join(first);
        return true;
      } catch (err) {
        last = err;
        return false;
      } finally {
        first = false;
      }
    },
    () => `${cli} through the port-forwards, for 30 s: ${last instanceof Error ? last.message : String(last)}`,
    30_000,
  );
  return joined;
}
