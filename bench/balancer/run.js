#!/usr/bin/env node
// @ts-check
// The chaincode balancer against the layer-4 endpoint, in one run:
//
//   node bench/balancer/run.js [--marbles 200] [--seconds 8] [--concurrency 12] [--rate 40] [--runs 2] [--baseline <main.js>]
//
// --baseline: a second balancer build (e.g. a copy of provisioner/dist from before a change, its
// node_modules linked) measured as its own layout, interleaved with the others in every run.
//
// Needs `npx tsc --build` (it runs provisioner/dist and exporter/dist). Not a test: prints tables.
//
// Peer: the stand-in peer (exporter/src/sidecar/testpeer.ts) speaking the real shim protocol, world
// state in memory, seeded with --marbles marbles. Everything is plaintext on loopback: in the product
// each stream's TLS ends exactly once either way (at the sidecar behind layer 4, at the balancer), so
// TLS is left out to compare the balancing alone (with TLS on one side only, fabric-shim's own TLS
// server made the layer-4 side several times slower on its own). Workload: getMarblesByRange over all of them,
// CPU-bound in the chaincode (the shim decodes every key/value and marbles parses every JSON), closed
// loop at --concurrency for --seconds. Layouts, each with 1, 2, 3 marbles replicas:
//   layer4:   peer --> endpoint (provisioner/dist/endpoint, bytes spliced per connection) --> replicas
//   balancer: peer --> balancer (provisioner/dist/balancer, per invocation) --> replicas
// Latency added: readMarble at a fixed --rate (open loop), p50/p99 from send to answer, through each
// proxy with 1 replica against the peer talking to that replica directly.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const ROOT = path.resolve(__dirname, '../..');
const { makeTestCerts } = require(path.join(ROOT, 'exporter/dist/sidecar/testcerts.js'));
const { TestPeer } = require(path.join(ROOT, 'exporter/dist/sidecar/testpeer.js'));
const { MarblesServer } = require(path.join(ROOT, 'exporter/dist/sidecar/testreplica.js'));
const { freePort } = require(path.join(ROOT, 'provisioner/dist/testing/wait.js'));

const ID = 'marbles_1.0:bench';
const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
};
const MARBLES = flag('marbles', 200);
const SECONDS = flag('seconds', 8);
const CONCURRENCY = flag('concurrency', 12);
const RATE = flag('rate', 40);
const RUNS = flag('runs', 2);
const BASELINE = process.argv.includes('--baseline') ? path.resolve(process.argv[process.argv.indexOf('--baseline') + 1]) : undefined;

const { readFileSync } = require('node:fs');
/** CPU seconds (user + system) a process has used so far (Linux USER_HZ = 100). */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Starts `node <main> ...args` and resolves with its address once it prints "listening on". */
function startProxy(main, args) {
  const child = spawn(process.execPath, [path.join(ROOT, main), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)\n/.exec(out);
      if (m) resolve({ child, address: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`${main} exited ${code}: ${out}`)));
  });
}

async function connect(address, certs) {
  const peer = await TestPeer.connect(address, { creatorCert: certs.creatorCert });
  for (let i = 0; i < MARBLES; i++) {
    const name = `marble${String(i).padStart(5, '0')}`;
    peer.state.set(name, Buffer.from(JSON.stringify({ docType: 'marble', name, color: ['red', 'blue', 'green'][i % 3], size: i + 1, owner: `owner${i % 17}` })));
  }
  return peer;
}

/** Closed loop: invocations completed per second. */
async function throughput(peer, pids) {
  const cpu0 = pids.map(cpuSeconds);
  const end = performance.now() + SECONDS * 1000;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const r = await peer.invoke('getMarblesByRange', ['', '']).result;
      if (r.type === 'COMPLETED' && r.status === 200 && JSON.parse(r.payload).length === MARBLES) done++;
      else failed++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const rate = done / ((performance.now() - t0) / 1000);
  if (failed) process.stderr.write(`  ${failed} failed\n`);
  // CPU milliseconds per invocation, per process: [proxy, replica 1..3]; robust to the machine's load
  const cpuMs = pids.map((pid, i) => ((cpuSeconds(pid) - cpu0[i]) * 1000) / Math.max(1, done));
  return { rate, cpuMs };
}

