import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { buildCcaasPackage } from '../ccaas/ccaaspackage';
import { nodePaths, servicePaths, userPaths } from '../crypto/layout';
import { fabricInstall } from '../fabricbinaries';
import type { LoadedSpec } from '../networkspec/loadspec';
import type { FabricLine, Network } from '../networkspec/network';
import { SpecError } from '../networkspec/specerror';
import { clusterCryptoDir, ensureClusterCrypto } from './clustercrypto';
import { type KubernetesOptions, kubernetesOptions } from './kubernetesspec';
import { type ClusterMaterial, type KObject, buildManifests, deployedSlot } from './manifests';
import { type IdentityFiles, readIdentityFiles } from './material';
import { checkDeployable, checkObjects } from './validate';

// From a loaded spec to the objects `render` writes and `up` applies: check that it can be deployed
// (before anything is written), make or keep the crypto material, read it, build, check the result.

export interface ClusterManifests {
  readonly network: Network;
  readonly options: KubernetesOptions;
  readonly objects: KObject[];
  /** The local folder holding the material (keys 0600); Secrets carry copies of its keys. */
  readonly cryptoRoot: string;
}

export interface ClusterManifestOptions {
  /** Overrides kubernetes.namespace (and its default, the network's name). */
  readonly namespace?: string;
  /** MICTRACT_HOME (tests). */
  readonly home?: string;
  /** The peers' core.yaml; default: the Fabric release's sampleconfig with Docker switched off. */
  readonly coreYaml?: string;
  /** By chaincode name: the slot to deploy (default: the first, where sequence 1 runs). */
  readonly slots?: ReadonlyMap<string, string>;
}

export async function clusterManifests(loaded: LoadedSpec, opts: ClusterManifestOptions = {}): Promise<ClusterManifests> {
  const { network } = loaded;
  const spec = loaded.values.kubernetes ?? {};
  const options = kubernetesOptions(network, spec, opts.namespace === undefined ? {} : { namespace: opts.namespace });
  const issues = checkDeployable(network, options, spec);
  if (issues.length > 0) throw new SpecError(loaded.file, issues);
  const cryptoRoot = clusterCryptoDir(network, opts.home);
  await ensureClusterCrypto(network, cryptoRoot);
  const [material, coreYaml, packageIds] = await Promise.all([
    readClusterMaterial(network, cryptoRoot),
    opts.coreYaml ?? peerCoreYaml(network.fabric),
    Promise.all(network.chaincodes.map(async (cc) => [cc.name, (await buildCcaasPackage(cc.name, cc.version, deployedSlot(cc, opts.slots).name)).packageId] as const)),
  ]);
  const objects = buildManifests({ network, options, cryptoRoot, material, coreYaml, packageIds: new Map(packageIds), ...(opts.slots ? { slots: opts.slots } : {}) });
  const problems = checkObjects(objects);
  if (problems.length > 0) throw new Error(`the Kubernetes manifests of ${network.name} are wrong (a bug):\n  ${problems.join('\n  ')}`);
  return { network, options, objects, cryptoRoot };
}

/** Reads the material every pod mounts: each node's, each org's chaincode service's, the exporter's user. */
export async function readClusterMaterial(network: Network, cryptoRoot: string): Promise<ClusterMaterial> {
  const read = (dir: string): Promise<IdentityFiles> => readIdentityFiles(cryptoRoot, path.relative(cryptoRoot, dir));
  const nodes = new Map<string, IdentityFiles>();
  const services = new Map<string, IdentityFiles>();
  const oref = { kind: 'orderer' as const, domain: network.ordererOrg.domain };
  await Promise.all([
    ...network.ordererOrg.nodes.map(async (o) => nodes.set(o.fqdn, await read(nodePaths(cryptoRoot, oref, o.name).dir))),
    ...network.organizations.flatMap((org) => {
      const ref = { kind: 'peer' as const, domain: org.domain };
      return [
        ...org.peers.map(async (p) => nodes.set(p.fqdn, await read(nodePaths(cryptoRoot, ref, p.name).dir))),
        ...network.chaincodes.map(async (cc) => {
          const s = servicePaths(cryptoRoot, ref, cc.service);
          services.set(s.cn, await read(s.tls.dir));
        }),
      ];
    }),
  ]);
  const first = network.organizations[0];
  const exporter = network.observability && first ? await read(userPaths(cryptoRoot, { kind: 'peer', domain: first.domain }, 'User1').dir) : undefined;
  return { nodes, services, ...(exporter ? { exporter } : {}) };
}

/** The peers' core.yaml: the release's own, with Docker switched off (else the peer registers a Docker health check and /healthz answers 503). */
export async function peerCoreYaml(line: FabricLine): Promise<string> {
  const fabric = await fabricInstall(line);
  const core = parseDocument(await readFile(path.join(fabric.config, 'core.yaml'), 'utf8'));
  core.setIn(['vm', 'endpoint'], '');
  return core.toString();
}
