import path from 'node:path';
import { type Command, Option } from 'commander';
import { loadSpec } from '../networkspec';
import { consoleProgress } from '../progress';
import { UsageError } from '../statedir';

// The Kubernetes client is a second of CPU to load: every `mictract` command would pay it, so the
// modules that use it load only when the target is Kubernetes.
const kube = (): typeof import('./upkubernetes') => require('./upkubernetes');

// The command-line side of the Kubernetes target: the options `up`, `status` and `down` gain, and
// what each does with --target kubernetes. cli.ts adds them and hands over when the target is ours.

export interface TargetOptions {
  readonly target: 'local' | 'kubernetes';
  readonly context?: string;
  readonly namespace?: string;
  /** `up --no-channel` (Kubernetes only): apply and wait, no channel or lifecycle. */
  readonly channel?: boolean;
}

/** --target, --context, --namespace on a command. */
export function withTarget(cmd: Command): Command {
  return cmd
    .addOption(new Option('--target <target>', 'where the network runs').choices(['local', 'kubernetes']).default('local'))
    .addOption(new Option('--context <name>', 'kubeconfig context (--target kubernetes; default: the current one)'))
    .addOption(new Option('--namespace <name>', 'namespace (--target kubernetes; default: the spec\'s kubernetes.namespace, else the network name)'));
}

function kubernetesOnly(opts: TargetOptions): void {
  if (opts.target !== 'kubernetes' && (opts.context !== undefined || opts.namespace !== undefined || opts.channel === false)) {
    throw new UsageError('--context, --namespace and --no-channel go with --target kubernetes');
  }
}

const chaincodeSummary = (r: import('./upkubernetes').KubernetesUpResult): string =>
  r.channel ? `, channel ${r.manifests.network.channel}${r.channel.chaincodes.map((c) => `, ${c.name} ${c.version} (sequence ${c.sequence}, ${c.slot}, ${c.action})`).join('')}` : ', no channel (--no-channel)';

/** `up --target kubernetes`; false when the target is local (the caller carries on). */
export async function upTarget(specFile: string, opts: TargetOptions): Promise<boolean> {
  kubernetesOnly(opts);
  if (opts.target !== 'kubernetes') return false;
  const progress = consoleProgress();
  const started = Date.now();
  const loaded = await progress.step('validate spec', () => loadSpec(specFile));
  const r = await kube().upKubernetes(loaded, progress, opts);
  console.log(`network ${loaded.network.name} is up on Kubernetes in ${((Date.now() - started) / 1000).toFixed(1)} s: namespace ${r.manifests.options.namespace}, ${r.ready?.ready ?? 0} pods Ready${chaincodeSummary(r)} (\`mictract status --target kubernetes ${loaded.network.name}\`)`);
  return true;
}

/** `upgrade --target kubernetes`: `up`, refusing unless the chaincode is committed at another version. */
export async function upgradeTarget(specFile: string, name: string, opts: TargetOptions): Promise<boolean> {
  kubernetesOnly(opts);
  if (opts.target !== 'kubernetes') return false;
  const progress = consoleProgress();
  const loaded = await progress.step('validate spec', () => loadSpec(specFile));
  const r = await kube().upKubernetes(loaded, progress, { ...opts, upgrade: name });
  const cc = r.channel?.chaincodes.find((c) => c.name === name);
  console.log(`${name} ${cc?.action ?? 'upgraded'} to ${cc?.version} (sequence ${cc?.sequence}, ${cc?.slot} slot, package ${cc?.packageId}); ${cc?.removed ?? 0} objects of the old slot deleted`);
  return true;
}

const networkName = (name: string | undefined): string => {
  if (name === undefined) throw new UsageError('[network]: name the network with --target kubernetes, e.g. `mictract status --target kubernetes demo`');
  return name;
};

/** `status --target kubernetes`: exit 4 when a pod is not Ready. */
export async function statusTarget(name: string | undefined, opts: TargetOptions): Promise<boolean> {
  kubernetesOnly(opts);
  if (opts.target !== 'kubernetes') return false;
  const { statusKubernetes, formatPodStates } = kube();
  const states = await statusKubernetes(networkName(name), opts);
  console.log(formatPodStates(states));
  if (states.length === 0 || states.some((p) => !p.ready)) process.exitCode = 4;
  return true;
}

export async function downTarget(name: string | undefined, opts: TargetOptions & { purge?: boolean }): Promise<boolean> {
  kubernetesOnly(opts);
  if (opts.target !== 'kubernetes') return false;
  if (opts.purge) throw new UsageError('--purge is for the local target; on Kubernetes `down` deletes the volumes with the nodes');
  await kube().downKubernetes(networkName(name), consoleProgress(), opts);
  return true;
}

/** `render --target kubernetes <spec> <dir>`. */
export async function renderCommand(specFile: string, dir: string, opts: { target: string; namespace?: string }): Promise<void> {
  if (opts.target !== 'kubernetes') throw new UsageError(`--target: render writes Kubernetes manifests only; use --target kubernetes (got ${opts.target})`);
  const progress = consoleProgress();
  const loaded = await progress.step('validate spec', () => loadSpec(specFile));
  const [{ clusterManifests }, { renderTo }] = [require('./clustermanifests') as typeof import('./clustermanifests'), require('./render') as typeof import('./render')];
  const m = await progress.step('Kubernetes manifests', () => clusterManifests(loaded, opts.namespace ? { namespace: opts.namespace } : {}), (x) => `${x.objects.length} objects`);
  const files = await progress.step(`write ${dir}`, () => renderTo(dir, m.objects), (f) => `${f.length} files and kustomization.yaml`);
  console.log(`${path.resolve(dir)}: ${files.length} manifests for namespace ${m.options.namespace} (kubectl apply --server-side --field-manager=mictract -k ${dir}); Secrets hold the keys: encrypt them before committing`);
}
