import { access, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { FabricInstall } from '../fabricbinaries';
import type { Endpoint, Network } from '../networkspec/network';
import { until } from '../until';
import { writeConfigtx } from './configtx';
import { type Dirs, osnadminFlags, peerAdminEnv, run } from './fabriccli';
import { hostPort } from './nodeconfig';
import { readMetric } from './operations';

// The channel: its genesis block (configtxgen), every orderer joined through the channel participation
// API (osnadmin) and a Raft leader elected, every peer joined, and cross-org gossip established, since
// the gateway cannot find endorsers of other orgs until it is.

export interface ChannelDirs extends Dirs {
  readonly channel: string; // configtx.yaml and the genesis block
}

export async function genesisBlock(network: Network, fabric: FabricInstall, dirs: ChannelDirs): Promise<{ file: string; created: boolean }> {
  const file = path.join(dirs.channel, `${network.channel}.genesis.block`);
  // Made once: a second genesis block would differ (timestamps) and the nodes already hold the first.
  if (await access(file).then(() => true, () => false)) return { file, created: false };
  await mkdir(dirs.channel, { recursive: true, mode: 0o700 });
  const configPath = await writeConfigtx(network, dirs.crypto, dirs.channel);
  await run(fabric.programs.configtxgen, ['-profile', 'Channel', '-channelID', network.channel, '-outputBlock', `${file}.tmp`, '-configPath', configPath], { FABRIC_CFG_PATH: configPath });
  await rename(`${file}.tmp`, file);
  return { file, created: true };
}

/** Joins every orderer (of `nodes`: those the genesis block names) that has not joined yet; returns how many joined now. */
export async function joinOrderers(network: Network, fabric: FabricInstall, dirs: Dirs, block: string, fresh = false, nodes = network.ordererOrg.nodes): Promise<number> {
  const joined = await Promise.all(
    nodes.map(async (o) => {
      const flags = osnadminFlags(network, hostPort(o.admin), dirs);
      // a channel whose genesis block was just made has no member yet: nothing to ask
      if (!fresh && (await run(fabric.programs.osnadmin, ['channel', 'list', ...flags], {})).includes(`"name": "${network.channel}"`)) return false;
      await run(fabric.programs.osnadmin, ['channel', 'join', '--channelID', network.channel, '--config-block', block, ...flags], {});
      return true;
    }),
  );
  return joined.filter(Boolean).length;
}

/** Waits until exactly one orderer reports itself Raft leader of the channel. */
export async function waitRaftLeader(network: Network, timeoutMs = 60_000): Promise<string> {
  let leader = '';
  await until(
    async () => {
      const leaders = await Promise.all(
        network.ordererOrg.nodes.map(async (o) => ((await readMetric(o.operations, 'consensus_etcdraft_is_leader')).some((s) => s.labels.channel === network.channel && s.value === 1) ? o.fqdn : undefined)),
      );
      const found = leaders.filter((l): l is string => l !== undefined);
      leader = found[0] ?? '';
      return found.length === 1;
    },
    `no Raft leader for channel ${network.channel} among ${network.ordererOrg.nodes.map((o) => o.fqdn).join(', ')}; see their logs`,
    timeoutMs,
  );
  return leader;
}

/** Joins every peer that has not joined yet (in parallel); returns how many joined now. */
export async function joinPeers(network: Network, fabric: FabricInstall, dirs: Dirs, block: string, fresh = false): Promise<number> {
  const joined = await Promise.all(
    network.organizations.flatMap((org) =>
      org.peers.map(async (peer) => {
        const env = peerAdminEnv(org, peer, dirs);
        if (!fresh && (await run(fabric.programs.peer, ['channel', 'list'], env)).split('\n').some((l) => l.trim() === network.channel)) return false;
        await run(fabric.programs.peer, ['channel', 'join', '-b', block], env);
        return true;
      }),
    ),
  );
  return joined.filter(Boolean).length;
}

/** Waits until every peer knows every other peer of the channel through gossip. */
export async function waitGossip(network: Network, timeoutMs = 60_000): Promise<void> {
  const peers = network.organizations.flatMap((o) => o.peers);
  const others = peers.length - 1;
  if (others === 0) return;
  const known = async (op: (typeof peers)[number]) => Math.max(0, ...(await readMetric(op.operations, 'gossip_membership_total_peers_known')).filter((s) => s.labels.channel === network.channel).map((s) => s.value));
  await until(
    async () => (await Promise.all(peers.map(known))).every((n) => n >= others),
    async () => `gossip: not every peer sees the ${others} others on ${network.channel} (${(await Promise.all(peers.map(async (p) => `${p.fqdn}: ${await known(p)}`))).join(', ')}); check anchor peers and the peers' logs`,
    timeoutMs,
  );
}

/** Ledger height of one peer on the channel, from its operations endpoint (0 when not known yet). */
export async function channelHeight(network: Network, operations: Endpoint): Promise<number> {
  const samples = await readMetric(operations, 'ledger_blockchain_height');
  return Math.max(0, ...samples.filter((s) => s.labels.channel === network.channel).map((s) => s.value));
}
