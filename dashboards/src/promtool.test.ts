import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GENERATED_DIR, ruleFiles, writeFiles } from './generate';
import { test as testProfile } from './thresholds';

// `promtool test rules` on the committed unit tests of every alert (firing and not firing), and
// `promtool check rules` on both profiles' rule files, with the promtool the project builds.

export const PROMTOOL = path.resolve(__dirname, '../../.cache/bin/promtool');

export function promtool(args: readonly string[]): Promise<{ code: number; out: string }> {
  if (!existsSync(PROMTOOL)) throw new Error(`promtool is missing (${PROMTOOL}): run tools/build.sh (or ./dev setup), which builds Prometheus 3 and promtool into .cache/bin`);
  return new Promise((resolve) =>
    execFile(PROMTOOL, [...args], { timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` })),
  );
}

const promDir = path.join(GENERATED_DIR, 'prometheus');

test('promtool test rules: every alert fires and does not fire where it should', async () => {
  const tests = readdirSync(path.join(promDir, 'tests')).map((f) => path.join(promDir, 'tests', f));
  expect(tests.length).toBe(3);
  const { code, out } = await promtool(['test', 'rules', ...tests]);
  if (code !== 0) throw new Error(`promtool test rules failed:\n${out}`);
  expect(out).not.toContain('FAILED');
}, 120_000);

test('promtool check rules: production and test profiles', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mictract-rules-'));
  try {
    await writeFiles(dir, ruleFiles(testProfile));
    const files = [...readdirSync(promDir).filter((f) => f.endsWith('.rules.yaml')).map((f) => path.join(promDir, f)), ...readdirSync(path.join(dir, 'prometheus')).filter((f) => f.endsWith('.rules.yaml')).map((f) => path.join(dir, 'prometheus', f))];
    expect(files.length).toBe(6);
    const { code, out } = await promtool(['check', 'rules', ...files]);
    if (code !== 0) throw new Error(`promtool check rules failed:\n${out}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
