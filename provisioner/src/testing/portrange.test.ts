import { spawnSync } from 'node:child_process';
import { readFile, readdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lockDir as claims, reservePortRange } from './portrange';

const lockDir = claims();


describe('test port ranges', () => {
  it('never hands out overlapping ranges, even when asked for at the same moment', async () => {
    const ranges = await Promise.all(Array.from({ length: 12 }, (_, i) => reservePortRange(i % 3 === 0 ? 350 : 60)));
    try {
      const spans = ranges.map((r, i) => [r.base, r.base + (i % 3 === 0 ? 350 : 60) - 1] as const).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThan(spans[i - 1]![1]);
      for (const [first, last] of spans) {
        expect(first).toBeGreaterThanOrEqual(20000);
        expect(last).toBeLessThan(32768);
      }
    } finally {
      await Promise.all(ranges.map((r) => r.release()));
    }
  });

  it('gives a range back on release, and takes over a block whose owner died', async () => {
    const r = await reservePortRange(10);
    const held = await readdir(lockDir);
    expect(held).toContain(String(r.base));
    await r.release();
    await r.release();
    expect(await readdir(lockDir)).not.toContain(String(r.base));

    // a process that has exited: its pid is free
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const stale = await Promise.all(Array.from({ length: 60 }, (_, i) => 20000 + i * 200).map(async (base) => {
      const file = path.join(lockDir, String(base));
      await writeFile(file, dead, { flag: 'wx' }).catch(() => undefined);
      return file;
    }));
    expect(stale).toHaveLength(60);
    try {
      const again = await reservePortRange(10);
      await again.release();
      expect(again.base % 200).toBe(0);
    } finally {
      await Promise.all(stale.map(async (f) => ((await readFile(f, 'utf8').catch(() => '')) === dead ? unlink(f) : undefined)));
    }
  });
});
