#!/usr/bin/env node
// @ts-check
// The sidecar's cost, measured: marbles with and without a sidecar in front, alternating runs.
//
//   node bench/sidecar/run.js [--rate 200] [--seconds 10] [--runs 3] [--concurrency 32] [--interleaved 4000] [--no-tracing]
//                             [--cpu-prof DIR]   (the sidecar process writes a V8 CPU profile there when it exits)
//                             [--sidecar FILE]   (another build's sidecar/main.js, e.g. a copy of the last one, to compare)
//
// Needs `npx tsc --build` (it runs exporter/dist and test/dist) and, for tracing, Jaeger in
// .cache/bin (tools/build.sh). Not a test: it prints a table and asserts nothing.
//
// Without the sidecar: the stand-in peer (exporter/src/sidecar/testpeer.ts) talks TLS to a marbles
// replica serving TLS itself. With it: TLS to the sidecar process, which talks plaintext to a second
// replica on loopback and exports spans to Jaeger. The two set-ups alternate run by run, so drift in a
// shared machine's load falls on both. Latency is from the scheduled send to the chaincode's answer
// (open loop at a fixed rate, so a stall is not hidden); saturation is closed loop at a fixed
// concurrency. The peer is a stand-in, so "latency" here is the stream's and the chaincode's, without
// endorsement: the sidecar's share is the difference between the two columns.
'use strict';

const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { once } = require('node:events');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const ROOT = path.resolve(__dirname, '../..');
const { makeTestCerts } = require(path.join(ROOT, 'exporter/dist/sidecar/testcerts.js'));
const { TestPeer } = require(path.join(ROOT, 'exporter/dist/sidecar/testpeer.js'));
const { MarblesServer } = require(path.join(ROOT, 'exporter/dist/sidecar/testreplica.js'));
const { freePort, until } = require(path.join(ROOT, 'test/dist/support/ports.js'));
const { startJaeger } = require(path.join(ROOT, 'test/dist/support/jaeger.js'));

const CHAINCODE_ID = 'marbles_1.0:bench';
const CLK_TCK = 100; // Linux USER_HZ

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}
const RATE = flag('rate', 200);
const SECONDS = flag('seconds', 10);
const RUNS = flag('runs', 3);
const CONCURRENCY = flag('concurrency', 32);
const INTERLEAVED = flag('interleaved', 4000);
const TRACING = !process.argv.includes('--no-tracing');
const SIDECAR_MAIN = process.argv.includes('--sidecar') ? path.resolve(process.argv[process.argv.indexOf('--sidecar') + 1]) : path.join(ROOT, 'exporter/dist/sidecar/main.js');
const CPU_PROF = process.argv.includes('--cpu-prof') ? path.resolve(process.argv[process.argv.indexOf('--cpu-prof') + 1] ?? '.') : undefined;

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15)
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startSidecar(args) {
  const prof = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
  const child = spawn(process.execPath, ['--max-semi-space-size=4', ...prof, SIDECAR_MAIN, '--listen', '127.0.0.1:0', '--metrics', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const address = await until('the sidecar', async () => /listening on (\S+)\n/.exec(out)?.[1]);
  return { child, address, stop: async () => (child.kill('SIGTERM'), await once(child, 'exit')) };
}

/** One invocation of the mix: even ones read a marble (1 state call), odd ones create one (3). */
function invokeOne(peer, i, runTag) {
  return i % 2 === 0 ? peer.invoke('readMarble', ['seed']).result : peer.invoke('initMarble', [`${runTag}-${i}`, 'blue', '1', 'tom']).result;
}

/** Open loop at `rate` per second for `seconds`: latency from the scheduled time of each send. */
async function fixedRate(peer, rate, seconds, runTag) {
  const total = rate * seconds;
  const latencies = [];
  let failed = 0;
  const inflight = [];
  const t0 = performance.now() + 50;
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / rate;
    const wait = at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait)); // pacing the load, not synchronising
    inflight.push(
      invokeOne(peer, i, runTag).then((r) => {
        if (r.type !== 'COMPLETED' || r.status !== 200) failed++;
        latencies.push(performance.now() - at);
      }),
    );
  }
  await Promise.all(inflight);
  const wall = (performance.now() - t0) / 1000;
  return { latencies: latencies.sort((a, b) => a - b), failed, completed: total, wall };
}

