import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { userPaths } from '../crypto/layout';
import type { FabricInstall } from '../fabricbinaries';
import type { Network } from '../networkspec/network';
import { type Dirs, ordererFlags, peerAdminEnv, run } from './fabriccli';

// A channel configuration update done the way Fabric's own procedure does it: fetch the latest
// config block, change the decoded config, let configtxlator compute the update, collect the
// signatures the modification policy needs from the right admins, and submit it to the orderer.

/** The decoded channel config (common.Config as configtxlator's JSON). Only the parts Mictract changes are typed. */
export interface ChannelConfig {
  channel_group: ConfigGroup;
  [key: string]: unknown;
}

export interface ConfigGroup {
  groups: Record<string, ConfigGroup>;
  values: Record<string, { mod_policy: string; value: Record<string, unknown>; version?: string }>;
  policies: Record<string, unknown>;
  mod_policy: string;
  version?: string;
}

/** An admin who signs an update: an org's MSP ID and that org's Admin MSP folder. */
export interface Signer {
  readonly mspId: string;
  readonly mspDir: string;
}

export function peerOrgAdmin(network: Network, dirs: Dirs, orgName: string): Signer {
  const org = network.organizations.find((o) => o.name === orgName)!;
  return { mspId: org.mspId, mspDir: userPaths(dirs.crypto, { kind: 'peer', domain: org.domain }, 'Admin').msp.dir };
}

export function ordererOrgAdmin(network: Network, dirs: Dirs): Signer {
  return { mspId: network.ordererOrg.mspId, mspDir: userPaths(dirs.crypto, { kind: 'orderer', domain: network.ordererOrg.domain }, 'Admin').msp.dir };
}

/** The peer CLI's environment to act as an admin towards the orderer only (fetch, sign, update need no peer). */
function signerEnv(network: Network, dirs: Dirs, signer: Signer): Record<string, string> {
  const org = network.organizations[0]!;
  return {
    ...peerAdminEnv(org, org.peers[0]!, dirs),
    CORE_PEER_LOCALMSPID: signer.mspId,
    CORE_PEER_MSPCONFIGPATH: signer.mspDir,
  };
}

/** The orderer to fetch from and submit to: the one named, else the first (a consenter since the genesis block). */
const consenterOf = (network: Network, name?: string) => network.ordererOrg.nodes.find((n) => n.name === name) ?? network.ordererOrg.nodes[0]!;

export interface ConfigTools {
  readonly fabric: FabricInstall;
  readonly dirs: Dirs;
  /** An orderer that is already a consenter, to fetch from and submit to. */
  readonly orderer?: string;
}

/** Writes the channel's latest config block to `file` (what a new orderer joins the channel with). */
export async function fetchConfigBlock(network: Network, tools: ConfigTools, signer: Signer, file: string): Promise<void> {
  await run(tools.fabric.programs.peer, ['channel', 'fetch', 'config', file, '-c', network.channel, ...ordererFlags(network, tools.dirs, consenterOf(network, tools.orderer))], signerEnv(network, tools.dirs, signer));
}

/** The channel's latest config, decoded; and the number of the block that holds it. */
export async function fetchChannelConfig(network: Network, tools: ConfigTools, signer: Signer): Promise<{ config: ChannelConfig; blockNumber: number }> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'mictract-config-'));
  try {
    const block = path.join(work, 'config.block');
    await fetchConfigBlock(network, tools, signer, block);
    const json = path.join(work, 'config.json');
    await run(tools.fabric.programs.configtxlator, ['proto_decode', '--input', block, '--type', 'common.Block', '--output', json], {});
    const decoded = JSON.parse(await readFile(json, 'utf8')) as { header: { number: string }; data: { data: { payload: { data: { config: ChannelConfig } } }[] } };
    return { config: decoded.data.data[0]!.payload.data.config, blockNumber: Number(decoded.header.number) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Computes the update from `original` to `updated`, has every signer sign it (the last one submits
 * it, which signs too), and sends it to the orderer. Returns false when there was nothing to change.
 */
export async function submitConfigUpdate(network: Network, tools: ConfigTools, original: ChannelConfig, updated: ChannelConfig, signers: readonly Signer[]): Promise<boolean> {
  if (signers.length === 0) throw new Error('a channel config update needs at least one signer');
  const work = await mkdtemp(path.join(os.tmpdir(), 'mictract-config-'));
  const lator = (args: string[]) => run(tools.fabric.programs.configtxlator, args, {});
  try {
    const f = (name: string) => path.join(work, name);
    await writeFile(f('original.json'), JSON.stringify(original));
    await writeFile(f('updated.json'), JSON.stringify(updated));
    await lator(['proto_encode', '--input', f('original.json'), '--type', 'common.Config', '--output', f('original.pb')]);
    await lator(['proto_encode', '--input', f('updated.json'), '--type', 'common.Config', '--output', f('updated.pb')]);
    try {
      await lator(['compute_update', '--channel_id', network.channel, '--original', f('original.pb'), '--updated', f('updated.pb'), '--output', f('update.pb')]);
    } catch (err) {
      if (String((err as Error).message).includes('no differences detected')) return false;
      throw err;
    }
    await lator(['proto_decode', '--input', f('update.pb'), '--type', 'common.ConfigUpdate', '--output', f('update.json')]);
    const update = JSON.parse(await readFile(f('update.json'), 'utf8')) as unknown;
    const envelope = { payload: { header: { channel_header: { channel_id: network.channel, type: 2 } }, data: { config_update: update } } };
    await writeFile(f('envelope.json'), JSON.stringify(envelope));
    await lator(['proto_encode', '--input', f('envelope.json'), '--type', 'common.Envelope', '--output', f('envelope.pb')]);
    for (const signer of signers.slice(0, -1)) {
      await run(tools.fabric.programs.peer, ['channel', 'signconfigtx', '-f', f('envelope.pb')], signerEnv(network, tools.dirs, signer));
    }
    const last = signers[signers.length - 1]!;
    await run(tools.fabric.programs.peer, ['channel', 'update', '-f', f('envelope.pb'), '-c', network.channel, ...ordererFlags(network, tools.dirs, consenterOf(network, tools.orderer))], signerEnv(network, tools.dirs, last));
    return true;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The config group of an org as `configtxgen -printOrg` prints it (MSP, policies, anchor peers). */
export async function printOrg(fabric: FabricInstall, configtxDir: string, mspId: string): Promise<ConfigGroup> {
  const out = await run(fabric.programs.configtxgen, ['-printOrg', mspId, '-configPath', configtxDir], { FABRIC_CFG_PATH: configtxDir, FABRIC_LOGGING_SPEC: 'error' });
  return JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as ConfigGroup;
}
