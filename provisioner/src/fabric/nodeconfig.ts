import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { builderConfig } from '../ccaas/ccaaspackage';
import { nodePaths, servicePaths, tlsCaPaths } from '../crypto/layout';
import type { FabricInstall } from '../fabricbinaries';
import type { ProcessSpec } from '../local/supervisor';
import type { Chaincode, Endpoint, Network, OrdererNode, Organization, PeerNode } from '../networkspec/network';
import { writeIfChanged } from './configtx';

// How each orderer and peer of a local network runs: Fabric's own core.yaml / orderer.yaml (from the
// release's sampleconfig) plus an explicit environment per node. Every port is set, since Fabric's
// defaults (7050, 7051, 7052, 9443, 8443) would collide between nodes on one machine.

export const hostPort = (e: Endpoint) => `${e.host}:${e.port}`;

/** <netdir>/config: core.yaml with Docker switched off (an empty CORE_VM_ENDPOINT counts as unset), orderer.yaml as shipped. */
export async function writeNodeConfig(fabric: FabricInstall, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const core = parseDocument(await readFile(path.join(fabric.config, 'core.yaml'), 'utf8'));
  // Without this the peer registers a Docker health check and /healthz answers 503.
  core.setIn(['vm', 'endpoint'], '');
  await writeIfChanged(path.join(dir, 'core.yaml'), core.toString());
  await copyFile(path.join(fabric.config, 'orderer.yaml'), path.join(dir, 'orderer.yaml'));
  return dir;
}

/** Every peer org's TLS CA in one PEM bundle, what each peer trusts as a TLS client before its channels say more. */
export function peerTlsRootsFile(configDir: string): string {
  return path.join(configDir, 'peer-tls-roots.pem');
}

/**
 * Writes the bundle. A peer dials the other orgs' anchor peers as soon as it joins, before it has
 * taken their TLS CAs from the channel config; trusting them from the start saves that first dial's
 * failed handshakes and its timeout. (An org added later is trusted through the channel config, as
 * Fabric does it; the running peers keep the bundle they started with.)
 */
export async function writePeerTlsRoots(network: Network, dirs: { crypto: string; config: string }): Promise<void> {
  const pems = await Promise.all(network.organizations.map((org) => readFile(nodePaths(dirs.crypto, { kind: 'peer', domain: org.domain }, org.peers[0]!.name).tls.ca, 'utf8')));
  await writeIfChanged(peerTlsRootsFile(dirs.config), [...new Set(pems.map((p) => p.trim()))].join('\n') + '\n');
}

/** What every Fabric process gets: nothing of the user's shell (CORE_*, ORDERER_* there would reconfigure it). */
function baseEnv(configDir: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    FABRIC_CFG_PATH: configDir,
    // gRPC internals at INFO are hundreds of lines per minute on Fabric 3
    FABRIC_LOGGING_SPEC: 'INFO:grpc=warn:comm.grpc.server=warn',
  };
}

export function ordererProcess(network: Network, node: OrdererNode, fabric: FabricInstall, dirs: { crypto: string; config: string; data: string }): ProcessSpec {
  const oo = network.ordererOrg;
  const ref = { kind: 'orderer' as const, domain: oo.domain };
  const id = nodePaths(dirs.crypto, ref, node.name);
  const tlsca = tlsCaPaths(dirs.crypto, ref).cert;
  const data = path.join(dirs.data, node.fqdn);
  const env: Record<string, string> = {
    ...baseEnv(dirs.config),
    ORDERER_GENERAL_LISTENADDRESS: node.listen.host,
    ORDERER_GENERAL_LISTENPORT: String(node.listen.port),
    ORDERER_GENERAL_LOCALMSPID: oo.mspId,
    ORDERER_GENERAL_LOCALMSPDIR: id.msp.dir,
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_PRIVATEKEY: id.tls.key,
    ORDERER_GENERAL_TLS_CERTIFICATE: id.tls.cert,
    ORDERER_GENERAL_TLS_ROOTCAS: `[${tlsca}]`,
    ORDERER_GENERAL_CLUSTER_LISTENADDRESS: node.cluster.host,
    ORDERER_GENERAL_CLUSTER_LISTENPORT: String(node.cluster.port),
    ORDERER_GENERAL_CLUSTER_SERVERCERTIFICATE: id.tls.cert,
    ORDERER_GENERAL_CLUSTER_SERVERPRIVATEKEY: id.tls.key,
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: id.tls.cert,
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: id.tls.key,
    ORDERER_GENERAL_CLUSTER_ROOTCAS: `[${tlsca}]`,
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: hostPort(node.admin),
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_CERTIFICATE: id.tls.cert,
    ORDERER_ADMIN_TLS_PRIVATEKEY: id.tls.key,
    ORDERER_ADMIN_TLS_ROOTCAS: `[${tlsca}]`,
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${tlsca}]`,
    ORDERER_OPERATIONS_LISTENADDRESS: hostPort(node.operations),
    ORDERER_METRICS_PROVIDER: 'prometheus',
    ORDERER_FILELEDGER_LOCATION: path.join(data, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: path.join(data, 'etcdraft', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: path.join(data, 'etcdraft', 'snapshot'),
  };
  // Fabric 2.5 still knows the system channel; 3.x has no such key.
  if (network.fabric === '2.5') env.ORDERER_GENERAL_BOOTSTRAPMETHOD = 'none';
  return { name: node.fqdn, command: fabric.programs.orderer, args: [], env, ports: [node.listen, node.cluster, node.admin, node.operations], health: `http://${hostPort(node.operations)}/healthz`, dataDir: data };
}