/** Closed loop with `concurrency` outstanding invocations for `seconds`. */
async function saturation(peer, concurrency, seconds, runTag) {
  let i = 0;
  let failed = 0;
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  const worker = async () => {
    while (performance.now() < end) {
      const start = performance.now();
      const r = await invokeOne(peer, i++, runTag);
      if (r.type !== 'COMPLETED' || r.status !== 200) failed++;
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = (performance.now() - t0) / 1000;
  return { latencies: latencies.sort((a, b) => a - b), failed, completed: latencies.length, wall };
}

/**
 * Interleaved: one invocation at a time, alternating between the two set-ups, `total` in all. Load on a
 * shared machine then falls on both alike, so the difference of the percentiles is the sidecar's.
 */
async function interleaved(peers, total, runTag) {
  const lat = { direct: [], sidecar: [] };
  let failed = 0;
  for (let i = 0; i < total; i++) {
    const target = i % 2 === 0 ? 'direct' : 'sidecar';
    const start = performance.now();
    const r = await invokeOne(peers[target], i >> 1, runTag);
    lat[target].push(performance.now() - start);
    if (r.type !== 'COMPLETED' || r.status !== 200) failed++;
  }
  for (const k of Object.keys(lat)) lat[k].sort((a, b) => a - b);
  return { lat, failed };
}

async function main() {
  const certs = makeTestCerts();
  const jaeger = TRACING ? await startJaeger() : undefined;
  const [direct, behind] = await Promise.all([
    freePort().then((port) => MarblesServer.start(CHAINCODE_ID, port, { tls: { certFile: certs.files.serverCert, keyFile: certs.files.serverKey } })),
    freePort().then((port) => MarblesServer.start(CHAINCODE_ID, port)),
  ]);
  const sidecar = await startSidecar([
    '--replica', behind.address,
    '--tls-cert', certs.files.serverCert,
    '--tls-key', certs.files.serverKey,
    '--chaincode', 'marbles',
    // as the provisioner runs it: named, so it sends the pod name back on each stream
    '--pod-name', 'marbles-blue-org1-0',
    ...(jaeger ? ['--otlp-url', jaeger.otlpHttp] : []),
  ]);
  const peerOptions = { tls: { rootCert: certs.caCert }, creatorCert: certs.creatorCert };
  const targets = { direct: direct.address, sidecar: sidecar.address };
  const results = { fixed: { direct: [], sidecar: [] }, saturation: { direct: [], sidecar: [] } };
  const sidecarCost = { fixed: [], saturation: [] };

  let inter;
  try {
    {
      const peers = { direct: await TestPeer.connect(targets.direct, peerOptions), sidecar: await TestPeer.connect(targets.sidecar, peerOptions) };
      try {
        for (const p of Object.values(peers)) await p.invoke('initMarble', ['seed', 'blue', '1', 'tom']).result;
        await interleaved(peers, 400, 'warm-inter');
        inter = await interleaved(peers, INTERLEAVED, 'inter');
      } finally {
        for (const p of Object.values(peers)) p.close();
      }
      const f = (t) => [50, 90, 99].map((p) => percentile(inter.lat[t], p));
      process.stderr.write(`interleaved ${INTERLEAVED}: direct ${f('direct').map((x) => x.toFixed(2)).join(' / ')} ms, sidecar ${f('sidecar').map((x) => x.toFixed(2)).join(' / ')} ms, ${inter.failed} failed\n`);
    }
    for (let run = 0; run < RUNS; run++) {
      for (const mode of ['fixed', 'saturation']) {
        const order = run % 2 === 0 ? ['direct', 'sidecar'] : ['sidecar', 'direct'];
        for (const target of order) {
          const peer = await TestPeer.connect(targets[target], peerOptions);
          try {
            const seed = await peer.invoke('initMarble', ['seed', 'blue', '1', 'tom']).result;
            if (seed.status !== 200) throw new Error(`seeding failed: ${JSON.stringify(seed)}`);
            // warm-up, not measured
            for (let i = 0; i < 200; i++) await invokeOne(peer, i, `warm${run}${mode}`);
            const cpu0 = cpuSeconds(sidecar.child.pid);
            const tag = `r${run}${mode}`;
            const r = mode === 'fixed' ? await fixedRate(peer, RATE, SECONDS, tag) : await saturation(peer, CONCURRENCY, SECONDS, tag);
            results[mode][target].push(r);
            if (target === 'sidecar') {
              const vcpu = (cpuSeconds(sidecar.child.pid) - cpu0) / r.wall;
              const rate = r.completed / r.wall;
              sidecarCost[mode].push({ vcpu, rate, rss: rssMb(sidecar.child.pid) });
            }
            const s = r.latencies;
            process.stderr.write(
              `run ${run + 1}/${RUNS} ${mode.padEnd(10)} ${target.padEnd(7)}: ${(r.completed / r.wall).toFixed(0)}/s p50 ${percentile(s, 50).toFixed(2)} p90 ${percentile(s, 90).toFixed(2)} p99 ${percentile(s, 99).toFixed(2)} ms, ${r.failed} failed\n`,
            );
          } finally {
            peer.close();
          }
        }
      }
    }
  } finally {
    await sidecar.stop();
    await Promise.all([direct.stop(), behind.stop(), jaeger?.stop()]);
    certs.remove();
  }

  const row = (mode) => {
    const m = (target, p) => median(results[mode][target].map((r) => percentile(r.latencies, p)));
    const tput = (target) => median(results[mode][target].map((r) => r.completed / r.wall));
    const cost = sidecarCost[mode];
    const vcpuPer1k = median(cost.map((c) => c.vcpu / (c.rate / 1000)));
    const rss = Math.max(...cost.map((c) => c.rss));
    const failed = [...results[mode].direct, ...results[mode].sidecar].reduce((s, r) => s + r.failed, 0);
    const label = mode === 'fixed' ? `${RATE}/s fixed` : `saturation (${CONCURRENCY} in flight)`;
    return `| ${label} | ${tput('direct').toFixed(0)} | ${tput('sidecar').toFixed(0)} (${((100 * tput('sidecar')) / tput('direct')).toFixed(0)}%) | ${m('direct', 50).toFixed(2)} / ${m('direct', 90).toFixed(2)} / ${m('direct', 99).toFixed(2)} | ${m('sidecar', 50).toFixed(2)} / ${m('sidecar', 90).toFixed(2)} / ${m('sidecar', 99).toFixed(2)} | +${(m('sidecar', 50) - m('direct', 50)).toFixed(2)} / +${(m('sidecar', 90) - m('direct', 90)).toFixed(2)} / +${(m('sidecar', 99) - m('direct', 99)).toFixed(2)} | ${vcpuPer1k.toFixed(3)} | ${rss.toFixed(0)} | ${failed} |`;
  };
  console.log(`\n${RUNS} alternating runs of ${SECONDS} s each; medians over runs; tracing ${TRACING ? 'on (Jaeger)' : 'off'}; ${new Date().toISOString()}\n`);
  console.log('| load | direct inv/s | sidecar inv/s | direct p50 / p90 / p99 ms | sidecar p50 / p90 / p99 ms | added p50 / p90 / p99 ms | sidecar vCPU per 1000 inv/s | sidecar RSS MB (max) | failed |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(row('fixed'));
  console.log(row('saturation'));
  const f = (t) => [50, 90, 99].map((p) => percentile(inter.lat[t], p));
  const [d, sc] = [f('direct'), f('sidecar')];
  console.log(`\nInterleaved, one at a time (${INTERLEAVED} invocations, alternating set-ups): direct ${d.map((x) => x.toFixed(2)).join(' / ')} ms, sidecar ${sc.map((x) => x.toFixed(2)).join(' / ')} ms, added ${sc.map((x, i) => (x - d[i]).toFixed(2)).join(' / ')} ms (p50 / p90 / p99), ${inter.failed} failed.`);
  console.log(`load average at the end: ${require('node:os').loadavg().map((x) => x.toFixed(1)).join(' ')} on ${require('node:os').cpus().length} CPUs`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