/** Open loop at RATE/s: latency of readMarble, ms. */
async function latency(peer) {
  const samples = [];
  const pending = [];
  const t0 = performance.now();
  for (let i = 0; i < RATE * SECONDS; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(peer.invoke('readMarble', [`marble${String(i % MARBLES).padStart(5, '0')}`]).result.then(() => samples.push(performance.now() - due)));
  }
  await Promise.all(pending);
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function main() {
  const certs = makeTestCerts();
  const replicas = [];
  // one at a time: Node processes starting at once on a loaded 2-core machine miss the start deadline
  for (let i = 0; i < 3; i++) replicas.push(await MarblesServer.start(ID, await freePort(), { timeoutMs: 60_000 }));
  const procs = [];
  const layouts = [];
  for (const n of [1, 2, 3]) {
    const l4 = await startProxy('provisioner/dist/endpoint/main.js', ['--listen', `127.0.0.1:${await freePort()}`, ...replicas.slice(0, n).flatMap((r) => ['--backend', r.address])]);
    // as the provisioner runs it: with its chaincode and org labels
    const bal = await startProxy('provisioner/dist/balancer/main.js', ['--listen', `127.0.0.1:${await freePort()}`, ...replicas.slice(0, n).flatMap((r) => ['--replica', r.address]), '--chaincode', 'marbles', '--org', 'Org1MSP']);
    procs.push(l4.child, bal.child);
    layouts.push({ name: `layer4 x${n}`, n, address: l4.address, pid: l4.child.pid, tput: [], cpu: [] }, { name: `balancer x${n}`, n, address: bal.address, pid: bal.child.pid, tput: [], cpu: [] });
    if (BASELINE) {
      const base = await startProxy(path.relative(ROOT, BASELINE), ['--listen', `127.0.0.1:${await freePort()}`, ...replicas.slice(0, n).flatMap((r) => ['--replica', r.address])]);
      procs.push(base.child);
      layouts.push({ name: `baseline x${n}`, n, address: base.address, pid: base.child.pid, tput: [], cpu: [] });
    }
  }
  try {
    process.stderr.write('proxies started\n');
    console.log(`machine: ${require('node:os').cpus().length} cores (shared), load ${require('node:os').loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log(`throughput: getMarblesByRange over ${MARBLES} marbles, closed loop ${CONCURRENCY}, ${SECONDS} s, median of ${RUNS} interleaved runs`);
    for (let run = 0; run < RUNS; run++) {
      for (const l of run % 2 ? [...layouts].reverse() : layouts) {
        const peer = await connect(l.address, certs);
        const { rate, cpuMs } = await throughput(peer, [l.pid, ...replicas.map((r) => r.pid)]);
        l.tput.push(rate);
        l.cpu.push(cpuMs);
        peer.close();
        process.stderr.write(`  run ${run + 1} ${l.name}: ${l.tput.at(-1).toFixed(1)}/s\n`);
      }
    }
    const base = median(layouts[0].tput);
    console.log('| layout | replicas | invocations/s | vs layer4 x1 | proxy CPU ms/inv | replica CPU ms/inv (1, 2, 3) |\n| --- | --- | --- | --- | --- | --- |');
    for (const l of layouts) {
      const cpu = (i) => median(l.cpu.map((c) => c[i])).toFixed(2);
      console.log(`| ${l.name.split(' ')[0]} | ${l.n} | ${median(l.tput).toFixed(1)} | ${(median(l.tput) / base).toFixed(2)}x | ${cpu(0)} | ${cpu(1)}, ${cpu(2)}, ${cpu(3)} |`);
    }

    console.log(`\nlatency: readMarble at ${RATE}/s for ${SECONDS} s, 1 replica, ms (median of ${RUNS} runs of p50 / p99)`);
    const direct = { name: 'direct (no proxy)', address: replicas[0].address, lat: [] };
    const lat = [direct, ...layouts.filter((l) => l.n === 1).map((l) => ({ ...l, lat: [] }))];
    for (let run = 0; run < RUNS; run++) {
      for (const l of lat) {
        const peer = await connect(l.address, certs);
        await latency(peer); // warm-up pass, discarded
        l.lat.push(await latency(peer));
        peer.close();
      }
    }
    const d50 = median(direct.lat.map((x) => x.p50));
    const d99 = median(direct.lat.map((x) => x.p99));
    console.log('| path | p50 ms | p99 ms | added p50 ms | added p99 ms |\n| --- | --- | --- | --- | --- |');
    for (const l of lat) {
      const p50 = median(l.lat.map((x) => x.p50));
      const p99 = median(l.lat.map((x) => x.p99));
      console.log(`| ${l.name} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${(p50 - d50).toFixed(2)} | ${(p99 - d99).toFixed(2)} |`);
    }
  } finally {
    for (const c of procs) c.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    certs.remove();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
