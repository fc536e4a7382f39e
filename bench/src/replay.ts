import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { exporterCpu } from './exportercpu';
import { ledgerDir, readMeta, type LedgerMeta } from './ledgerfile';
import { makeLedger } from './makeledger';
import type { ChildResult, Mode } from './replaychild';
import { median } from './stats';

// Issue 10's benchmark: the exporter replaying a channel from block 0.
//
//   node bench/dist/replay.js [--runs 5] [--min-tx 100000] [--cpu 0] [--profile] [--steady-seconds 60] [--no-steady] [--no-replay]
//                             [--create-only] [--orgs 1] [--rate 300]   (the last two: how a missing ledger is made)
//                             [--heap-flags "--max-semi-space-size=16"]  (the second pipeline variant's V8 flags)
//                             [--baseline DIR]  (also the pipeline of another build, both variants, interleaved: DIR holds
//                                                its bench/dist and exporter/dist, e.g. a copy of them made before a change)
//
// 1. The ledger: made once by the marbles workload on a real local network (makeledger.ts) and kept in
//    ~/.cache/mictract/bench/ledger-<key>, the raw serialized blocks in one length-prefixed file.
// 2. The replay: in child processes pinned to one core (taskset), the kinds interleaved run by run,
//    - floor:    the raw protobuf decode: fabric-protos Block.deserializeBinary, then Envelope, Payload and
//                ChannelHeader of every transaction;
//    - full:     the raw protobuf decode of every message the exporter reads, with fabric-protos alone:
//                headers, creator, actions, invocation spec, endorsers, response payload, chaincode action,
//                events and each namespace's KVRWSet (replaychild.ts, fullDecode);
//    - decode:   Block.deserializeBinary (what the Fabric Gateway hands the exporter) and the exporter's
//                decodeBlock;
//    - pipeline: the exporter's own ChannelReader and ChannelProcessor over a block source that reads the
//                file: deserialize, verify the hash chain, decode, count (metrics), certificates, index
//                for the ledger API, checkpoint file after each block, as exporter.ts wires them;
//    - small-heap: the pipeline again under SMALL_HEAP's V8 flags.
//    Each reports wall time, CPU time, peak RSS (resourceUsage().maxRSS) and RSS every 10 % of the blocks.
// 3. Steady state (exportercpu.ts): the real mictract-exporter beside a live network under the workload
//    at 100 tx/s, its CPU read from /proc over a window.

const FABRIC_VERSION = '2.5.16';
/** V8 flags of the small-heap variant: a young generation of 3 x 8 MB (node's default grows to 128 MB here) and a capped old one. */
const SMALL_HEAP = ['--max-semi-space-size=8', '--max-old-space-size=160'];

interface Args {
  runs: number;
  minTx: number;
  cpu: number;
  profile: boolean;
  steadySeconds: number;
  steady: boolean;
  replay: boolean;
  rate: number;
  createOnly: boolean;
  orgs: number;
  heapFlags: string[];
  baseline?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { runs: 5, minTx: 100_000, cpu: 0, profile: false, steadySeconds: 60, steady: true, replay: true, rate: 300, createOnly: false, orgs: 1, heapFlags: SMALL_HEAP };
  for (let i = 0; i < argv.length; i++) {
    const v = () => Number(argv[++i]);
    switch (argv[i]) {
      case '--runs': a.runs = v(); break;
      case '--min-tx': a.minTx = v(); break;
      case '--cpu': a.cpu = v(); break;
      case '--profile': a.profile = true; break;
      case '--steady-seconds': a.steadySeconds = v(); break;
      case '--no-steady': a.steady = false; break;
      case '--no-replay': a.replay = false; break;
      case '--rate': a.rate = v(); break;
      case '--create-only': a.createOnly = true; break;
      case '--orgs': a.orgs = v(); break;
      case '--heap-flags': a.heapFlags = (argv[++i] ?? '').split(/\s+/).filter(Boolean); break;
      case '--baseline': a.baseline = path.resolve(argv[++i] ?? ''); break;
      default: throw new Error(`unknown argument ${argv[i]}; see the comment at the top of bench/src/replay.ts`);
    }
  }
  return a;
}

async function ensureLedger(a: Args): Promise<{ dir: string; meta: LedgerMeta }> {
  const key = `fabric${FABRIC_VERSION}-${a.orgs}org-marbles-${a.minTx}`;
  const dir = ledgerDir(key);
  const meta = await readMeta(dir);
  if (meta && existsSync(path.join(dir, 'blocks.bin'))) return { dir, meta };
  return { dir, meta: await makeLedger(dir, { minTransactions: a.minTx, rate: a.rate, orgs: a.orgs, maxInFlight: a.rate, roundOps: 1000, batchTimeoutMs: 1000, fabric: '2.5', fabricVersion: FABRIC_VERSION, key }) };
}

