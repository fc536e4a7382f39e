import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateCrypto } from '../crypto';
import { type FabricInstall, fabricInstall } from '../fabricbinaries';
import { genesisBlock, joinOrderers, joinPeers, waitGossip, waitRaftLeader } from '../fabric/channel';
import type { Dirs } from '../fabric/fabriccli';
import { approveForOrgs, commitDefinition, installEverywhere, queryCommitted, wantedDefinition, writePackage } from '../fabric/lifecycle';
import { addConsenters, addOrganizations, waitJoinedPeersPast } from '../fabric/members';
import { ordererProcess, peerProcess, writeCcaasBuilder, writeNodeConfig, writePeerTlsRoots } from '../fabric/nodeconfig';
import { waitEndorsable, waitPeersAtSameHeight } from '../fabric/readiness';
import { cryptoSpecOf } from '../networkcrypto';
import { exporterProcess } from '../observability/exporterprocess';
import { refreshObservedPods, stackProcesses } from '../observability/stack';
import type { Progress } from '../progress';
import { type LoadedSpec, type NetworkSpecValues, SpecError, assertPortsFree, listeners } from '../networkspec';
import { planChanges } from '../networkspec/changeplan';
import { type Chaincode, type Network, slotOf } from '../networkspec/network';
import { cryptoDir, networkDir } from '../statedir';
import { chaincodeProcesses, startChaincodes } from './chaincoderuntime';
import { Supervisor } from './supervisor';

// `mictract up` on the local target: the whole network as processes on loopback, each step asking
// what is already done first, so a second `up` resumes: ledgers stay, crashed processes restart,
// a chaincode committed at its version is left alone.

export interface LocalDirs extends Dirs {
  readonly network: string;
  readonly data: string;
  readonly channel: string;
  readonly packages: string;
}

export function localDirs(network: Network, home?: string): LocalDirs {
  const dir = networkDir(network.name, home);
  return { network: dir, crypto: cryptoDir(dir), config: path.join(dir, 'config'), data: path.join(dir, 'data'), channel: path.join(dir, 'channel'), packages: path.join(dir, 'packages') };
}

/** What `up` leaves in <netdir>/network.json so later commands (invoke, query, upgrade, status) find the spec. */
export interface NetworkRecord {
  readonly specFile: string;
  readonly fabric: string;
  /** The spec as last brought up in full: what the next `up` plans its changes against. */
  readonly applied?: NetworkSpecValues;
}

export async function readNetworkRecord(netDir: string): Promise<NetworkRecord | undefined> {
  return JSON.parse(await readFile(path.join(netDir, 'network.json'), 'utf8').catch(() => 'null')) as NetworkRecord | undefined;
}

export interface UpOptions {
  readonly otlpUrl?: string;
  /** MICTRACT_HOME to use instead of the environment's (tests). */
  readonly home?: string;
  /** The channel was just created: nothing is joined, installed or approved yet, so no need to ask. */
  readonly fresh?: boolean;
  /** Prometheus rule files (globs allowed); default: the ones dashboards/ generates, if any. */
  readonly ruleFiles?: readonly string[];
}

/** The alerting and recording rules dashboards/ generates (a glob: none there loads none). */
export const DEFAULT_RULE_FILES = [path.resolve(__dirname, '../../../dashboards/generated/prometheus/*.rules.yaml')];

export interface ChaincodeState {
  readonly name: string;
  readonly version: string;
  readonly sequence: number;
  readonly slot: string;
  readonly packageId: string;
  readonly action: 'committed' | 'upgraded' | 'redefined' | 'kept';
}

