import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { nodePaths } from '../crypto/layout';
import type { FabricInstall } from '../fabricbinaries';
import type { Network, OrdererNode } from '../networkspec/network';
import { until } from '../until';
import { type ChannelConfig, type ConfigTools, fetchChannelConfig, fetchConfigBlock, ordererOrgAdmin, peerOrgAdmin, printOrg, submitConfigUpdate } from './channelconfig';
import { type ChannelDirs, channelHeight } from './channel';
import { writeConfigtx } from './configtx';
import { osnadminFlags, run } from './fabriccli';
import { hostPort } from './nodeconfig';
import { readMetric } from './operations';

// Growing a running channel: organizations the spec lists and the channel config lacks join it,
// orderers the spec lists and the Raft consenter set lacks are added to it, one at a time, each
// after it has caught up as a follower, so the cluster never waits for a member that is behind.

interface RaftConsenter {
  host: string;
  port: number;
  client_tls_cert: string;
  server_tls_cert: string;
}

const appGroup = (c: ChannelConfig) => c.channel_group.groups.Application!;
const ordererGroup = (c: ChannelConfig) => c.channel_group.groups.Orderer!;
const raftMetadata = (c: ChannelConfig) => ordererGroup(c).values.ConsensusType!.value.metadata as { consenters: RaftConsenter[] };

/**
 * Adds every org of the spec that the channel config lacks (one update for all), signed by the
 * admins of every org already in it (the Application group's Admins policy is a majority of them).
 * Returns the MSP IDs added and the config block's number.
 */
export async function addOrganizations(network: Network, fabric: FabricInstall, dirs: ChannelDirs): Promise<{ added: string[]; blockNumber?: number }> {
  const first = network.organizations[0]!; // never new: organizations are only ever appended
  const tools: ConfigTools = { fabric, dirs };
  const { config } = await fetchChannelConfig(network, tools, peerOrgAdmin(network, dirs, first.name));
  const present = new Set(Object.keys(appGroup(config).groups));
  const missing = network.organizations.filter((o) => !present.has(o.mspId));
  if (missing.length === 0) return { added: [] };
  const configtxDir = await writeConfigtx(network, dirs.crypto, dirs.channel);
  const updated = structuredClone(config);
  for (const org of missing) appGroup(updated).groups[org.mspId] = await printOrg(fabric, configtxDir, org.mspId);
  const signers = network.organizations.filter((o) => present.has(o.mspId)).map((o) => peerOrgAdmin(network, dirs, o.name));
  await submitConfigUpdate(network, tools, config, updated, signers);
  const after = await fetchChannelConfig(network, tools, peerOrgAdmin(network, dirs, first.name));
  return { added: missing.map((o) => o.mspId), blockNumber: after.blockNumber };
}

