import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { nodePaths, userPaths } from '../crypto/layout';
import type { Network } from '../networkspec/network';
import type { ProcessSpec, ProcessStatus } from '../local/supervisor';
import { type StackDirs, podsFile, profileTokenFile, stackDir } from './stackdirs';

// The block and transaction exporter of a local network, as a supervised process: it reads every
// block through the first org's peers as that org's User1 (TLS, the org's CA), exports metrics and a
// span per transaction, and serves the ledger API on loopback. Its config file holds only paths:
// keys stay in the crypto folder (0600).

const EXPORTER_MAIN = path.resolve(__dirname, '../../../exporter/dist/exportermain.js');

export interface ExporterDirs extends StackDirs {
  readonly crypto: string;
}

export async function exporterProcess(network: Network, dirs: ExporterDirs, otlpUrl: string | undefined): Promise<ProcessSpec | undefined> {
  const obs = network.observability;
  if (!obs) return undefined;
  const org = network.organizations[0]!;
  const ref = { kind: 'peer' as const, domain: org.domain };
  const user = userPaths(dirs.crypto, ref, 'User1');
  const config = {
    peers: org.peers.map((p) => ({ endpoint: `${p.listen.host}:${p.listen.port}`, tlsCaCert: nodePaths(dirs.crypto, ref, p.name).tls.ca, hostnameOverride: p.fqdn })),
    identity: { mspId: org.mspId, certificate: user.msp.signcert, privateKey: user.msp.key },
    channels: [network.channel],
    checkpointDir: path.join(dirs.data, 'exporter'),
    listen: `${obs.exporter.listen.host}:${obs.exporter.listen.port}`,
    ...(otlpUrl ? { otlpUrl } : {}),
    podsFile: podsFile(dirs),
    // profile capture (POST /api/v1/profiles) only with this token, which only the app's route sends
    profileTokenFile: await ensureProfileToken(dirs),
    resource: { 'service.namespace': network.name, 'k8s.namespace.name': network.name },
  };
  await mkdir(stackDir(dirs), { recursive: true, mode: 0o700 });
  const file = path.join(stackDir(dirs), 'exporter.yaml');
  await writeFile(`${file}.tmp`, stringify(config), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return {
    name: 'mictract-exporter',
    command: process.execPath,
    // V8's young generation otherwise grows to 128 MB while the exporter catches up on a long ledger:
    // 16 MB semi-spaces cut a 100,000-tx replay's peak RSS from 479 to 376 MB at the same speed
    // (bench/src/replay.ts; capping the old generation too cost a third of the throughput)
    args: ['--max-semi-space-size=16', EXPORTER_MAIN, '--config', file],
    ports: [obs.exporter.listen],
    dataDir: config.checkpointDir,
  };
}

/** The profile token's file, made once per network (a random 256-bit token, 0600); `mictract grafana` gives it to the app. */
export async function ensureProfileToken(dirs: StackDirs): Promise<string> {
  const file = profileTokenFile(dirs);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!(await access(file).then(() => true, () => false))) await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  return file;
}

/** The chaincode pods of the local target, as the exporter's ledger API lists them. */
export interface LocalPod {
  readonly name: string;
  readonly namespace: string;
  readonly chaincode: string;
  readonly org: string;
  readonly slot: string;
  readonly address: string;
  readonly sidecarMetrics?: string;
  /** The replica's Node.js inspector (loopback), when its chaincode has `profile: true`: the exporter captures profiles there. */
  readonly inspector?: string;
  readonly phase: 'Running' | 'Failed' | 'Pending';
  readonly ready: boolean;
  readonly startedAt?: string;
}

export async function writePodsFile(network: Network, dirs: StackDirs, processes: readonly ProcessStatus[]): Promise<number> {
  if (!network.observability) return 0;
  const byName = new Map(processes.map((p) => [p.name, p]));
  const pods: LocalPod[] = [];
  for (const cc of network.chaincodes) {
    for (const slot of cc.slots) {
      for (const r of slot.replicas) {
        const proc = byName.get(r.name);
        if (!proc) continue;
        const sidecar = byName.get(`${r.name}-sidecar`);
        const phase = proc.state === 'crashed' || sidecar?.state === 'crashed' ? 'Failed' : proc.state === 'healthy' ? 'Running' : 'Pending';
        pods.push({
          name: r.name,
          namespace: network.name,
          chaincode: cc.name,
          org: network.organizations.find((o) => o.name === r.org)!.mspId,
          slot: slot.name,
          address: `${r.listen.host}:${r.listen.port}`,
          ...(r.sidecar ? { sidecarMetrics: `${r.sidecar.metrics.host}:${r.sidecar.metrics.port}` } : {}),
          ...(r.inspector ? { inspector: `${r.inspector.host}:${r.inspector.port}` } : {}),
          phase,
          ready: phase === 'Running',
          startedAt: proc.startedAt,
        });
      }
    }
  }
  const file = podsFile(dirs);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(`${file}.tmp`, JSON.stringify({ pods }, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return pods.length;
}