export async function upLocal(loaded: LoadedSpec, progress: Progress, opts: UpOptions = {}): Promise<{ fabric: FabricInstall; chaincodes: ChaincodeState[] }> {
  const { network } = loaded;
  const dirs = localDirs(network, opts.home);
  const sup = new Supervisor(dirs.network);
  const record = await readNetworkRecord(dirs.network);
  // refuse what cannot change live before changing anything
  const plan = planChanges(record?.applied, loaded.values);
  if (plan.refused.length > 0) throw new SpecError(loaded.file, plan.refused);
  const fabric = await progress.step(`Fabric ${network.fabric} binaries`, () => fabricInstall(network.fabric), (f) => f.bin);
  await progress.step('check ports', async () => {
    // ports held by this network's own running processes are fine: `up` resumes them
    const alive = (await sup.status()).filter((p) => p.state !== 'crashed');
    const ownPorts = new Set(alive.flatMap((p) => p.ports.map((e) => e.port)));
    const ownedBy = (owner: string) => alive.some((p) => owner === p.name || owner.startsWith(`${p.name} `));
    await assertPortsFree(loaded.file, listeners(network).filter((l) => !ownPorts.has(l.endpoint.port) && !ownedBy(l.owner)));
  });
  await progress.step('crypto material', () => generateCrypto(cryptoSpecOf(network), dirs.crypto), (s) => `${s.created.length} created, ${s.kept.length} kept`);
  await writeRecord(dirs.network, { specFile: loaded.file, fabric: network.fabric, ...(record?.applied ? { applied: record.applied } : {}) });
  await writeNodeConfig(fabric, dirs.config);
  await writePeerTlsRoots(network, dirs);
  await writeCcaasBuilder(network, fabric, dirs);
  const block = await progress.step(`channel ${network.channel} genesis block`, () => genesisBlock(network, fabric, dirs), (b) => (b.created ? 'created' : 'kept'));

  // Everything that needs no other node starts at once: the observability stack, orderers, peers
  // and, on a fresh channel (nothing can be committed yet), each chaincode's first-slot replicas
  // (package IDs are known before install). Then the steps that need others, in order.
  const stack = await stackProcesses(network, dirs, { ruleFiles: opts.ruleFiles ?? DEFAULT_RULE_FILES });
  const otlpUrl = opts.otlpUrl ?? otlpUrlOf(network);
  const ccOpts: UpOptions = { ...opts, ...(otlpUrl ? { otlpUrl } : {}), fresh: block.created };
  const orderers = network.ordererOrg.nodes.map((o) => ordererProcess(network, o, fabric, dirs));
  const peers = network.organizations.flatMap((org) => org.peers.map((p) => peerProcess(network, org, p, fabric, dirs)));
  const early = block.created ? (await Promise.all(network.chaincodes.map(async (cc) => chaincodeProcesses(network, cc, cc.slots[0], dirs.crypto, (await writePackage(cc, cc.version, cc.slots[0].name, dirs.packages)).packageId, ccOpts)))).flat() : [];
  const all = [...orderers, ...peers, ...stack, ...early];
  await progress.step(`start ${all.length} processes`, async () => {
    const started = await Promise.all(all.map((spec) => sup.ensure(spec)));
    // a Prometheus that kept running reads its rewritten configuration and rule files again
    const prom = all.findIndex((spec) => spec.name === 'prometheus');
    if (prom >= 0 && started[prom] === 'running') await reloadPrometheus(network);
    return started.filter((s) => s !== 'running').length;
  }, (n) => `${n} started, ${all.length - n} running`);

  await progress.step(`orderers ready (${orderers.length})`, () => Promise.all(orderers.map((o) => sup.waitHealthy(o.name))));
  // orderers added since the genesis block join later, with the config block that makes them consenters
  const genesisOrderers = network.ordererOrg.nodes.slice(0, record?.applied && !block.created ? record.applied.orderers.nodes : undefined);
  await progress.step('orderers join the channel', () => joinOrderers(network, fabric, dirs, block.file, block.created, genesisOrderers), (n) => `${n} joined`);
  await Promise.all([
    progress.step('Raft leader', () => waitRaftLeader(network), (l) => l),
    progress.step(`peers ready (${peers.length})`, () => Promise.all(peers.map((p) => sup.waitHealthy(p.name)))),
  ]);
  // A grown spec: new orderers join the Raft consenters one by one, new orgs join the channel config
  // (before their peers can join). Both ask the channel what it has, so a resumed `up` skips them.
  const unknown = !block.created && !record?.applied; // a network from before plans were recorded: ask once
  if (!block.created && (plan.addOrderers.length > 0 || unknown)) {
    await progress.step('Raft consenters', () => addConsenters(network, fabric, dirs), (added) => (added.length ? `${added.join(', ')} added` : 'all in'));
  }
  if (!block.created && (plan.addOrganizations.length > 0 || unknown)) {
    await progress.step('organizations in the channel configuration', async () => {
      const { added, blockNumber } = await addOrganizations(network, fabric, dirs);
      if (blockNumber !== undefined) await waitJoinedPeersPast(network, blockNumber);
      return added;
    }, (added) => (added.length ? `${added.join(', ')} added` : 'all in'));
  }
  await progress.step('peers join the channel', () => joinPeers(network, fabric, dirs, block.file, block.created), (n) => `${n} joined`);

  const chaincodes: ChaincodeState[] = [];
  for (const cc of network.chaincodes) chaincodes.push(await deployChaincode(network, cc, fabric, dirs, sup, progress, ccOpts));
  // Every peer must know every other through gossip before a gateway can plan a cross-org endorsement.
  // (The endorsement probe above cannot show it on Fabric 3, whose gateway runs the proposal on its own
  // peer first and stops at the chaincode's error before it plans for the other orgs.)
  await progress.step('gossip between orgs', () => waitGossip(network));
  if (stack.length > 0) {
    const exporter = await exporterProcess(network, dirs, otlpUrl);
    if (exporter) await sup.ensure(exporter);
    const observers = [...stack, ...(exporter ? [exporter] : [])];
    await progress.step('observability: exporter, Prometheus, Jaeger', () => Promise.all(observers.map((s) => sup.waitHealthy(s.name))));
  }
  await writeRecord(dirs.network, { specFile: loaded.file, fabric: network.fabric, applied: loaded.values });
  return { fabric, chaincodes };
}