/** One measurement in a fresh process pinned to `cpu`; its result is the last line of its stdout. */
function child(mode: Mode, dir: string, cpu: number, nodeFlags: readonly string[] = [], script = path.join(__dirname, 'replaychild.js')): Promise<ChildResult> {
  const args = [...nodeFlags, script, mode, dir];
  const [cmd, argv] = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${mode} child exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

const f0 = (x: number) => x.toFixed(0);
const mb = (bytes: number) => (bytes / 1048576).toFixed(0);

/** Where the replay's CPU time goes, from a V8 .cpuprofile: samples under the reader's loop and GC only (not start-up, not the check at the end). */
async function profileSummary(file: string, n = 16): Promise<string[]> {
  interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
  const p = JSON.parse(await readFile(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const name = (cf: Node['callFrame']) => `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^.*node_modules\//, '').replace(/^.*\/(exporter|bench)\/dist\//, '$1/')}${cf.url ? `:${cf.lineNumber + 1}` : ''}`.trim();
  // inclusive time of the pipeline's stages (function name @ file)
  const stages: [string, string, string][] = [
    ['Block.deserializeBinary (the gateway\'s part)', 'proto.common.Block.deserializeBinary', 'common_pb.js'],
    ['decodeBlock', 'decodeBlock', 'blockdecoder.js'],
    ['hash chain (ChainVerifier.verify)', 'verify', 'chainverifier.js'],
    ['metrics and counts (count)', 'count', 'blockprocessor.js'],
    ['certificates (noteCertificates)', 'noteCertificates', 'blockprocessor.js'],
    ['ledger index (LedgerIndex.add)', 'add', 'ledgerindex.js'],
    ['checkpoint (CheckpointFile.save)', 'save', 'checkpointfile.js'],
    ['reading the file (readBlocks)', 'readBlocks', 'ledgerfile.js'],
  ];
  const self = new Map<string, number>();
  const stage = new Map<string, number>();
  let all = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const frames: Node['callFrame'][] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) frames.push(byId.get(x)!.callFrame);
    const gc = frames[0]!.functionName === '(garbage collector)';
    if (!gc && !frames.some((f) => f.functionName === 'loop' && f.url.endsWith('channelreader.js'))) return;
    all += dt;
    self.set(name(frames[0]!), (self.get(name(frames[0]!)) ?? 0) + dt);
    if (gc) stage.set('garbage collector', (stage.get('garbage collector') ?? 0) + dt);
    for (const [label, fn, url] of stages) if (frames.some((f) => f.functionName === fn && f.url.endsWith(url))) stage.set(label, (stage.get(label) ?? 0) + dt);
  });
  const pct = (us: number) => `${((100 * us) / all).toFixed(1).padStart(5)} %`;
  return [
    `replay CPU in the profile: ${(all / 1e6).toFixed(2)} s (the profiler slows it down)`,
    'by stage (inclusive; GC apart):',
    ...[...stage.entries()].sort((a, b) => b[1] - a[1]).map(([k, us]) => `${pct(us)}  ${k}`),
    'by function (self):',
    ...[...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `${pct(us)}  ${k}`),
  ];
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const { dir, meta } = await ensureLedger(a);
  console.log(`# exporter replay from block 0 (issue 10)\n`);
  console.log(`ledger: ${dir}\n  ${meta.blocks} blocks, ${meta.transactions} transactions (${meta.endorserTransactions} endorser), ${(meta.bytes / 1e6).toFixed(0)} MB, ${(meta.transactions / meta.blocks).toFixed(0)} tx/block; Fabric ${meta.fabric}; ${meta.workload}`);
  console.log(`  validation codes: ${Object.entries(meta.validation).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`  functions: ${Object.entries(meta.functions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (a.createOnly) return;
  if (a.replay) await replay(a, dir, meta);
  if (a.steady) {
    console.log('');
    await exporterCpu({ seconds: a.steadySeconds, txPerSecond: 100, orgs: a.orgs });
  }
  console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

async function replay(a: Args, dir: string, meta: LedgerMeta): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), shared; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the start; children pinned to core ${a.cpu}; Node ${process.version}\n`);

  // the pipeline twice: as the exporter runs today (node's defaults), and with a small V8 heap
  const kinds: { name: string; mode: Mode; flags: string[]; label: string; script?: string }[] = [
    { name: 'floor', mode: 'floor', flags: [], label: 'raw protobuf decode (floor): Block, Envelope, Payload, ChannelHeader' },
    { name: 'full', mode: 'full', flags: [], label: 'raw protobuf decode of all the exporter reads (fabric-protos, down to each KVRWSet)' },
    { name: 'decode', mode: 'decode', flags: [], label: 'Block.deserializeBinary + exporter decodeBlock' },
    { name: 'pipeline', mode: 'pipeline', flags: [], label: '**exporter pipeline**: read, decode, verify, metrics, certificates, index, checkpoint' },
    { name: 'small-heap', mode: 'pipeline', flags: a.heapFlags, label: `exporter pipeline, node ${a.heapFlags.join(' ')}` },
  ];
  if (a.baseline) {
    const script = path.join(a.baseline, 'bench', 'dist', 'replaychild.js');
    if (!existsSync(script)) throw new Error(`--baseline ${a.baseline}: no bench/dist/replaychild.js there`);
    kinds.push(
      { name: 'baseline', mode: 'pipeline', flags: [], label: `baseline pipeline (${a.baseline})`, script },
      { name: 'baseline-heap', mode: 'pipeline', flags: a.heapFlags, label: `baseline pipeline, node ${a.heapFlags.join(' ')}`, script },
    );
  }
  const results = new Map<string, ChildResult[]>(kinds.map((k) => [k.name, []]));
  for (let run = 1; run <= a.runs; run++) {
    for (const k of kinds) {
      const r = await child(k.mode, dir, a.cpu, k.flags, k.script);
      if (r.transactions !== meta.transactions) throw new Error(`${k.name}: ${r.transactions} transactions, the ledger has ${meta.transactions}`);
      results.get(k.name)!.push(r);
      process.stderr.write(`run ${run} ${k.name.padEnd(10)}: ${r.wallSeconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s CPU, ${f0(r.transactions / r.cpuSeconds)} tx/s of CPU, peak RSS ${mb(r.maxRssBytes)} MB${r.check ? `, ${r.check}` : ''}\n`);
    }
  }
  const med = (name: string, f: (r: ChildResult) => number) => median(results.get(name)!.map(f));
  const floorCpu = med('floor', (r) => r.cpuSeconds);
  const fullCpu = med('full', (r) => r.cpuSeconds);
  console.log(`median of ${a.runs} runs (the kinds interleaved, each run a fresh process):\n`);
  console.log('| what | blocks/s | tx/s | tx/s (wall) | CPU s | vs header decode (floor) | vs full raw decode | peak RSS | RSS at 10 / 50 / 90 / 100 % | modules loaded |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const k of kinds) {
    const cpu = med(k.name, (r) => r.cpuSeconds);
    const rss = [1, 5, 9, 10].map((i) => mb(med(k.name, (r) => r.rssAt[i - 1]!))).join(' / ');
    console.log(`| ${k.label} | ${f0(meta.blocks / cpu)} | ${f0(meta.transactions / cpu)} | ${f0(med(k.name, (r) => r.transactions / r.wallSeconds))} | ${cpu.toFixed(2)} | ${(cpu / floorCpu).toFixed(2)}× | ${(cpu / fullCpu).toFixed(2)}× | ${mb(med(k.name, (r) => r.maxRssBytes))} MB | ${rss} MB | ${med(k.name, (r) => r.loadSeconds).toFixed(2)} s |`);
  }
  for (const name of ['pipeline', 'small-heap', ...(a.baseline ? ['baseline', 'baseline-heap'] : [])]) {
    const p = results.get(name)!;
    console.log(`\n${name}: heap used at 10 / 50 / 90 / 100 %: ${[1, 5, 9, 10].map((i) => mb(median(p.map((r) => r.heapAt[i - 1]!)))).join(' / ')} MB; RSS every 10 % (median): ${Array.from({ length: 10 }, (_, i) => mb(median(p.map((r) => r.rssAt[i]!)))).join(', ')} MB; ${p[0]!.check}`);
  }
  console.log('\nblocks/s and tx/s per second of CPU time of the pinned process (user + system, every thread); wall time on a shared core counts other work too.');

  if (a.profile) {
    const profDir = await mkdtemp(path.join(tmpdir(), 'mictract-replay-prof-'));
    try {
      await child('pipeline', dir, a.cpu, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
      const file = (await readdir(profDir)).find((f) => f.endsWith('.cpuprofile'))!;
      console.log(`\npipeline under --cpu-prof:\n\n\`\`\`\n${(await profileSummary(path.join(profDir, file))).join('\n')}\n\`\`\``);
    } finally {
      await rm(profDir, { recursive: true, force: true });
    }
  }

}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
