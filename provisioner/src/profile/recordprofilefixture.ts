import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestNetwork } from '../testing/localnetwork';
import { CpuWorkload } from './cpuworkload';

// Records the Grafana app's heap-profile fixture from a real exporter: a network with the exporter
// beside it and one marbles replica with `profile: true`, the CPU-heavy marbles workload, and one
// capture with a heap profile through the exporter's API (POST /api/v1/profiles {heap: true}, with the
// token, as the app's capture route sends it). Writes the answers the Profile page reads, unchanged:
//   <dir>/heap.json         GET /api/v1/profiles/{id}
//   <dir>/heap.cpuprofile   GET /api/v1/profiles/{id}/cpuprofile
//   <dir>/heap.heapprofile  GET /api/v1/profiles/{id}/heapprofile
//   node provisioner/dist/profile/recordprofilefixture.js grafana-plugin/fixtures/recorded/profiles [seconds=5]

async function main(): Promise<void> {
  const [dir, secondsArg = '5'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: recordprofilefixture.js <dir> [seconds]');
  const seconds = Number(secondsArg);
  const net = await startTestNetwork({ name: 'heapfixture', orgs: 1, replicas: 1, observability: true, chaincodeExtra: ', profile: true' });
  try {
    const api = `http://127.0.0.1:${net.network.observability!.exporter.listen.port}/api/v1`;
    const token = (await readFile(path.join(net.dirs.network, 'observability', 'profile-token'), 'utf8')).trim();
    const pod = net.network.chaincodes[0]!.slots[0].replicas[0]!.name;
    const conn = await net.connect();
    const workload = new CpuWorkload(conn.contract('marbles'), { concurrency: 3, cpuMs: 5, prefix: `fixture${Date.now().toString(36)}` });
    const running = workload.run();
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let id: string;
    try {
      await wait(8000); // warm-up: JIT, connections, a few blocks
      const res = await fetch(`${api}/profiles`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mictract-profile-token': token }, body: JSON.stringify({ pod, seconds, heap: true }) });
      if (res.status !== 202) throw new Error(`capture refused: ${res.status} ${await res.text()}`);
      id = ((await res.json()) as { id: string }).id;
      for (;;) {
        const m = (await (await fetch(`${api}/profiles/${id}`)).json()) as { state: string; error?: string };
        if (m.state === 'failed') throw new Error(`capture ${id} failed: ${m.error}`);
        if (m.state === 'done') break;
        await wait(250);
      }
    } finally {
      workload.stop();
      await running;
      conn.close();
    }
    if (workload.failures.length > 0) throw new Error(`the workload saw ${workload.failures.length} failed invocations`);
    const get = async (p: string) => {
      const r = await fetch(`${api}${p}`);
      if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<unknown>;
    };
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'heap.json'), JSON.stringify(await get(`/profiles/${id}`), null, 1));
    await writeFile(path.join(dir, 'heap.cpuprofile'), JSON.stringify(await get(`/profiles/${id}/cpuprofile`)));
    await writeFile(path.join(dir, 'heap.heapprofile'), JSON.stringify(await get(`/profiles/${id}/heapprofile`)));
    console.error(`recorded profile ${id} of ${pod} (${seconds} s, with its heap profile) in ${dir}; ${workload.invocations.length} invocations, none failed`);
  } finally {
    await net.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
