import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { msp, peer } from '@hyperledger/fabric-protos';
import { buildCcaasPackage } from '../ccaas/ccaaspackage';
import { nodePaths } from '../crypto/layout';
import type { FabricInstall } from '../fabricbinaries';
import { type Chaincode, type ChaincodeSlot, type Network, type Organization, type PeerNode, slotOf } from '../networkspec/network';
import { type Dirs, FabricCommandError, ordererFlags, peerAdminEnv, run } from './fabriccli';
import { hostPort } from './nodeconfig';

// Fabric's chaincode lifecycle for a CCaaS chaincode, through the peer CLI as each org's Admin:
// install the package on every peer, approve the definition for every org (in parallel, so the
// approvals land in one block), check commit readiness, commit. Each step first asks Fabric what is
// already done, so `up` on an existing network skips it.

export interface Committed {
  readonly sequence: number;
  readonly version: string;
  /** The endorsement policy in canonical words (see endorsementPolicy), to compare with the one the spec asks for. */
  readonly policy: string;
}

/**
 * The endorsement policy a chaincode is defined with: a majority of the spec's orgs' peers, written
 * out as a signature policy rather than left to the channel's MAJORITY Endorsement. That way a new
 * org joining the channel does not change what the running chaincode needs until `up` redefines it,
 * once the new org's peers serve it.
 */
export function endorsementPolicy(network: Network): string {
  const ids = network.organizations.map((o) => `'${o.mspId}.peer'`);
  return `OutOf(${Math.floor(ids.length / 2) + 1},${ids.join(',')})`;
}

/** The committed definition's validation parameter (an ApplicationPolicy), in endorsementPolicy's words. */
export function policyOfValidationParameter(base64: string): string {
  const app = peer.ApplicationPolicy.deserializeBinary(Buffer.from(base64, 'base64'));
  if (app.hasChannelConfigPolicyReference()) return `channel:${app.getChannelConfigPolicyReference()}`;
  const env = app.getSignaturePolicy();
  const rule = env?.getRule()?.getNOutOf();
  if (!env || !rule) return 'unknown';
  const ids = env.getIdentitiesList().map((p) => {
    const role = msp.MSPRole.deserializeBinary(p.getPrincipal_asU8());
    return `'${role.getMspIdentifier()}.${role.getRole() === msp.MSPRole.MSPRoleType.PEER ? 'peer' : role.getRole()}'`;
  });
  return `OutOf(${rule.getN()},${ids.join(',')})`;
}

/** The definition committed on the channel, or undefined when the chaincode is not defined yet. */
export async function queryCommitted(network: Network, fabric: FabricInstall, dirs: Dirs, cc: Chaincode): Promise<Committed | undefined> {
  const org = network.organizations[0]!;
  try {
    const out = await run(fabric.programs.peer, ['lifecycle', 'chaincode', 'querycommitted', '-C', network.channel, '-n', cc.name, '--output', 'json'], peerAdminEnv(org, org.peers[0]!, dirs));
    const def = JSON.parse(out.slice(out.indexOf('{'))) as { sequence: number; version: string; validation_parameter: string };
    return { sequence: Number(def.sequence), version: def.version, policy: policyOfValidationParameter(def.validation_parameter) };
  } catch (err) {
    if (err instanceof FabricCommandError && /not defined|namespace .* is not defined|could not be found/.test(err.output)) return undefined;
    throw err;
  }
}

/**
 * The definition the spec asks for, against the one committed: kept when the version and the
 * endorsement policy (a new org changes the majority) are the committed ones; otherwise the next
 * sequence, in the other slot (blue/green), so old and new replicas run side by side until the commit.
 */
export function wantedDefinition(network: Network, cc: Chaincode, committed: Committed | undefined): { current: boolean; sequence: number; slot: ChaincodeSlot } {
  const current = committed?.version === cc.version && committed.policy === endorsementPolicy(network);
  const sequence = current ? committed.sequence : (committed?.sequence ?? 0) + 1;
  return { current, sequence, slot: slotOf(cc, sequence) };
}

export interface PackageFile {
  readonly label: string;
  readonly packageId: string;
  readonly file: string;
}

