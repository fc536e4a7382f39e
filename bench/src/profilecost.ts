import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { startTestNetwork } from '@mictract/provisioner';
import { CpuWorkload, type Invocation } from '@mictract/provisioner/dist/profile/cpuworkload';
import { median, quantile } from './stats';

// Issue 17's benchmark: what a running profile capture costs the chaincode. One org, one marbles
// replica with profile: true (inspector on, --no-use-osr) behind its sidecar, the exporter beside it;
// the CPU-heavy marbles workload (simulateCpuWork, initMarble, getMarblesByRange) from N closed-loop
// clients. Windows of W seconds alternate: no capture, then captures back to back through the
// exporter's API (POST /api/v1/profiles, as the Grafana app does), R times; throughput and p99 latency
// of the invocations that started in each window, medians over the R windows of each kind.
//   node bench/dist/profilecost.js [rounds=3] [window seconds=20] [clients=4] [--heap] [--record dir]

interface Window {
  readonly capture: boolean;
  readonly startMs: number;
  readonly endMs: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.includes(name);
  const recordAt = args.indexOf('--record');
  const record = recordAt >= 0 ? args[recordAt + 1] : undefined;
  const nums = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--record').map(Number);
  const [rounds = 3, windowS = 20, clients = 4] = nums;
  const heap = flag('--heap');
  const net = await startTestNetwork({ name: 'profbench', orgs: 1, replicas: 1, observability: true, chaincodeExtra: ', profile: true' });
  try {
    const api = `http://127.0.0.1:${net.network.observability!.exporter.listen.port}/api/v1`;
    const token = (await readFile(path.join(net.dirs.network, 'observability', 'profile-token'), 'utf8')).trim();
    const pod = net.network.chaincodes[0]!.slots[0].replicas[0]!.name;
    const conn = await net.connect();
    const workload = new CpuWorkload(conn.contract('marbles'), { concurrency: clients, cpuMs: 5, prefix: `bench${Date.now().toString(36)}` });
    const running = workload.run();
    const windows: Window[] = [];
    const captured: string[] = [];
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await wait(10_000); // warm-up: JIT, connections, a few blocks
    for (let r = 0; r < rounds; r++) {
      for (const capture of [false, true]) {
        const startMs = performance.now();
        const endMs = startMs + windowS * 1000;
        if (!capture) await wait(windowS * 1000);
        else {
          while (performance.now() < endMs - 1000) {
            const seconds = Math.max(1, Math.min(10, Math.floor((endMs - performance.now()) / 1000)));
            const res = await fetch(`${api}/profiles`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mictract-profile-token': token }, body: JSON.stringify({ pod, seconds, heap }) });
            if (res.status !== 202) throw new Error(`capture refused: ${res.status} ${await res.text()}`);
            const { id } = (await res.json()) as { id: string };
            captured.push(id);
            for (;;) {
              const m = (await (await fetch(`${api}/profiles/${id}`)).json()) as { state: string; error?: string };
              if (m.state === 'failed') throw new Error(`capture ${id} failed: ${m.error}`);
              if (m.state === 'done') break;
              await wait(200);
            }
          }
          await wait(Math.max(0, endMs - performance.now()));
        }
        windows.push({ capture, startMs, endMs: performance.now() });
        process.stderr.write(`round ${r + 1} ${capture ? 'with captures' : 'no capture   '}: ${summary(workload.invocations, windows.at(-1)!).line}\n`);
      }
    }
    workload.stop();
    await running;
    conn.close();
    const rows = [false, true].map((capture) => {
      const ws = windows.filter((w) => w.capture === capture).map((w) => summary(workload.invocations, w));
      return { capture, tput: median(ws.map((w) => w.tput)), p99: median(ws.map((w) => w.p99)), p50: median(ws.map((w) => w.p50)), cpuP99: median(ws.map((w) => w.cpuP99)), failed: ws.reduce((a, w) => a + w.failed, 0), runs: ws };
    });
    console.log(`# cost of a running profile capture: median of ${rounds} windows of ${windowS} s each; ${clients} clients; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); Fabric 2.5.16, 1 org, 1 marbles replica (profile: true) with sidecar; CPU profile 1 ms${heap ? ' + heap sampling' : ''}\n`);
    console.log('| | throughput (invocations/s) | p50 | p99 | p99 simulateCpuWork | failed | per window (tx/s, p99 ms) |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      console.log(`| ${r.capture ? 'capture running' : 'no capture'} | **${r.tput.toFixed(1)}** | ${r.p50.toFixed(0)} ms | **${r.p99.toFixed(0)} ms** | ${r.cpuP99.toFixed(0)} ms | ${r.failed} | ${r.runs.map((w) => `${w.tput.toFixed(1)}/${w.p99.toFixed(0)}`).join(', ')} |`);
    }
    const [off, on] = rows as [typeof rows[0], typeof rows[0]];
    console.log(`\nthroughput ${(((on.tput - off.tput) / off.tput) * 100).toFixed(1)}%, p99 ${(((on.p99 - off.p99) / off.p99) * 100).toFixed(1)}% with a capture running; ${captured.length} captures`);
    if (record) {
      await mkdir(record, { recursive: true });
      const id = captured.at(-1)!;
      const meta = await (await fetch(`${api}/profiles/${id}`)).json();
      const cpu = await (await fetch(`${api}/profiles/${id}/cpuprofile`)).json();
      await writeFile(path.join(record, 'profile.json'), JSON.stringify(meta, null, 1));
      await writeFile(path.join(record, 'profile.cpuprofile'), JSON.stringify(cpu));
      await writeFile(path.join(record, 'profiles.json'), JSON.stringify(await (await fetch(`${api}/profiles`)).json(), null, 1));
      await writeFile(path.join(record, 'pods.json'), JSON.stringify(await (await fetch(`${api}/pods`)).json(), null, 1));
      console.error(`recorded profile ${id} in ${record}`);
    }
  } finally {
    await net.destroy();
  }
}

function summary(all: readonly Invocation[], w: Window) {
  const inside = all.filter((i) => i.startedMs >= w.startMs && i.startedMs < w.endMs);
  const ok = inside.filter((i) => !i.error).map((i) => i.ms);
  const cpu = inside.filter((i) => !i.error && i.fn === 'simulateCpuWork').map((i) => i.ms);
  const tput = ok.length / ((w.endMs - w.startMs) / 1000);
  const p50 = ok.length ? quantile(ok, 0.5) : NaN;
  const p99 = ok.length ? quantile(ok, 0.99) : NaN;
  const cpuP99 = cpu.length ? quantile(cpu, 0.99) : NaN;
  const failed = inside.length - ok.length;
  return { tput, p50, p99, cpuP99, failed, line: `${tput.toFixed(1)} tx/s, p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, ${failed} failed` };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
