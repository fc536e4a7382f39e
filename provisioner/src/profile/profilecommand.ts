import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CaptureBusyError, CaptureRequestError, PROFILE_LIMITS, captureProfile, checkSeconds } from '@mictract/exporter/dist/profile/capture';
import { InspectorError } from '@mictract/exporter/dist/profile/inspectorsession';
import { type ProfileReport, formatReport, profileReport } from '@mictract/exporter/dist/profile/profilereport';
import { openNetwork } from '../local/opennetwork';
import { Supervisor } from '../local/supervisor';
import { type TargetOptions, withTarget } from '../kubernetes/commands';
import type { Chaincode, ChaincodeReplica, Network } from '../networkspec/network';
import { UsageError } from '../statedir';

// `mictract profile <chaincode>`: a CPU profile (and with --heap a sampling heap profile) of one running
// replica, through the Node.js inspector the replica was started with (spec `profile: true`; loopback
// only), while it keeps serving. Writes .cpuprofile / .heapprofile (Chrome DevTools, speedscope) and
// prints the top functions by self and total time at their lines in the chaincode's source.

// the Kubernetes client is a second of CPU to load: only with --target kubernetes
const kube = (): typeof import('./kubernetesprofile') => require('./kubernetesprofile');

export interface ProfileOptions extends Partial<TargetOptions> {
  readonly network?: string;
  readonly org?: string;
  readonly replica?: string;
  readonly seconds: string;
  readonly heap?: boolean;
  readonly out?: string;
  readonly top: string;
  readonly json?: boolean;
}

export function addProfileCommand(program: Command): void {
  const cmd = program
    .command('profile')
    .description("record a CPU profile (--heap: and a heap profile) of a running chaincode replica through its Node.js inspector, write .cpuprofile/.heapprofile and print the top functions at their source lines; needs profile: true on the chaincode in the spec")
    .argument('<chaincode>', 'chaincode name, e.g. marbles')
    .option('-n, --network <name>', 'network name; may be left out when there is only one')
    .option('--org <org>', "organization whose replica to profile (name or MSP ID; default: the first org's)")
    .option('--replica <replica>', 'replica index within the org (0, 1, ...) or its full name (default: the first running one)')
    .option('--seconds <n>', `how long to record, ${PROFILE_LIMITS.minSeconds} to ${PROFILE_LIMITS.maxSeconds}`, String(PROFILE_LIMITS.defaultSeconds))
    .option('--heap', 'also record a sampling heap profile (allocations by stack)')
    .option('--out <dir>', "folder for the profile files (default: the network's profiles/ folder)")
    .option('--top <n>', 'functions to print per table', '10')
    .option('--json', 'print {replica, files, report} as JSON, for scripts');
  // --target kubernetes: the replica is a pod, its inspector reached by port-forward through the API server
  withTarget(cmd).action(profileCommand);
}

/** Where to capture: a loopback inspector address, the replica's name, and how to end the way there. */
interface CaptureTarget {
  readonly name: string;
  /** How it is reached, for the progress line: "inspector 127.0.0.1:17003", "port-forward to ...". */
  readonly via: string;
  readonly address: string;
  readonly out: string;
  /** The chaincode's folder here, for source paths (local target). */
  readonly root?: string;
  readonly sourceNote: string;
  /** Why a failed session failed, when the way there knows (the port-forward's far end). */
  explain?(): string | undefined;
  close?(): Promise<void>;
}

export async function profileCommand(chaincode: string, opts: ProfileOptions): Promise<void> {
  const seconds = Number(opts.seconds);
  try {
    checkSeconds(seconds);
  } catch (err) {
    if (err instanceof CaptureRequestError) throw new UsageError(`--seconds: ${err.message}`);
    throw err;
  }
  const top = Number(opts.top);
  if (!(Number.isInteger(top) && top >= 1 && top <= 100)) throw new UsageError(`--top: must be a whole number from 1 to 100 (got ${opts.top})`);
  if (opts.target === 'kubernetes') {
    const fwd = await kube().forwardInspector(chaincode, opts);
    const { pod } = fwd;
    return record(
      {
        name: pod.name,
        via: `inspector on the pod's 127.0.0.1:${pod.inspectorPort}, port-forward ${pod.namespace}/${pod.name} -> ${fwd.address}`,
        address: fwd.address,
        out: opts.out ?? fwd.profilesDir,
        sourceNote: "paths as the pod's scripts have them, or mapped where the files are here",
        explain: fwd.farEnd,
        close: fwd.close,
      },
      seconds,
      top,
      opts,
    );
  }
  if (opts.context !== undefined || opts.namespace !== undefined) throw new UsageError('--context and --namespace go with --target kubernetes');
  const { network, dirs, specFile } = await openNetwork(opts.network);
  const cc = network.chaincodes.find((c) => c.name === chaincode);
  if (!cc) throw new UsageError(`<chaincode>: network ${network.name} has no chaincode "${chaincode}"; known: ${network.chaincodes.map((c) => c.name).join(', ') || 'none'}`);
  if (!cc.profile) {
    throw new UsageError(
      `profiling is off for chaincode ${cc.name}: its replicas run without the Node.js inspector. To enable it, add profile: true to its entry in ${specFile}` +
        ` (chaincodes: - {name: ${cc.name}, ..., profile: true}) and run \`mictract up ${specFile}\`: its replicas restart with the inspector on 127.0.0.1 only.`,
    );
  }
  const replica = await chooseReplica(network, cc, new Supervisor(dirs.network), opts);
  const address = `${replica.inspector!.host}:${replica.inspector!.port}`;
  await record(
    { name: replica.name, via: `inspector ${address}`, address, out: opts.out ?? path.join(dirs.network, 'profiles'), root: cc.path, sourceNote: `paths relative to ${cc.path}` },
    seconds,
    top,
    opts,
  );
}