/**
 * Brings a chaincode to the version in the spec. Already committed at that version: its slot's
 * processes are resumed. Not yet, or at another version: a new package for the next sequence's slot,
 * installed, its replicas started, approved by every org, committed; then the old slot's processes
 * stop. Peers switch packages at the commit block, so they never dial a chaincode that is gone.
 */
export async function deployChaincode(network: Network, cc: Chaincode, fabric: FabricInstall, dirs: LocalDirs, sup: Supervisor, progress: Progress, opts: UpOptions = {}): Promise<ChaincodeState> {
  const committed = opts.fresh ? undefined : await progress.step(`${cc.name}: committed definition`, () => queryCommitted(network, fabric, dirs, cc), (c) => (c ? `version ${c.version}, sequence ${c.sequence}, policy ${c.policy}` : 'none'));
  const { current, sequence, slot } = wantedDefinition(network, cc, committed);
  const pkg = await writePackage(cc, cc.version, slot.name, dirs.packages);
  const processes = await chaincodeProcesses(network, cc, slot, dirs.crypto, pkg.packageId, opts);
  if (current) {
    // peers added since the commit need the package too
    await progress.step(`${cc.name} ${cc.version}: installed on every peer`, () => installEverywhere(network, fabric, dirs, pkg), (n) => `${n} installed now`);
    await progress.step(`${cc.name} ${cc.version}: ${slot.name} replicas`, () => startChaincodes(sup, processes), (r) => `${r.started.length} started, ${r.running.length} running`);
    await refreshObservedPods(network, dirs, sup);
    return { name: cc.name, version: cc.version, sequence, slot: slot.name, packageId: pkg.packageId, action: 'kept' };
  }
  await progress.step(`${cc.name} ${cc.version}: install ${pkg.label} on every peer`, () => installEverywhere(network, fabric, dirs, pkg, opts.fresh), (n) => `${n} installed`);
  await progress.step(`${cc.name} ${cc.version}: start ${slot.name} replicas`, () => startChaincodes(sup, processes), (r) => `${r.started.length} started, ${r.running.length} running`);
  await progress.step(`${cc.name} ${cc.version}: approve sequence ${sequence}`, () => approveForOrgs(network, fabric, dirs, cc, cc.version, sequence, pkg.packageId, opts.fresh), (orgs) => (orgs.length ? orgs.join(', ') : 'already approved'));
  await progress.step(`${cc.name} ${cc.version}: commit sequence ${sequence}`, () => commitDefinition(network, fabric, dirs, cc, cc.version, sequence));
  await progress.step(`${cc.name} ${cc.version}: every peer has the definition`, () => waitPeersAtSameHeight(network), (h) => `height ${h}`);
  await progress.step(`${cc.name} ${cc.version}: every org's gateway can endorse it`, () => waitEndorsable(network, dirs.crypto, cc));
  if (committed) {
    const other = slotOf(cc, committed.sequence);
    const names = new Set((await chaincodeProcesses(network, cc, other, dirs.crypto, 'stopping:0', opts)).map((p) => p.name));
    await progress.step(`${cc.name}: stop ${committed.version} (${other.name} replicas)`, async () => {
      for (const name of names) await sup.stop(name);
      return names.size;
    }, (n) => `${n} stopped`);
  }
  await refreshObservedPods(network, dirs, sup);
  return { name: cc.name, version: cc.version, sequence, slot: slot.name, packageId: pkg.packageId, action: !committed ? 'committed' : committed.version === cc.version ? 'redefined' : 'upgraded' };
}

async function reloadPrometheus(network: Network): Promise<void> {
  const p = network.observability?.prometheus;
  if (!p) return;
  const res = await fetch(`http://${p.host}:${p.port}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Prometheus at ${p.host}:${p.port} refused its new configuration (${res.status}): ${(await res.text()).trim()}`);
}

/** Where the network's own trace store takes OTLP/HTTP, when it has one. */
export function otlpUrlOf(network: Network): string | undefined {
  const j = network.observability?.jaeger.otlp;
  return j ? `http://${j.host}:${j.port}` : undefined;
}

async function writeRecord(dir: string, record: NetworkRecord): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'network.json');
  await writeFile(`${file}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}
