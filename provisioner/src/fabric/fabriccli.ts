import { execFile } from 'node:child_process';
import { nodePaths, tlsCaPaths, userPaths } from '../crypto/layout';
import type { Network, OrdererNode, Organization, PeerNode } from '../networkspec/network';
import { hostPort } from './nodeconfig';

// Runs Fabric's own command-line tools (peer, osnadmin, configtxgen) as a given identity, with an
// explicit environment, and turns a failure into an error that says which command failed and why.

export class FabricCommandError extends Error {
  override name = 'FabricCommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | string | undefined,
    readonly output: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? '?'}):\n${output.trim().split('\n').slice(-12).map((l) => `  | ${l}`).join('\n')}`);
  }
}

export async function run(program: string, args: readonly string[], env: Record<string, string>, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/', ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const name = `${program.split('/').pop()} ${args.slice(0, 3).join(' ')}`;
        reject(new FabricCommandError(name, (err as NodeJS.ErrnoException & { code?: number | string }).code, `${stderr}\n${stdout}`));
      } else resolve(stdout + stderr);
    });
  });
}

export interface Dirs {
  readonly crypto: string;
  readonly config: string;
}

/** The `peer` CLI's environment to act as an org's Admin against one of its peers. */
export function peerAdminEnv(org: Organization, peer: PeerNode, dirs: Dirs): Record<string, string> {
  const ref = { kind: 'peer' as const, domain: org.domain };
  const admin = userPaths(dirs.crypto, ref, 'Admin');
  return {
    FABRIC_CFG_PATH: dirs.config,
    FABRIC_LOGGING_SPEC: 'WARN',
    CORE_PEER_LOCALMSPID: org.mspId,
    CORE_PEER_MSPCONFIGPATH: admin.msp.dir,
    CORE_PEER_ADDRESS: hostPort(peer.listen),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: nodePaths(dirs.crypto, ref, peer.name).tls.ca,
  };
}

/** Flags that point the peer CLI at an orderer over TLS (default: the first, a consenter since the genesis block). */
export function ordererFlags(network: Network, dirs: Dirs, o: OrdererNode = network.ordererOrg.nodes[0]!): string[] {
  return ['-o', hostPort(o.listen), '--ordererTLSHostnameOverride', o.fqdn, '--tls', '--cafile', tlsCaPaths(dirs.crypto, { kind: 'orderer', domain: network.ordererOrg.domain }).cert];
}

/** osnadmin's flags: the orderer's admin endpoint, with the orderer org Admin's TLS client certificate. */
export function osnadminFlags(network: Network, adminPort: string, dirs: Dirs): string[] {
  const ref = { kind: 'orderer' as const, domain: network.ordererOrg.domain };
  const admin = userPaths(dirs.crypto, ref, 'Admin');
  return ['-o', adminPort, '--ca-file', tlsCaPaths(dirs.crypto, ref).cert, '--client-cert', admin.tls.cert, '--client-key', admin.tls.key];
}