/** Writes the CCaaS package of a chaincode version for a slot under <dir>; deterministic bytes, so the ID is known before install. */
export async function writePackage(cc: Chaincode, version: string, slot: string, dir: string): Promise<PackageFile> {
  const pkg = await buildCcaasPackage(cc.name, version, slot);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${pkg.label}-${slot}.tar.gz`);
  await writeFile(`${file}.tmp`, pkg.bytes, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return { label: pkg.label, packageId: pkg.packageId, file };
}

/** Installs the package on every peer that lacks it (in parallel); returns how many installed it now. */
export async function installEverywhere(network: Network, fabric: FabricInstall, dirs: Dirs, pkg: PackageFile, fresh = false): Promise<number> {
  const results = await Promise.all(
    network.organizations.flatMap((org) =>
      org.peers.map(async (peer) => {
        const env = peerAdminEnv(org, peer, dirs);
        if (!fresh && (await run(fabric.programs.peer, ['lifecycle', 'chaincode', 'queryinstalled', '--output', 'json'], env)).includes(pkg.packageId)) return false;
        try {
          await run(fabric.programs.peer, ['lifecycle', 'chaincode', 'install', pkg.file], env);
        } catch (err) {
          if (err instanceof FabricCommandError && err.output.includes('chaincode already successfully installed')) return false;
          throw err;
        }
        return true;
      }),
    ),
  );
  return results.filter(Boolean).length;
}

const definitionFlags = (network: Network, cc: Chaincode, version: string, sequence: number) => ['--channelID', network.channel, '--name', cc.name, '--version', version, '--sequence', String(sequence), '--signature-policy', endorsementPolicy(network)];

/** Which orgs have approved the definition (checkcommitreadiness). */
export async function approvals(network: Network, fabric: FabricInstall, dirs: Dirs, cc: Chaincode, version: string, sequence: number): Promise<Record<string, boolean>> {
  const org = network.organizations[0]!;
  const out = await run(fabric.programs.peer, ['lifecycle', 'chaincode', 'checkcommitreadiness', ...definitionFlags(network, cc, version, sequence), '--output', 'json'], peerAdminEnv(org, org.peers[0]!, dirs));
  return (JSON.parse(out.slice(out.indexOf('{'))) as { approvals: Record<string, boolean> }).approvals;
}

/** Approves for every org that has not yet (in parallel: one block for all); returns the orgs that approved now. */
export async function approveForOrgs(network: Network, fabric: FabricInstall, dirs: Dirs, cc: Chaincode, version: string, sequence: number, packageId: string, fresh = false): Promise<string[]> {
  const done = fresh ? {} : await approvals(network, fabric, dirs, cc, version, sequence);
  const todo = network.organizations.filter((org) => !done[org.mspId]);
  await Promise.all(
    todo.map((org) =>
      run(fabric.programs.peer, ['lifecycle', 'chaincode', 'approveformyorg', ...ordererFlags(network, dirs), ...definitionFlags(network, cc, version, sequence), '--package-id', packageId, '--waitForEventTimeout', '60s'], peerAdminEnv(org, org.peers[0]!, dirs)),
    ),
  );
  return todo.map((o) => o.mspId);
}

/** Commits the definition, endorsed by one peer of every org, and waits for it on those peers. */
export async function commitDefinition(network: Network, fabric: FabricInstall, dirs: Dirs, cc: Chaincode, version: string, sequence: number): Promise<void> {
  const org = network.organizations[0]!;
  const peers = network.organizations.flatMap((o) => peerTargetFlags(o, o.peers[0]!, dirs));
  await run(fabric.programs.peer, ['lifecycle', 'chaincode', 'commit', ...ordererFlags(network, dirs), ...definitionFlags(network, cc, version, sequence), ...peers, '--waitForEventTimeout', '60s'], peerAdminEnv(org, org.peers[0]!, dirs));
}

function peerTargetFlags(org: Organization, peer: PeerNode, dirs: Dirs): string[] {
  return ['--peerAddresses', hostPort(peer.listen), '--tlsRootCertFiles', nodePaths(dirs.crypto, { kind: 'peer', domain: org.domain }, peer.name).tls.ca];
}
