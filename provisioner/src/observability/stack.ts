import { access, constants, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { PrerequisiteError } from '../fabricbinaries';
import type { Network } from '../networkspec/network';
import type { ProcessSpec, Supervisor } from '../local/supervisor';
import { jaegerConfig } from './jaegerconfig';
import { writePodsFile } from './exporterprocess';
import { type StackDirs, balancerTargetsFile, sidecarTargetsFile, stackDir } from './stackdirs';
import { balancerTargets, prometheusConfig, sidecarTargets } from './prometheusconfig';

// The observability stack of a local network, as supervised processes beside it: Jaeger v2 (in
// place of Tempo; in memory) receiving OTLP, and Prometheus 3 scraping Fabric, the exporter and the
// sidecars, with exemplar storage so a latency spike opens its trace. Both come from the project's
// Go tools (tools/build.sh); MICTRACT_TOOLS_BIN points elsewhere.

const TOOLS_BIN = path.resolve(__dirname, '../../../.cache/bin');

export function toolsBin(env: NodeJS.ProcessEnv = process.env): string {
  return env.MICTRACT_TOOLS_BIN ?? TOOLS_BIN;
}

async function tool(name: 'jaeger' | 'prometheus'): Promise<string> {
  const file = path.join(toolsBin(), name);
  await access(file, constants.X_OK).catch(() => {
    throw new PrerequisiteError(`${name} is not built (${file} is missing): run tools/build.sh (./dev setup does it), or set MICTRACT_TOOLS_BIN to a folder with jaeger and prometheus`);
  });
  return file;
}


/** Rule files Prometheus loads (dashboards/ generates them; absent ones are left out). */
export interface StackOptions {
  readonly ruleFiles?: readonly string[];
}

export async function stackProcesses(network: Network, dirs: StackDirs, opts: StackOptions = {}): Promise<ProcessSpec[]> {
  const obs = network.observability;
  if (!obs) return [];
  const dir = stackDir(dirs);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const jaegerFile = path.join(dir, 'jaeger.yaml');
  await atomicWrite(jaegerFile, stringify(jaegerConfig(obs.jaeger)));
  const targets = sidecarTargetsFile(dirs);
  const balancers = balancerTargetsFile(dirs);
  await access(targets).catch(() => atomicWrite(targets, '[]'));
  await access(balancers).catch(() => atomicWrite(balancers, '[]'));
  const promFile = path.join(dir, 'prometheus.yaml');
  await atomicWrite(promFile, stringify(prometheusConfig(network, targets, balancers, opts.ruleFiles ?? [])));
  const [jaeger, prometheus] = await Promise.all([tool('jaeger'), tool('prometheus')]);
  return [
    {
      name: 'jaeger',
      command: jaeger,
      args: ['--config', jaegerFile],
      ports: [obs.jaeger.otlp, obs.jaeger.query, obs.jaeger.health],
      health: `http://${obs.jaeger.health.host}:${obs.jaeger.health.port}/status`,
    },
    {
      name: 'prometheus',
      command: prometheus,
      args: [
        `--config.file=${promFile}`,
        `--storage.tsdb.path=${path.join(dirs.data, 'prometheus')}`,
        '--storage.tsdb.retention.time=7d',
        `--web.listen-address=${obs.prometheus.host}:${obs.prometheus.port}`,
        '--enable-feature=exemplar-storage',
        // so `up` can apply a changed rule or target list without a restart
        '--web.enable-lifecycle',
      ],
      ports: [obs.prometheus],
      health: `http://${obs.prometheus.host}:${obs.prometheus.port}/-/ready`,
      dataDir: path.join(dirs.data, 'prometheus'),
    },
  ];
}

/**
 * Tells the observers which chaincode pods run now: Prometheus's sidecar and balancer target lists and the
 * exporter's pods file. Called whenever replicas start or stop (up, upgrade).
 */
export async function refreshObservedPods(network: Network, dirs: StackDirs, supervisor: Supervisor): Promise<number> {
  if (!network.observability) return 0;
  const processes = await supervisor.status();
  const running = new Set(processes.filter((p) => p.state !== 'crashed' && p.name.endsWith('-sidecar')).map((p) => p.name.slice(0, -'-sidecar'.length)));
  const list = sidecarTargets(network, running);
  await atomicWrite(sidecarTargetsFile(dirs), JSON.stringify(list, null, 2));
  const alive = new Set(processes.filter((p) => p.state !== 'crashed').map((p) => p.name));
  await atomicWrite(balancerTargetsFile(dirs), JSON.stringify(balancerTargets(network, alive), null, 2));
  return writePodsFile(network, dirs, processes);
}

async function atomicWrite(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}
