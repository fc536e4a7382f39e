import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { captureProfile } from '@mictract/exporter/dist/profile/capture';
import { protocolViolations } from '@mictract/exporter/dist/profile/testprofileschema';
import type { ProfileReport } from '@mictract/exporter/dist/profile/profilereport';
import { MARBLES_DIR, startTestNetwork, type TestNetwork } from '../testing/localnetwork';
import { until } from '../until';
import { CpuWorkload } from './cpuworkload';

// `mictract profile` against a real Fabric 2.5 network whose marbles replicas run with their inspector
// (spec `profile: true`), under a workload in which simulateCpuWork is CPU-heavy on purpose.

jest.setTimeout(300_000);

/** The 1-based line of `needle` in the chaincode's TypeScript source, found, not assumed. */
async function sourceLine(file: string, needle: string | RegExp): Promise<number> {
  const lines = (await readFile(path.join(MARBLES_DIR, file), 'utf8')).split('\n');
  const i = lines.findIndex((l) => (typeof needle === 'string' ? l.includes(needle) : needle.test(l)));
  if (i < 0) throw new Error(`${needle} is not in ${file}`);
  return i + 1;
}

describe('mictract profile', () => {
  let net: TestNetwork;
  let out: string;
  beforeAll(async () => {
    net = await startTestNetwork({ name: 'profile', orgs: 1, replicas: 1, chaincodeExtra: ', profile: true' });
    out = await mkdtemp(path.join(os.tmpdir(), 'mictract-profiles-'));
  });
  afterAll(async () => {
    await net?.destroy();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('finds the CPU-heavy function at its source line while the workload runs without a failure, and writes files DevTools reads', async () => {
    const conn = await net.connect();
    // a transaction argument that must never appear in a profile
    const secret = `secretarg${Date.now().toString(36)}`;
    const workload = new CpuWorkload(conn.contract('marbles'), { concurrency: 3, cpuMs: 20, prefix: secret });
    const running = workload.run();
    try {
      await until(() => workload.invocations.filter((i) => i.fn === 'initMarble' && !i.error).length >= 2, 'the workload to commit marbles', 60_000);
      const before = workload.invocations.length;
      const res = await net.cli(['profile', 'marbles', '--seconds', '4', '--heap', '--out', out, '--json', '--top', '15']);
      expect([res.code, res.stderr]).toEqual([0, '']);
      expect(workload.invocations.length).toBeGreaterThan(before); // it kept serving
      const { replica, files, report } = JSON.parse(res.stdout) as { replica: string; files: string[]; report: ProfileReport };
      expect(replica).toBe('marbles-blue-org1-0');

      const fnLine = await sourceLine('src/marbles.ts', 'async simulateCpuWork(');
      const loopLine = await sourceLine('src/marbles.ts', 'x ^= x >>> 17;');
      const hot = report.bySelf.find((r) => r.functionName === 'simulateCpuWork');
      expect(report.bySelf.map((r) => `${r.functionName} ${r.location}`)).toContainEqual(expect.stringMatching(/^simulateCpuWork /));
      // among the top frames by self time: only runtime entries (GC, program) may rank above it
      expect(report.bySelf.filter((r) => r.kind !== 'runtime').indexOf(hot!)).toBeLessThan(3);
      expect(hot!.location).toBe(`src/marbles.ts:${fnLine}`);
      expect(hot!.source).toMatchObject({ file: path.join(MARBLES_DIR, 'src/marbles.ts'), line: fnLine, mapped: true });
      // the hottest line is inside the busy loop (its three statements and the loop head)
      const hotLine = Number(hot!.hotLocation!.split(':').pop());
      expect(hotLine).toBeGreaterThanOrEqual(loopLine - 2);
      expect(hotLine).toBeLessThanOrEqual(loopLine + 2);
      expect(report.byTotal.some((r) => r.functionName === 'simulateCpuWork')).toBe(true);

      // the files: .cpuprofile and .heapprofile in the DevTools protocol's own types, 0600, no argument in them
      expect(files.map((f) => path.extname(f)).sort()).toEqual(['.cpuprofile', '.heapprofile']);
      expect((await readdir(out)).sort()).toEqual(files.map((f) => path.basename(f)).sort());
      const cpuText = await readFile(files.find((f) => f.endsWith('.cpuprofile'))!, 'utf8');
      const heapText = await readFile(files.find((f) => f.endsWith('.heapprofile'))!, 'utf8');
      expect(protocolViolations('Profiler.Profile', JSON.parse(cpuText))).toEqual([]);
      expect(protocolViolations('HeapProfiler.SamplingHeapProfile', JSON.parse(heapText))).toEqual([]);
      // the window's allocations, freed ones too: the chaincode's own code allocates under this workload
      const heapUrls = new Set<string>();
      const walk = (n: { callFrame: { url: string }; children: unknown[] }): void => {
        heapUrls.add(n.callFrame.url);
        for (const c of n.children) walk(c as typeof n);
      };
      walk((JSON.parse(heapText) as { head: { callFrame: { url: string }; children: unknown[] } }).head);
      expect([...heapUrls].some((u) => u.includes('/examples/marbles/'))).toBe(true);
      expect(cpuText).not.toContain(secret);
      expect(heapText).not.toContain(secret);
    } finally {
      workload.stop();
      await running;
      conn.close();
    }
    expect(workload.failures).toEqual([]);
    expect(workload.invocations.filter((i) => i.fn === 'simulateCpuWork').length).toBeGreaterThan(0);
  });

  it('prints the top functions as tables with their source lines', async () => {
    const res = await net.cli(['profile', 'marbles', '--seconds', '1', '--out', out, '--org', 'Org1MSP', '--replica', '0']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^profiling marbles-blue-org1-0 \(inspector 127\.0\.0\.1:\d+\) for 1 s/);
    expect(res.stdout).toContain('top functions by self time:');
    expect(res.stdout).toContain('top functions by total time:');
    expect(res.stdout).toMatch(/wrote .*marbles-blue-org1-0-.*\.cpuprofile/);
  });

  it('refuses a second capture while one runs, naming who holds it', async () => {
    const inspector = net.network.chaincodes[0]!.slots[0].replicas[0]!.inspector!;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = captureProfile(`${inspector.host}:${inspector.port}`, { seconds: 5, by: 'the e2e test', onStarted: () => started() });
    await running;
    const second = await net.cli(['profile', 'marbles', '--seconds', '1', '--out', out]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('marbles-blue-org1-0: a profile of this replica is being captured already (by the e2e test');
    await expect(first).resolves.toMatchObject({ cpu: { nodes: expect.any(Array) } });
    // and once it is done, the next one may run
    expect((await net.cli(['profile', 'marbles', '--seconds', '1', '--out', out])).code).toBe(0);
  });

  it('refuses durations out of bounds and unknown replicas before touching the inspector', async () => {
    for (const seconds of ['600', '0', '2.5', 'ten']) {
      const res = await net.cli(['profile', 'marbles', '--seconds', seconds]);
      expect([seconds, res.code]).toEqual([seconds, 2]);
      expect(res.stderr).toContain("--seconds: the capture's duration must be a whole number of seconds from 1 to 60");
    }
    const unknown = await net.cli(['profile', 'marbles', '--replica', '7']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('--replica: marbles has no replica "7" in Org1')]);
  });

  it('says how to enable profiling for a chaincode whose spec does not', async () => {
    await net.respec({ chaincodeExtra: '' });
    try {
      const res = await net.cli(['profile', 'marbles', '--seconds', '1']);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('profiling is off for chaincode marbles');
      expect(res.stderr).toContain(`add profile: true to its entry in ${net.specFile}`);
      expect(res.stderr).toContain(`run \`mictract up ${net.specFile}\``);
    } finally {
      await net.respec({ chaincodeExtra: ', profile: true' });
    }
  });
});