export interface PeerProcessOptions {
  /**
   * How the ccaas builder learns the org's chaincode addresses: 'file' (the local target) reads the
   * file writeCcaasBuilder keeps current, so a chaincode added later needs no peer restart; 'env' puts
   * them in the peer's environment (the Kubernetes target's containers).
   */
  readonly builderConfig?: 'file' | 'env';
}

export function peerProcess(network: Network, org: Organization, peer: PeerNode, fabric: FabricInstall, dirs: { crypto: string; config: string; data: string }, opts: PeerProcessOptions = {}): ProcessSpec {
  const ref = { kind: 'peer' as const, domain: org.domain };
  const id = nodePaths(dirs.crypto, ref, peer.name);
  const data = path.join(dirs.data, peer.fqdn);
  // always the first peer (itself, for the first): a peer added later must not change, and so restart, the others
  const bootstrap = org.peers[0]!;
  const env: Record<string, string> = {
    ...baseEnv(dirs.config),
    CORE_PEER_ID: peer.fqdn,
    CORE_PEER_NETWORKID: network.name,
    CORE_PEER_LISTENADDRESS: hostPort(peer.listen),
    CORE_PEER_ADDRESS: hostPort(peer.listen),
    CORE_PEER_CHAINCODELISTENADDRESS: hostPort(peer.chaincode),
    CORE_PEER_CHAINCODEADDRESS: hostPort(peer.chaincode),
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: id.msp.dir,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: id.tls.cert,
    CORE_PEER_TLS_KEY_FILE: id.tls.key,
    CORE_PEER_TLS_ROOTCERT_FILE: peerTlsRootsFile(dirs.config),
    CORE_PEER_FILESYSTEMPATH: data,
    CORE_PEER_GOSSIP_BOOTSTRAP: hostPort(bootstrap.listen),
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: hostPort(peer.listen),
    CORE_PEER_GOSSIP_ENDPOINT: hostPort(peer.listen),
    // cross-org membership otherwise waits 25 s for its first retry
    CORE_PEER_GOSSIP_RECONNECTINTERVAL: '1s',
    // A dial that fails its handshake (an org the peer's TLS roots do not hold yet, see
    // writePeerTlsRoots) is retried only after it times out, 3 s by default. On loopback a second is plenty.
    CORE_PEER_GOSSIP_DIALTIMEOUT: '1s',
    // Peers tell each other which chaincodes they serve in their alive messages (every 5 s by
    // default); until the others hear it, a new definition cannot be endorsed across orgs.
    CORE_PEER_GOSSIP_ALIVETIMEINTERVAL: '1s',
    // Which peers are on a channel (what a gateway plans endorsements from) travels in StateInfo
    // messages, published and requested every 4 s by default: most of a local network's start-up.
    CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL: '500ms',
    CORE_PEER_GOSSIP_REQUESTSTATEINFOINTERVAL: '500ms',
    CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL: '500ms',
    // every peer pulls blocks from the orderers itself (Fabric 2's default): no leader election to
    // wait out, and a peer that restarts catches up on its own
    CORE_PEER_GOSSIP_USELEADERELECTION: 'false',
    CORE_PEER_GOSSIP_ORGLEADER: 'true',
    CORE_PEER_GATEWAY_ENABLED: 'true',
    CORE_LEDGER_STATE_STATEDATABASE: 'goleveldb',
    CORE_OPERATIONS_LISTENADDRESS: hostPort(peer.operations),
    CORE_METRICS_PROVIDER: 'prometheus',
    ...(opts.builderConfig === 'env'
      ? {
          CORE_CHAINCODE_EXTERNALBUILDERS: `[{name: ccaas_builder, path: ${fabric.builderDir}, propagateEnvironment: [CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG]}]`,
          CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG: chaincodeBuilderConfig(network.chaincodes, org, dirs.crypto),
        }
      : {
          CORE_CHAINCODE_EXTERNALBUILDERS: `[{name: ccaas_builder, path: ${ccaasBuilderDir(dirs.config)}, propagateEnvironment: [${BUILDER_CONFIG_VAR}]}]`,
          [BUILDER_CONFIG_VAR]: ccaasBuilderConfigFile(dirs.config, org),
        }),
  };
  return { name: peer.fqdn, command: fabric.programs.peer, args: ['node', 'start'], env, ports: [peer.listen, peer.chaincode, peer.operations], health: `http://${hostPort(peer.operations)}/healthz`, readyLine: 'Started peer with ID', dataDir: data };
}

