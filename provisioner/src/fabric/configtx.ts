import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { nodePaths, orgMspPaths } from '../crypto/layout';
import type { Network } from '../networkspec/network';

// configtx.yaml for the network's channel: the orderer org and every peer org with their MSPs, Raft
// consenters, anchor peers in the genesis block (no separate anchor-peer update), the batch timeout
// from the spec, and the capabilities of the Fabric line the network runs.

const sig = (rule: string) => ({ Type: 'Signature', Rule: rule });
const meta = (rule: string) => ({ Type: 'ImplicitMeta', Rule: rule });

/** The configtx.yaml document for a network (pure). */
export function configtxDocument(network: Network, cryptoRoot: string): Record<string, unknown> {
  const oo = network.ordererOrg;
  const ordererRef = { kind: 'orderer' as const, domain: oo.domain };
  const ordererOrg = {
    Name: oo.mspId,
    ID: oo.mspId,
    MSPDir: orgMspPaths(cryptoRoot, ordererRef).dir,
    Policies: {
      Readers: sig(`OR('${oo.mspId}.member')`),
      Writers: sig(`OR('${oo.mspId}.member')`),
      Admins: sig(`OR('${oo.mspId}.admin')`),
    },
    OrdererEndpoints: oo.nodes.map((n) => `${n.listen.host}:${n.listen.port}`),
  };
  const peerOrgs = network.organizations.map((org) => {
    const m = org.mspId;
    return {
      Name: m,
      ID: m,
      MSPDir: orgMspPaths(cryptoRoot, { kind: 'peer', domain: org.domain }).dir,
      Policies: {
        Readers: sig(`OR('${m}.admin', '${m}.peer', '${m}.client')`),
        Writers: sig(`OR('${m}.admin', '${m}.client')`),
        Admins: sig(`OR('${m}.admin')`),
        Endorsement: sig(`OR('${m}.peer')`),
      },
      // the first peer of each org is its anchor: cross-org gossip starts there
      AnchorPeers: [{ Host: org.peers[0]!.listen.host, Port: org.peers[0]!.listen.port }],
    };
  });
  const v3 = network.fabric === '3.1';
  return {
    // what `configtxgen -printOrg` reads when an org joins a running channel
    Organizations: [ordererOrg, ...peerOrgs],
    Profiles: {
      Channel: {
        Policies: { Readers: meta('ANY Readers'), Writers: meta('ANY Writers'), Admins: meta('MAJORITY Admins') },
        Capabilities: v3 ? { V3_0: true } : { V2_0: true },
        Orderer: {
          OrdererType: 'etcdraft',
          BatchTimeout: `${network.batchTimeoutMs}ms`,
          BatchSize: { MaxMessageCount: 500, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
          EtcdRaft: {
            // Shorter ticks than Fabric's 500 ms: an election in about a second, not five, on a
            // local network whose nodes share one machine (heartbeats stay 10x under the timeout).
            Options: { TickInterval: '100ms', ElectionTick: 10, HeartbeatTick: 1, MaxInflightBlocks: 5, SnapshotIntervalSize: '16 MB' },
            Consenters: oo.nodes.map((n) => {
              const tls = nodePaths(cryptoRoot, ordererRef, n.name).tls;
              return { Host: n.cluster.host, Port: n.cluster.port, ClientTLSCert: tls.cert, ServerTLSCert: tls.cert };
            }),
          },
          Organizations: [ordererOrg],
          Policies: {
            Readers: meta('ANY Readers'),
            Writers: meta('ANY Writers'),
            Admins: meta('MAJORITY Admins'),
            BlockValidation: meta('ANY Writers'),
          },
          Capabilities: { V2_0: true },
        },
        Application: {
          Organizations: peerOrgs,
          Policies: {
            Readers: meta('ANY Readers'),
            Writers: meta('ANY Writers'),
            Admins: meta('MAJORITY Admins'),
            LifecycleEndorsement: meta('MAJORITY Endorsement'),
            Endorsement: meta('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
}

/** Writes <dir>/configtx.yaml; returns the folder to pass as configtxgen's -configPath. */
export async function writeConfigtx(network: Network, cryptoRoot: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeIfChanged(path.join(dir, 'configtx.yaml'), stringify(configtxDocument(network, cryptoRoot)));
  return dir;
}

export async function writeIfChanged(file: string, text: string, mode = 0o600): Promise<void> {
  const old = await readFile(file, 'utf8').catch(() => undefined);
  if (old !== text) await writeFile(file, text, { mode });
}
