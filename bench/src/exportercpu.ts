import { readFile } from 'node:fs/promises';
import { startTestNetwork } from '@mictract/provisioner';
import { RoundsWorkload } from './roundsworkload';

// Steady state: the real mictract-exporter (the process `mictract up` starts beside a network with
// observability on: Deliver over TLS, metrics, a span per transaction to Jaeger, the ledger API)
// while the marbles workload commits about `txPerSecond` transactions per second. Its CPU time is
// read from /proc/<pid>/stat (utime + stime, every thread) over the window, and the transactions the
// exporter processed in the same window from its own /metrics.

export interface ExporterCpuOptions {
  readonly seconds: number;
  readonly txPerSecond: number;
  readonly orgs: number;
}

const CLK_TCK = 100; // getconf CLK_TCK on Linux

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return Number(fields[11]) + Number(fields[12]); // utime (14), stime (15)
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** Envelopes the exporter has processed, from its /metrics. */
async function processed(address: string): Promise<number> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('mictract_exporter_transactions_processed_total{')) n += Number(line.split(' ').at(-1));
  return n;
}

// The workload's mix commits 0.68 transactions per operation started (0.30 init, 0.18 transfer,
// 0.06 x 2 concurrent transfers, 0.04 transfer by color, 0.04 delete); the rest are queries.
const SUBMITS_PER_OP = 0.68;

export async function exporterCpu(o: ExporterCpuOptions): Promise<void> {
  const log = (s: string) => process.stderr.write(`[steady] ${s}\n`);
  log('starting a network with the observability stack (exporter, Prometheus, Jaeger)');
  const net = await startTestNetwork({ name: 'steady', orgs: o.orgs, orderers: 1, replicas: 1, sidecar: false, observability: true });
  const conn = await net.connect();
  let workload: RoundsWorkload | undefined;
  try {
    const exporter = (await net.supervisor.status()).find((p) => p.name === 'mictract-exporter');
    if (!exporter) throw new Error('no mictract-exporter process in the network');
    const cmdline = (await readFile(`/proc/${exporter.pid}/cmdline`, 'utf8')).split('\0').join(' ');
    if (!cmdline.includes('exportermain')) throw new Error(`pid ${exporter.pid} is not the exporter: ${cmdline}`);
    const listen = net.network.observability!.exporter.listen;
    const address = `${listen.host}:${listen.port}`;
    workload = new RoundsWorkload(conn.contract('marbles'), { rate: o.txPerSecond / SUBMITS_PER_OP, maxInFlight: 200, roundOps: 1000 });
    workload.start();
    log(`workload at ${(o.txPerSecond / SUBMITS_PER_OP).toFixed(0)} ops/s; 20 s warm-up, then ${o.seconds} s measured`);
    await new Promise((r) => setTimeout(r, 20_000));
    const samples: { t: number; ticks: number; tx: number; rss: number }[] = [];
    const sample = async () => samples.push({ t: performance.now(), ticks: await cpuTicks(exporter.pid), tx: await processed(address), rss: await rssBytes(exporter.pid) });
    await sample();
    for (let i = 0; i < o.seconds / 10; i++) {
      await new Promise((r) => setTimeout(r, 10_000));
      await sample();
    }
    const first = samples[0]!;
    const last = samples.at(-1)!;
    const seconds = (last.t - first.t) / 1000;
    const cpu = (last.ticks - first.ticks) / CLK_TCK;
    const tx = last.tx - first.tx;
    const per10 = samples.slice(1).map((s, i) => `${((100 * (s.ticks - samples[i]!.ticks)) / CLK_TCK / ((s.t - samples[i]!.t) / 1000)).toFixed(1)}`);
    console.log(`steady state: the mictract-exporter process of a live network (${o.orgs} org(s), one peer each, batch timeout 250 ms, exporter with spans to Jaeger; workload ${workload.summary()}), ${seconds.toFixed(0)} s measured after 20 s of warm-up\n`);
    console.log('| ledger tx/s (exporter counted) | exporter CPU | CPU per 1000 tx | CPU % per 10 s | exporter RSS (start → end) |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(`| ${(tx / seconds).toFixed(1)} | ${((100 * cpu) / seconds).toFixed(1)} % of a core | ${((1000 * cpu) / Math.max(1, tx) * 1000).toFixed(0)} ms | ${per10.join(', ')} | ${(first.rss / 1048576).toFixed(0)} → ${(last.rss / 1048576).toFixed(0)} MB |`);
  } finally {
    await workload?.stop().catch(() => undefined);
    conn.close();
    await net.destroy();
  }
}