/** The variable naming the org's builder config file, passed through to the builder. */
const BUILDER_CONFIG_VAR = 'MICTRACT_CCAAS_BUILDER_CONFIG';
/** <config>/ccaas-builder: bin/detect and bin/release (Fabric's), bin/build (reads the org's file first). */
export const ccaasBuilderDir = (configDir: string): string => path.join(configDir, 'ccaas-builder');
const ccaasBuilderConfigFile = (configDir: string, org: Organization): string => path.join(ccaasBuilderDir(configDir), `${org.name.toLowerCase()}.json`);

/**
 * The local peers' external builder: Fabric's ccaas builder, whose build step fills connection.json
 * from CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG. A peer's environment is fixed when it starts, so that
 * variable naming every chaincode meant restarting every peer for a new one; here build reads it
 * from the org's file, which this rewrites (only when it changes) before any install.
 */
export async function writeCcaasBuilder(network: Network, fabric: FabricInstall, dirs: { crypto: string; config: string }): Promise<void> {
  const dir = ccaasBuilderDir(dirs.config);
  await mkdir(path.join(dir, 'bin'), { recursive: true, mode: 0o700 });
  const real = path.join(fabric.builderDir, 'bin');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = (step: string, body: string[]) => ['#!/bin/sh', `# ${step} of Fabric's ccaas builder, written by mictract up`, ...body, `exec ${quote(path.join(real, step))} "$@"`, ''].join('\n');
  await Promise.all([
    writeIfChanged(path.join(dir, 'bin', 'detect'), script('detect', []), 0o700),
    writeIfChanged(path.join(dir, 'bin', 'release'), script('release', []), 0o700),
    writeIfChanged(
      path.join(dir, 'bin', 'build'),
      script('build', [`CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG="$(cat "$${BUILDER_CONFIG_VAR}")" || exit 1`, 'export CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG']),
      0o700,
    ),
    ...network.organizations.map((org) => writeIfChanged(ccaasBuilderConfigFile(dirs.config, org), chaincodeBuilderConfig(network.chaincodes, org, dirs.crypto))),
  ]);
}

/** Where this org's peers find each chaincode: the org's endpoint, trusted through the org's TLS CA. */
function chaincodeBuilderConfig(chaincodes: readonly Chaincode[], org: Organization, cryptoRoot: string): string {
  return builderConfig(
    chaincodes.map((cc) => ({
      chaincode: cc.name,
      addresses: Object.fromEntries(cc.slots.map((slot) => [slot.name, hostPort(slot.endpoints.get(org.name)!)])),
      rootCertPem: tlsCaPem(cryptoRoot, org, cc),
    })),
  );
}

const caPemCache = new Map<string, string>();
function tlsCaPem(cryptoRoot: string, org: Organization, cc: Chaincode): string {
  const file = servicePaths(cryptoRoot, { kind: 'peer', domain: org.domain }, cc.service).tls.ca;
  let pem = caPemCache.get(file);
  if (pem === undefined) {
    // read synchronously once: the builder config is part of the process spec
    pem = require('node:fs').readFileSync(file, 'utf8') as string;
    caPemCache.set(file, pem);
  }
  return pem;
}