/** An orderer's view of the channel through its admin endpoint (channel participation API). */
export async function ordererChannelInfo(network: Network, fabric: FabricInstall, dirs: ChannelDirs, o: OrdererNode): Promise<{ status: string; consensusRelation: string; height: number } | undefined> {
  try {
    const out = await run(fabric.programs.osnadmin, ['channel', 'list', '--channelID', network.channel, ...osnadminFlags(network, hostPort(o.admin), dirs)], {}, 10_000);
    const info = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as { status?: string; consensusRelation?: string; height?: number; error?: string };
    // osnadmin exits 0 on a 404 too, printing {"error":"channel does not exist"}
    return info.status && info.consensusRelation ? { status: info.status, consensusRelation: info.consensusRelation, height: Number(info.height ?? 0) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds every orderer of the spec that is not a Raft consenter yet, one at a time (Raft changes its
 * membership by one), as Fabric documents it: the consenter goes into the channel config (signed by
 * the orderer org's admin), then the new node joins with that config block and catches up from the
 * others. Before the next one, the leader must see every consenter active, or Fabric refuses the
 * update as a quorum loss. Last, the new nodes' endpoints are published to clients. Returns the names added.
 */
export async function addConsenters(network: Network, fabric: FabricInstall, dirs: ChannelDirs, timeoutMs = 120_000): Promise<string[]> {
  const tools: ConfigTools = { fabric, dirs };
  const admin = ordererOrgAdmin(network, dirs);
  const added: string[] = [];
  const work = await mkdtemp(path.join(os.tmpdir(), 'mictract-orderer-'));
  try {
    for (;;) {
      const { config } = await fetchChannelConfig(network, tools, admin);
      const consenters = new Set(raftMetadata(config).consenters.map((c) => `${c.host}:${c.port}`));
      const isConsenter = (o: OrdererNode) => consenters.has(hostPort(o.cluster));
      const member = network.ordererOrg.nodes.find(isConsenter)!;
      const joinLatest = async (o: OrdererNode) => {
        const block = path.join(work, `${o.name}.block`);
        await fetchConfigBlock(network, { ...tools, orderer: member.name }, admin, block);
        await run(fabric.programs.osnadmin, ['channel', 'join', '--channelID', network.channel, '--config-block', block, ...osnadminFlags(network, hostPort(o.admin), dirs)], {});
      };
      // a consenter whose node never joined (an earlier `up` stopped between the update and the join)
      for (const o of network.ordererOrg.nodes.filter(isConsenter)) {
        if (!(await ordererChannelInfo(network, fabric, dirs, o))) await joinLatest(o);
      }
      const next = network.ordererOrg.nodes.find((o) => !isConsenter(o));
      if (!next) {
        await addOrdererEndpoints(network, { ...tools, orderer: member.name }, admin, config);
        return added;
      }

      const tls = nodePaths(dirs.crypto, { kind: 'orderer', domain: network.ordererOrg.domain }, next.name).tls;
      const cert = (await readFile(tls.cert)).toString('base64');
      const updated = structuredClone(config);
      raftMetadata(updated).consenters.push({ host: next.cluster.host, port: next.cluster.port, client_tls_cert: cert, server_tls_cert: cert });
      const wasFollower = (await ordererChannelInfo(network, fabric, dirs, next)) !== undefined;
      await submitConfigUpdate(network, { ...tools, orderer: member.name }, config, updated, [admin]);
      if (!wasFollower) await joinLatest(next);
      await until(
        async () => {
          const info = await ordererChannelInfo(network, fabric, dirs, next);
          return info?.consensusRelation === 'consenter' && info.status === 'active';
        },
        async () => `${next.fqdn} was added to the consenters but is not an active consenter: ${JSON.stringify(await ordererChannelInfo(network, fabric, dirs, next))}; see its log`,
        timeoutMs,
      );
      await waitAllConsentersActive(network, [...network.ordererOrg.nodes.filter(isConsenter), next], timeoutMs);
      added.push(next.name);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Publishes every consenter's client endpoint in the orderer org's Endpoints, where peers' gateways
 * find orderers to submit to. Only once a node is an active consenter: a gateway that sent a
 * transaction to a node not yet serving the channel would get BAD_REQUEST, which it does not retry.
 */
async function addOrdererEndpoints(network: Network, tools: ConfigTools, admin: ReturnType<typeof ordererOrgAdmin>, config: ChannelConfig): Promise<void> {
  const updated = structuredClone(config);
  const endpoints = ordererGroup(updated).groups[network.ordererOrg.mspId]!.values.Endpoints;
  if (!endpoints) return; // a channel that lists its orderers elsewhere (the global OrdererAddresses of old)
  const addresses = (endpoints.value as { addresses: string[] }).addresses;
  const missing = network.ordererOrg.nodes.map((o) => hostPort(o.listen)).filter((a) => !addresses.includes(a));
  if (missing.length === 0) return;
  addresses.push(...missing);
  await submitConfigUpdate(network, tools, config, updated, [admin]);
}

/** Waits until the Raft leader counts every consenter as active (what Fabric checks before a membership change). */
async function waitAllConsentersActive(network: Network, consenters: readonly OrdererNode[], timeoutMs: number): Promise<void> {
  const gauge = async (o: OrdererNode, name: string) => (await readMetric(o.operations, name)).find((s) => s.labels.channel === network.channel)?.value;
  await until(
    async () => {
      for (const o of consenters) {
        if ((await gauge(o, 'consensus_etcdraft_is_leader')) !== 1) continue;
        return (await gauge(o, 'consensus_etcdraft_active_nodes')) === consenters.length;
      }
      return false;
    },
    async () => `the Raft leader does not see all ${consenters.length} consenters active (${(await Promise.all(consenters.map(async (o) => `${o.name}: leader ${await gauge(o, 'consensus_etcdraft_is_leader')}, active ${await gauge(o, 'consensus_etcdraft_active_nodes')}`))).join('; ')})`,
    timeoutMs,
  );
}

/** Waits until every peer that has joined the channel (height > 0) holds block `blockNumber`. */
export async function waitJoinedPeersPast(network: Network, blockNumber: number, timeoutMs = 60_000): Promise<void> {
  const peers = network.organizations.flatMap((o) => o.peers);
  await until(
    async () => (await Promise.all(peers.map((p) => channelHeight(network, p.operations)))).every((h) => h === 0 || h > blockNumber),
    async () => `not every peer has config block ${blockNumber}: ${(await Promise.all(peers.map(async (p) => `${p.fqdn} ${await channelHeight(network, p.operations)}`))).join(', ')}`,
    timeoutMs,
  );
}