/** Captures through the target's inspector, writes the files and prints the report (the same for both targets). */
async function record(t: CaptureTarget, seconds: number, top: number, opts: ProfileOptions): Promise<void> {
  const out = path.resolve(t.out);
  if (!opts.json) console.error(`profiling ${t.name} (${t.via}) for ${seconds} s${opts.heap ? ', with a heap profile' : ''} ...`);
  let captured;
  try {
    captured = await captureProfile(t.address, { seconds, heap: opts.heap ?? false, by: `mictract profile (pid ${process.pid})` });
  } catch (err) {
    if (err instanceof CaptureBusyError) throw new UsageError(`${t.name}: ${err.message}`);
    const why = t.explain?.();
    if (err instanceof InspectorError && why) throw new InspectorError(`${err.message} (the port-forward: ${why})`);
    throw err;
  } finally {
    await t.close?.();
  }
  await mkdir(out, { recursive: true, mode: 0o700 });
  const stem = path.join(out, `${t.name}-${captured.startedAt.replace(/[:.]/g, '-')}`);
  const files = [`${stem}.cpuprofile`];
  await writeFile(files[0]!, JSON.stringify(captured.cpu), { mode: 0o600 });
  if (captured.heap) {
    files.push(`${stem}.heapprofile`);
    await writeFile(files[1]!, JSON.stringify(captured.heap), { mode: 0o600 });
  }
  const report = profileReport(captured.cpu, { ...(t.root ? { root: t.root } : {}), limit: top });
  if (opts.json) {
    console.log(JSON.stringify({ replica: t.name, startedAt: captured.startedAt, seconds: captured.seconds, files, report }));
    return;
  }
  console.log(printable(t.name, report, files, t.sourceNote, top));
}

function printable(name: string, report: ProfileReport, files: string[], sourceNote: string, top: number): string {
  return [
    `${name}: ${formatReport(report, top)}`,
    '',
    `(${sourceNote}; "hot line" is the line inside the function with the most samples)`,
    ...files.map((f) => `wrote ${f}`),
    'open them in Chrome DevTools (Performance, or Memory for the heap profile) or https://www.speedscope.app',
  ].join('\n');
}

/** The replica to profile: running, with an inspector, of the org and index asked for. */
async function chooseReplica(network: Network, cc: Chaincode, supervisor: Supervisor, opts: ProfileOptions): Promise<ChaincodeReplica> {
  let org = network.organizations[0]!;
  if (opts.org !== undefined) {
    const found = network.organizations.find((o) => o.name.toLowerCase() === opts.org!.toLowerCase() || o.mspId.toLowerCase() === opts.org!.toLowerCase());
    if (!found) throw new UsageError(`--org: network ${network.name} has no organization "${opts.org}"; known: ${network.organizations.map((o) => o.name).join(', ')}`);
    org = found;
  }
  const healthy = new Set((await supervisor.status()).filter((p) => p.state === 'healthy').map((p) => p.name));
  const ofOrg = cc.slots.flatMap((s) => s.replicas).filter((r) => r.org === org.name && r.inspector);
  let wanted = ofOrg;
  if (opts.replica !== undefined) {
    wanted = ofOrg.filter((r) => r.name === opts.replica || String(r.index) === opts.replica);
    if (wanted.length === 0) throw new UsageError(`--replica: ${cc.name} has no replica "${opts.replica}" in ${org.name}; give an index from 0 to ${ofOrg.length / 2 - 1} or a name such as ${ofOrg[0]?.name ?? '?'}`);
  }
  const running = wanted.find((r) => healthy.has(r.name));
  if (!running) throw new UsageError(`no running replica of ${cc.name} in ${org.name}${opts.replica !== undefined ? ` matches "${opts.replica}"` : ''}: see \`mictract status ${network.name}\` (\`mictract up\` restarts crashed ones)`);
  return running;
}
